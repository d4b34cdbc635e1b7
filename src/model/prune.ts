import type { EncoderLayerWeights, Linear, LoadedModel, Tensor } from './spec';

/** Which heads and FFN neurons each layer keeps (indices into the unpruned layer). */
export interface KeepMask {
  heads: number[][];
  neurons: number[][];
}

function rows(t: Tensor, keep: number[], block: number): Tensor {
  const cols = t.data.length / t.shape[0];
  const out = new Float32Array(keep.length * block * cols);
  keep.forEach((k, i) => out.set(t.data.subarray(k * block * cols, (k + 1) * block * cols), i * block * cols));
  return { shape: [keep.length * block, ...t.shape.slice(1)], data: out };
}

function cols(t: Tensor, keep: number[], block: number): Tensor {
  const [r, c] = t.shape;
  const w = keep.length * block;
  const out = new Float32Array(r * w);
  for (let i = 0; i < r; i++) {
    keep.forEach((k, j) => out.set(t.data.subarray(i * c + k * block, i * c + (k + 1) * block), i * w + j * block));
  }
  return { shape: [r, w], data: out };
}

const keepRows = (l: Linear, keep: number[], block: number): Linear => ({ weight: rows(l.weight, keep, block), bias: rows(l.bias, keep, block) });

/**
 * Physically removes heads (their Q/K/V rows and output-projection columns) and neurons (their
 * intermediate rows and output columns). Computes exactly what the masked model computes.
 */
export function pruneModel(model: LoadedModel, keep: KeepMask): LoadedModel {
  const { spec, weights } = model;
  const d = spec.headDim;
  const layers: EncoderLayerWeights[] = weights.layers.map((w, i) => {
    const h = keep.heads[i];
    const n = keep.neurons[i];
    return {
      ...w,
      query: keepRows(w.query, h, d),
      key: keepRows(w.key, h, d),
      value: keepRows(w.value, h, d),
      attentionOutput: { weight: cols(w.attentionOutput.weight, h, d), bias: w.attentionOutput.bias },
      ...(w.posKey && { posKey: keepRows(w.posKey, h, d) }),
      ...(w.posQuery && { posQuery: keepRows(w.posQuery, h, d) }),
      intermediate: keepRows(w.intermediate, n, 1),
      ...(w.gate && { gate: keepRows(w.gate, n, 1) }),
      output: { weight: cols(w.output.weight, n, 1), bias: w.output.bias },
    };
  });
  return {
    spec: { ...spec, headsPerLayer: keep.heads.map((h) => h.length), neuronsPerLayer: keep.neurons.map((n) => n.length) },
    weights: { ...weights, layers },
  };
}
