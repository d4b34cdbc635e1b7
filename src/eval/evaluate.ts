import { UserError } from '../errors';
import { DataOptions, Dataset, openDataset } from '../data/dataset';
import { loadModel } from '../model';
import type { LoadedModel } from '../model/spec';
import { buildModelGraph } from '../onnx/model';
import { Device, DeviceChoice, openSession } from '../runtime/session';
import { pickInputs, toOrtFeeds } from '../runtime/tensors';
import type { InferenceSession } from 'onnxruntime-node';
import { computeMetric, MetricName } from './metrics';

export interface EvalOptions extends DataOptions {
  batchSize?: number;
  device?: DeviceChoice;
  threads?: number;
  metric?: MetricName;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  metric: MetricName;
  value: number;
  examples: number;
  device: Device;
  deviceNotes: string[];
  model: { dir: string; family: string; architecture: string; layers: number; heads: number; hidden: number; intermediate: number; labels: string[] };
  data: string;
  meanSequenceLength: number;
  seconds: number;
}

/** Runs a session over a dataset in batches and returns all logits, row-major [n, numLabels]. */
export async function predictLogits(session: InferenceSession, ds: Dataset, numLabels: number, opts: Pick<EvalOptions, 'batchSize' | 'signal' | 'onProgress'> = {}): Promise<Float32Array> {
  const batchSize = opts.batchSize ?? 32;
  const logits = new Float32Array(ds.size * numLabels);
  for (let start = 0; start < ds.size; start += batchSize) {
    opts.signal?.throwIfAborted();
    const end = Math.min(ds.size, start + batchSize);
    const out = await session.run(pickInputs(session, toOrtFeeds(await ds.batch(start, end))));
    logits.set(out.logits.data as Float32Array, start * numLabels);
    opts.onProgress?.(end, ds.size);
  }
  return logits;
}

export function defaultMetric(model: LoadedModel): MetricName {
  return model.spec.problemType === 'regression' ? 'pearson' : 'accuracy';
}

/** `optin eval`: the task metric of a checkpoint on a labelled data set. */
export async function evaluate(modelDir: string, dataPath: string, opts: EvalOptions = {}): Promise<EvalResult> {
  const t0 = performance.now();
  if (opts.batchSize !== undefined && (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)) {
    throw new UserError(`batch size must be a positive integer, got ${opts.batchSize}.`);
  }
  const model = loadModel(modelDir);
  const ds = openDataset(dataPath, model.spec, { ...opts, requireLabels: true });
  const { session, device, notes } = await openSession(buildModelGraph(model).bytes, { device: opts.device ?? 'cpu', threads: opts.threads });
  try {
    const logits = await predictLogits(session, ds, model.spec.numLabels, opts);
    const metric = opts.metric ?? defaultMetric(model);
    const value = computeMetric(metric, logits, model.spec.numLabels, ds.labels as number[]);
    const s = model.spec;
    return {
      metric,
      value,
      examples: ds.size,
      device,
      deviceNotes: notes,
      model: { dir: s.dir, family: s.family, architecture: s.architecture, layers: s.numLayers, heads: s.numHeads, hidden: s.hiddenSize, intermediate: s.intermediateSize, labels: s.labels },
      data: dataPath,
      meanSequenceLength: ds.meanSequenceLength,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await session.release();
  }
}
