import type { Feeds } from '../data/dataset';
import type { LoadedModel, ModelSpec } from '../model/spec';
import { defaultTrajectory, type Trajectory } from '../onnx/encoder';
import { buildEmbeddingsGraph, buildHeadGraph } from '../onnx/model';
import type { CalibrationShape } from '../onnx/losses';
import { buildBaselineLayer, Teacher, unpackedLayout } from '../onnx/segments';
import { DeviceChoice, ort, runOnce } from '../runtime/session';
import { toOrtFeeds } from '../runtime/tensors';
import { mulberry32 } from './random';

/** Everything the scorer needs from one pass of the unpruned model over the calibration batch. */
export interface Baseline {
  shape: CalibrationShape;
  /** Input of each layer, [B, S, D]. (The trajectory features are reduced to the teacher's Grams.) */
  hidden: Float32Array[];
  teacher: Teacher;
  /** Text: attention mask [B, S] (1 = real token). */
  mask?: BigInt64Array;
  realTokens: number;
}

/**
 * K token positions (into the flattened B·S tokens) for the Gram matrices: real tokens only, one
 * seeded sample per run (the released code re-samples on every call and includes padding).
 */
export function sampleTokens(mask: BigInt64Array | undefined, total: number, k: number, seed: number): number[] {
  const real: number[] = [];
  for (let i = 0; i < total; i++) if (!mask || mask[i] !== 0n) real.push(i);
  if (k >= real.length) return real;
  const rand = mulberry32(seed);
  // Partial Fisher-Yates: the first k entries become a uniform sample without replacement.
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (real.length - i));
    [real[i], real[j]] = [real[j], real[i]];
  }
  return real.slice(0, k).sort((a, b) => a - b);
}

/** [B, S, D] of a calibration batch: S is the padded text length, or patches + prefix tokens. */
export function calibrationShape(spec: ModelSpec, feeds: Feeds): CalibrationShape {
  const first = feeds.input_ids ?? feeds.pixel_values;
  const seq = spec.modality === 'text' ? first.dims[1] : spec.image!.numPatches + spec.image!.numPrefixTokens;
  return { batch: first.dims[0], seq, hidden: spec.hiddenSize };
}

/**
 * One pass of the unpruned model over the calibration batch, a graph per layer: only one layer's
 * activations are ever alive in ONNX Runtime, and each trajectory feature is reduced to its Gram
 * inside the layer's graph (at BERT-base with 128 × 128 tokens, the whole model as one graph
 * held about 3 GB more at its peak).
 */
export async function runBaseline(model: LoadedModel, feeds: Feeds, opts: { mmdTokens: number; seed: number; trajectory?: Trajectory; device?: DeviceChoice; threads?: number }): Promise<Baseline> {
  const { spec } = model;
  const shape = calibrationShape(spec, feeds);
  const { batch, seq } = shape;
  const run = (bytes: Uint8Array, inputs: Record<string, ort.Tensor>) => runOnce(bytes, inputs, { device: opts.device, threads: opts.threads });
  const mask = feeds.attention_mask?.data as BigInt64Array | undefined;
  const tokenIndex = sampleTokens(mask, batch * seq, opts.mmdTokens, opts.seed);
  const layout = unpackedLayout(shape, tokenIndex, mask);
  const trajectory = opts.trajectory ?? defaultTrajectory(spec);
  const dims = [batch, seq, spec.hiddenSize];
  let x = (await run(buildEmbeddingsGraph(model).bytes, toOrtFeeds(feeds))).hidden.data as Float32Array;
  const hidden: Float32Array[] = [];
  const grams: Float32Array[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    hidden.push(x);
    const out = await run(buildBaselineLayer(model, l, layout, trajectory).bytes, { hidden: new ort.Tensor('float32', x, dims) });
    grams.push(out.gram.data as Float32Array);
    x = out.output.data as Float32Array;
  }
  // Mean pooling also reads attention_mask (runOnce feeds only the inputs a graph declares).
  const logits = (await run(buildHeadGraph(model).bytes, { ...toOrtFeeds(feeds), hidden: new ort.Tensor('float32', x, dims) })).logits.data as Float32Array;
  const realTokens = mask ? mask.reduce((n, m) => n + (m !== 0n ? 1 : 0), 0) : batch * seq;
  return { shape, hidden, teacher: { grams, logits, tokenIndex }, mask, realTokens };
}

/**
 * The baseline restricted to some examples, without another forward pass: their rows of every
 * cached tensor, their teacher logits, the sampled tokens that fall in them and the teacher's
 * Gram entries of those tokens (a sub-matrix of the full Gram). The fast scorer's proxy uses it.
 */
export function subsetBaseline(b: Baseline, examples: number[]): Baseline {
  const { batch, seq, hidden: D } = b.shape;
  const rows = (data: Float32Array, width: number) => {
    const out = new Float32Array(examples.length * width);
    examples.forEach((e, k) => out.set(data.subarray(e * width, (e + 1) * width), k * width));
    return out;
  };
  const C = b.teacher.logits.length / batch;
  const position = new Map(examples.map((e, k) => [e, k]));
  const kept: number[] = [];
  const tokenIndex: number[] = [];
  b.teacher.tokenIndex.forEach((t, i) => {
    const k = position.get(Math.floor(t / seq));
    if (k === undefined) return;
    kept.push(i);
    tokenIndex.push(k * seq + (t % seq));
  });
  // tokenIndex must stay in increasing order, as the teacher's is: examples are taken sorted.
  const K = b.teacher.tokenIndex.length;
  const grams = b.teacher.grams.map((g) => Float32Array.from({ length: kept.length * kept.length }, (_, x) => g[kept[Math.floor(x / kept.length)] * K + kept[x % kept.length]]));
  const mask = b.mask ? BigInt64Array.from({ length: examples.length * seq }, (_, x) => b.mask![examples[Math.floor(x / seq)] * seq + (x % seq)]) : undefined;
  return {
    shape: { batch: examples.length, seq, hidden: D },
    hidden: b.hidden.map((h) => rows(h, seq * D)),
    teacher: { grams, logits: rows(b.teacher.logits, C), tokenIndex },
    mask,
    realTokens: mask ? mask.reduce((n, m) => n + (m !== 0n ? 1 : 0), 0) : examples.length * seq,
  };
}
