import * as fs from 'fs';
import * as path from 'path';
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
  /**
   * With an exported `.onnx` as the model: the checkpoint folder it was pruned from (its
   * tokenizer or preprocessor, labels and task). Default: `model.dir` of the report.json next to
   * it, whose max_seq_length and text fields then also apply unless given.
   */
  modelDir?: string;
}

export interface EvalResult {
  metric: MetricName;
  value: number;
  examples: number;
  device: Device;
  deviceNotes: string[];
  model: { dir: string; family: string; architecture: string; layers: number; heads: number; hidden: number; intermediate: number; labels: string[] };
  data: string;
  /** The exported ONNX file evaluated (absent when a checkpoint folder was evaluated). */
  file?: string;
  meanSequenceLength: number;
  seconds: number;
}

/**
 * Runs a session over a dataset in batches and returns all logits, row-major [n, numLabels] in
 * the dataset's order. Text padded per batch is batched by length (longest first), so each batch
 * pads to about its own examples' length instead of the longest of a random mix: each example's
 * logits do not depend on its batch (padding is masked), and much less compute goes to padding.
 */
export async function predictLogits(session: InferenceSession, ds: Dataset, numLabels: number, opts: Pick<EvalOptions, 'batchSize' | 'signal' | 'onProgress'> = {}): Promise<Float32Array> {
  const batchSize = opts.batchSize ?? 32;
  const logits = new Float32Array(ds.size * numLabels);
  const order = Array.from({ length: ds.size }, (_, i) => i);
  const lengthOf = ds.lengthOf;
  if (lengthOf) {
    const lengths = order.map((i) => lengthOf(i));
    order.sort((a, b) => lengths[b] - lengths[a] || a - b);
  }
  for (let start = 0; start < ds.size; start += batchSize) {
    opts.signal?.throwIfAborted();
    const end = Math.min(ds.size, start + batchSize);
    const chosen = order.slice(start, end);
    const out = (await session.run(pickInputs(session, toOrtFeeds(await ds.batchOf(chosen))))).logits.data as Float32Array;
    chosen.forEach((i, k) => logits.set(out.subarray(k * numLabels, (k + 1) * numLabels), i * numLabels));
    opts.onProgress?.(end, ds.size);
  }
  return logits;
}

export function defaultMetric(model: LoadedModel): MetricName {
  return model.spec.problemType === 'regression' ? 'pearson' : 'accuracy';
}

/**
 * What an exported .onnx is evaluated with: the checkpoint folder given, or the run's (report.json
 * next to the file), and the text options the run read its eval data with (unless given).
 */
export function onnxDefaults(file: string, opts: Pick<EvalOptions, 'modelDir' | 'maxSeqLength' | 'fields'>): { modelDir: string; maxSeqLength?: number; fields?: DataOptions['fields'] } {
  const reportFile = path.join(path.dirname(file), 'report.json');
  let run: { model?: { dir?: unknown }; data?: { eval?: { maxSeqLength?: number; fields?: DataOptions['fields'] } } } = {};
  if (fs.existsSync(reportFile)) {
    try {
      run = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as typeof run;
    } catch {
      // An unreadable report gives no defaults.
    }
  }
  const dir = opts.modelDir ?? (typeof run.model?.dir === 'string' && run.model.dir ? run.model.dir : undefined);
  if (dir === undefined) {
    throw new UserError(`${file} is an ONNX model: give the checkpoint folder it was pruned from (its tokenizer or preprocessor and labels) with --model-dir, or keep the file in its run folder next to report.json.`, file);
  }
  const fromRun = opts.modelDir === undefined ? run.data?.eval : undefined;
  const fields = opts.fields && Object.keys(opts.fields).length > 0 ? opts.fields : fromRun?.fields;
  return { modelDir: dir, maxSeqLength: opts.maxSeqLength ?? fromRun?.maxSeqLength, fields };
}

/**
 * `optin eval`: the task metric of a checkpoint on a labelled data set. `modelPath` is a
 * checkpoint folder, or an exported `.onnx` (e.g. a run's pruned-<budget>.onnx) whose inputs are
 * prepared with the checkpoint of `opts.modelDir` (see checkpointForOnnx).
 */
export async function evaluate(modelPath: string, dataPath: string, opts: EvalOptions = {}): Promise<EvalResult> {
  const t0 = performance.now();
  if (opts.batchSize !== undefined && (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)) {
    throw new UserError(`batch size must be a positive integer, got ${opts.batchSize}.`);
  }
  const onnxFile = modelPath.toLowerCase().endsWith('.onnx') ? modelPath : undefined;
  if (onnxFile && !fs.existsSync(onnxFile)) throw new UserError(`${onnxFile} does not exist.`, onnxFile);
  const defaults = onnxFile ? onnxDefaults(onnxFile, opts) : undefined;
  const model = loadModel(defaults?.modelDir ?? modelPath);
  const ds = await openDataset(dataPath, model.spec, { ...opts, ...(defaults && { maxSeqLength: defaults.maxSeqLength, fields: defaults.fields }), requireLabels: true });
  const { session, device, notes } = await openSession(onnxFile ?? buildModelGraph(model).bytes, { device: opts.device ?? 'cpu', threads: opts.threads });
  try {
    if (onnxFile) checkOnnxInterface(session, onnxFile, model, ds);
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
      file: onnxFile,
      meanSequenceLength: ds.meanSequenceLength,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await session.release();
  }
}

/** An exported model must read what the checkpoint's data pipeline feeds and give its labels. */
function checkOnnxInterface(session: InferenceSession, file: string, model: LoadedModel, ds: Dataset): void {
  const fed = ds.modality === 'text' ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['pixel_values'];
  const missing = session.inputNames.filter((n) => !fed.includes(n));
  if (missing.length > 0 || !session.outputNames.includes('logits')) {
    throw new UserError(
      `${file} does not fit the checkpoint ${model.spec.dir}: it takes ${session.inputNames.join(', ')} and gives ${session.outputNames.join(', ')}, ` +
        `while a ${model.spec.family} checkpoint feeds ${fed.join(', ')} and expects logits. Is --model-dir the checkpoint it was pruned from?`, file);
  }
}
