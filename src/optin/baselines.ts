/**
 * Comparison rankings: weight magnitude and seeded random (search.ts countMatchedMask turns them
 * into masks with the method's unit counts). They need no forward pass; magnitude is one pass
 * over the weights.
 */
import type { LoadedModel, Tensor } from '../model/spec';
import type { Scores } from './importance';
import { mulberry32 } from './random';

/** Σ|w| over rows [r0, r1) of a [rows, cols] matrix. */
function rowsL1(t: Tensor, r0: number, r1: number): number {
  const cols = t.shape[1];
  let s = 0;
  for (let i = r0 * cols; i < r1 * cols; i++) s += Math.abs(t.data[i]);
  return s;
}

/** Σ|w| over columns [c0, c1) of a [rows, cols] matrix. */
function colsL1(t: Tensor, c0: number, c1: number): number {
  const [rows, cols] = t.shape;
  let s = 0;
  for (let r = 0; r < rows; r++) for (let c = c0; c < c1; c++) s += Math.abs(t.data[r * cols + c]);
  return s;
}

/**
 * Magnitude: a head scores the L1 norm of its Q/K/V rows and output-projection columns, a neuron
 * of its intermediate row and output column (biases excluded).
 */
export function magnitudeScores(model: LoadedModel): { heads: Scores; neurons: Scores } {
  const d = model.spec.headDim;
  const heads = model.weights.layers.map((w, i) =>
    Array.from({ length: model.spec.headsPerLayer[i] }, (_, h) =>
      rowsL1(w.query.weight, h * d, (h + 1) * d) + rowsL1(w.key.weight, h * d, (h + 1) * d) + rowsL1(w.value.weight, h * d, (h + 1) * d) + colsL1(w.attentionOutput.weight, h * d, (h + 1) * d)),
  );
  const neurons = model.weights.layers.map((w, i) =>
    Array.from({ length: model.spec.neuronsPerLayer[i] }, (_, j) => rowsL1(w.intermediate.weight, j, j + 1) + colsL1(w.output.weight, j, j + 1)),
  );
  return { heads, neurons };
}

export function randomScores(model: LoadedModel, seed: number): { heads: Scores; neurons: Scores } {
  const rand = mulberry32(seed ^ 0x5eed);
  return {
    heads: model.spec.headsPerLayer.map((h) => Array.from({ length: h }, rand)),
    neurons: model.spec.neuronsPerLayer.map((n) => Array.from({ length: n }, rand)),
  };
}
