/**
 * Whether a budget's repair is kept. Layer-wise reconstruction does not always carry through to
 * the output: where the mask has cut deep, re-fitting the few kept units to the unpruned layers
 * can move the logits further from the unpruned model's. So each repaired model is compared with
 * the same mask unrepaired on examples the fit never saw (calibration data outside the sample),
 * by the KL divergence of its predictions from the unpruned model's, and the closer one is
 * delivered. Labels are not used, and neither is the evaluation data.
 */
import type { Dataset } from '../data/dataset';
import type { LoadedModel } from '../model/spec';
import { predictLogits } from '../eval/evaluate';
import { buildModelGraph } from '../onnx/model';
import { DeviceChoice, openSession } from '../runtime/session';
import { mulberry32 } from './random';

/** Held-out examples the check reads (fewer when the calibration data has fewer left). */
export const REPAIR_CHECK_EXAMPLES = 64;

export interface RepairCheckSet {
  /** Example indices into the calibration data. */
  indices: number[];
  /** False when the calibration data had no examples outside the sample: the check reads the sample itself. */
  heldOut: boolean;
}

/** A seeded draw of up to `n` calibration examples outside the sample (the sample itself if none are left). */
export function repairCheckSet(size: number, sample: readonly number[], seed: number, n = REPAIR_CHECK_EXAMPLES): RepairCheckSet {
  const taken = new Set(sample);
  const pool = Array.from({ length: size }, (_, i) => i).filter((i) => !taken.has(i));
  if (pool.length === 0) return { indices: [...sample].slice(0, n), heldOut: false };
  const rand = mulberry32(seed ^ 0x5eed);
  // Partial Fisher-Yates: the first n entries become a uniform sample without replacement.
  const k = Math.min(n, pool.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return { indices: pool.slice(0, k).sort((a, b) => a - b), heldOut: true };
}

/**
 * How far a model's outputs are from the unpruned model's: mean KL(p_teacher ‖ p_model) over
 * examples for classifiers (softmax at temperature 1), mean squared difference for regression.
 */
export function divergence(teacher: Float32Array, logits: Float32Array, classes: number, regression: boolean): number {
  if (!regression) return meanKl(teacher, logits, classes);
  return teacher.reduce((s, v, i) => s + (v - logits[i]) ** 2, 0) / (teacher.length / classes);
}

/** Mean KL(p_teacher ‖ p_model) over examples, from logits [n, C] (softmax at temperature 1). */
export function meanKl(teacher: Float32Array, logits: Float32Array, classes: number): number {
  const n = teacher.length / classes;
  const logSoftmax = (x: Float32Array, e: number) => {
    const row = Array.from(x.subarray(e * classes, (e + 1) * classes));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    return row.map((v) => v - lse);
  };
  let total = 0;
  for (let e = 0; e < n; e++) {
    const lp = logSoftmax(teacher, e);
    const lq = logSoftmax(logits, e);
    for (let k = 0; k < classes; k++) total += Math.exp(lp[k]) * (lp[k] - lq[k]);
  }
  return Math.max(0, total / n);
}

/** The check batch with the unpruned model's outputs on it; `distance(model)` scores any candidate (see divergence). */
export async function repairCheck(model: LoadedModel, calib: Dataset, set: RepairCheckSet, opts: { device?: DeviceChoice; threads?: number }): Promise<{ set: RepairCheckSet; distance(candidate: LoadedModel): Promise<number> }> {
  // The check examples as a data set of their own, so that text is batched by length.
  const lengthOf = calib.lengthOf;
  const view: Dataset = {
    path: calib.path,
    modality: calib.modality,
    get meanSequenceLength() {
      return calib.meanSequenceLength;
    },
    size: set.indices.length,
    labels: set.indices.map((i) => calib.labels[i]),
    batch: (start, end) => calib.batchOf(set.indices.slice(start, end)),
    batchOf: (idx) => calib.batchOf(idx.map((k) => set.indices[k])),
    key: (k) => calib.key(set.indices[k]),
    lengthOf: lengthOf && ((k: number) => lengthOf(set.indices[k])),
  };
  const { numLabels, problemType } = model.spec;
  const logits = async (m: LoadedModel) => {
    const { session } = await openSession(buildModelGraph(m).bytes, opts);
    try {
      return await predictLogits(session, view, numLabels, { batchSize: 16 });
    } finally {
      await session.release();
    }
  };
  const teacher = await logits(model);
  return { set, distance: async (candidate) => divergence(teacher, await logits(candidate), numLabels, problemType === 'regression') };
}
