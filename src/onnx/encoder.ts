import type { EncoderLayerWeights, ModelSpec } from '../model/spec';
import { activation, broadcastBias, layerNorm, linear } from './ops';
import { attr, GraphBuilder } from './proto';

export interface LayerIO {
  /** Hidden states entering the layer, [batch, seq, hidden]. */
  input: string;
  /** Additive attention mask [batch, 1, 1, seq] (text) or undefined (vision: every token attends). */
  extendedMask?: string;
  /** Per-head multiplier on attention probabilities, [maskBatch, heads] with maskBatch 1 or batch. */
  headMask?: string;
  /** Per-neuron multiplier on FFN pre-activations, [maskBatch, neurons]. */
  neuronMask?: string;
}

export interface LayerOut {
  output: string;
  /**
   * OPTIN's trajectory feature F_z: BERT — output.dense before dropout/residual/LayerNorm;
   * ViT/DeiT — the output of layernorm_before.
   */
  feature: string;
}

/**
 * Multi-head self-attention with HF semantics. A masked head has its attention probabilities
 * multiplied by 0, so its context vector is 0 — the same as deleting its Q/K/V/O slices.
 */
function attention(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, x: string, io: LayerIO, heads: number, name: string): string {
  if (heads === 0) return broadcastBias(g, x, w.attentionOutput.bias.data, `${name}.output.dense.bias`);
  const d = spec.headDim;
  const split = (t: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, heads, d])])], [attr.ints('perm', perm)]);
  const q = split(linear(g, x, w.query, `${name}.query`), [0, 2, 1, 3]);
  const k = split(linear(g, x, w.key, `${name}.key`), [0, 2, 3, 1]);
  const v = split(linear(g, x, w.value, `${name}.value`), [0, 2, 1, 3]);
  let scores = g.op('Mul', [g.op('MatMul', [q, k]), g.scalar(1 / Math.sqrt(d))]);
  if (io.extendedMask) scores = g.op('Add', [scores, io.extendedMask]);
  let probs = g.op('Softmax', [scores], [attr.int('axis', -1)]);
  if (io.headMask) probs = g.op('Mul', [probs, g.op('Reshape', [io.headMask, g.ints([-1, heads, 1, 1])])]);
  const ctx = g.op('Transpose', [g.op('MatMul', [probs, v])], [attr.ints('perm', [0, 2, 1, 3])]);
  const merged = g.op('Reshape', [ctx, g.ints([0, 0, heads * d])]);
  return linear(g, merged, w.attentionOutput, `${name}.output.dense`);
}

/** The feed-forward block; a masked neuron has its pre-activation zeroed (act(0) = 0). */
function feedForward(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, x: string, io: LayerIO, neurons: number, name: string): string {
  if (neurons === 0) return broadcastBias(g, x, w.output.bias.data, `${name}.output.dense.bias`);
  let pre = linear(g, x, w.intermediate, `${name}.intermediate.dense`);
  if (io.neuronMask) pre = g.op('Mul', [pre, g.op('Unsqueeze', [io.neuronMask, g.ints([1])])]);
  return linear(g, activation(g, pre, spec.hiddenAct), w.output, `${name}.output.dense`);
}

/** One encoder layer; BERT is post-LN, ViT/DeiT pre-LN. */
export function encoderLayer(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, io: LayerIO): LayerOut {
  const name = `layer.${layer}`;
  const heads = spec.headsPerLayer[layer];
  const neurons = spec.neuronsPerLayer[layer];
  const eps = spec.layerNormEps;
  if (spec.normPlacement === 'post') {
    const a = attention(g, spec, w, io.input, io, heads, `${name}.attention`);
    const h = layerNorm(g, g.op('Add', [a, io.input]), w.norm1, eps, `${name}.attention.output.LayerNorm`);
    const feature = feedForward(g, spec, w, h, io, neurons, name);
    const output = layerNorm(g, g.op('Add', [feature, h]), w.norm2, eps, `${name}.output.LayerNorm`);
    return { output, feature };
  }
  const feature = layerNorm(g, io.input, w.norm1, eps, `${name}.layernorm_before`);
  const h = g.op('Add', [attention(g, spec, w, feature, io, heads, `${name}.attention`), io.input]);
  const n2 = layerNorm(g, h, w.norm2, eps, `${name}.layernorm_after`);
  const output = g.op('Add', [feedForward(g, spec, w, n2, io, neurons, name), h]);
  return { output, feature };
}
