import type { EncoderLayerWeights, ModelSpec } from '../model/spec';
import { activation, broadcastBias, layerNorm, linear } from './ops';
import { attr, GraphBuilder } from './proto';
import { QueryPositions, relativeScale, relativeTerms } from './relative';
import { rotate, slidingWindow } from './rotary';
import { keyMetric, logSizeBias, mergeTokens, MergeState } from './tokenMerge';

export interface LayerIO {
  /** Hidden states entering the layer, [batch, seq, hidden]. */
  input: string;
  /**
   * Additive attention mask [batch, 1, 1, seq] (text) or undefined (vision: every token attends).
   * With `maskGroups` G it is [G, 1, queries, seq] and applies to each group of G rows in turn
   * (the scorer's packed rows, repeated once per candidate).
   */
  extendedMask?: string;
  maskGroups?: number;
  /** Per-head multiplier on attention probabilities, [maskBatch, heads] with maskBatch 1 or batch. */
  headMask?: string;
  /** Per-neuron multiplier on FFN pre-activations, [maskBatch, neurons]. */
  neuronMask?: string;
  /**
   * Compute the layer's output only for some token rows: maps a [rows, S, D] tensor to its
   * query rows [rows, Q, D]. Keys and values still come from every token, so the rows that are
   * computed are exact. Used for the last layer, whose other rows nothing reads.
   */
  queryRows?: (t: string) => string;
  /**
   * Token merging (exported vision models only, tokenMerge.ts): the token sizes entering the
   * layer (log(size) is added to the attention logits) and `r`, the tokens to merge after its
   * attention. Scoring and repair graphs never merge.
   */
  tokens?: { state: MergeState; r: number };
  /**
   * Where the query rows sit, for attention that depends on positions (DeBERTa's relative terms):
   * known for the calibration layouts the scoring graphs are built for; absent in the exported
   * model, where queries and keys are at 0..S-1 of the input.
   */
  positions?: QueryPositions;
}

/**
 * What one layer computes, by name. The scorer caches these for the unpruned model and resumes
 * a layer from them, so a candidate does not recompute what it cannot change.
 */
export interface LayerOut {
  output: string;
  /**
   * OPTIN's trajectory feature F_z: BERT — output.dense before dropout/residual/LayerNorm;
   * ViT/DeiT — the output of layernorm_before.
   */
  feature: string;
  /** Merged per-head context vectors before the output projection, [batch, seq, heads·headDim]. */
  context?: string;
  /** Attention block output (projection + bias), [batch, seq, hidden]. */
  attention: string;
  /** The FFN's input side: BERT — LN1 output (also the residual); ViT — attention residual sum. */
  mid: string;
  /** FFN activations, [batch, seq, neurons]. */
  activation?: string;
  /** FFN output (output.dense incl. bias), [batch, seq, hidden]. */
  ffn: string;
  /** With `io.tokens`: the tokens leaving the layer (fewer where it merged). */
  tokens?: MergeState;
}

/**
 * Multi-head self-attention with HF semantics. A masked head has its attention probabilities
 * multiplied by 0, so its context vector is 0 — the same as deleting its Q/K/V/O slices.
 */
function attention(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, x: string, xq: string, io: LayerIO, heads: number, name: string): { output: string; context?: string; keys?: string } {
  if (heads === 0) return { output: broadcastBias(g, xq, w.attentionOutput.bias.data, `${name}.output.dense.bias`) };
  const d = spec.headDim;
  const split = (t: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, heads, d])])], [attr.ints('perm', perm)]);
  let q = split(linear(g, xq, w.query, `${name}.query`), [0, 2, 1, 3]);
  let k: string;
  if (spec.rotary) {
    // Rotated by position before the scores (keys at 0..S-1, queries where they sit).
    q = rotate(g, spec, layer, q, io.positions);
    k = g.op('Transpose', [rotate(g, spec, layer, split(linear(g, x, w.key, `${name}.key`), [0, 2, 1, 3]))], [attr.ints('perm', [0, 1, 3, 2])]);
  } else {
    k = split(linear(g, x, w.key, `${name}.key`), [0, 2, 3, 1]);
  }
  const v = split(linear(g, x, w.value, `${name}.value`), [0, 2, 1, 3]);
  let scores = g.op('MatMul', [q, k]);
  if (spec.relative) {
    const terms = relativeTerms(g, spec, w, layer, q, k, heads, io.positions);
    if (terms) scores = g.op('Add', [scores, terms]);
  }
  scores = g.op('Mul', [scores, g.scalar(1 / (spec.relative ? relativeScale(spec) : Math.sqrt(d)))]);
  if (io.extendedMask && io.maskGroups) {
    const shape = g.op('Shape', [scores]);
    const grouped = g.op('Concat', [g.ints([-1, io.maskGroups]), g.op('Slice', [shape, g.ints([1]), g.ints([4])])], [attr.int('axis', 0)]);
    scores = g.op('Reshape', [g.op('Add', [g.op('Reshape', [scores, grouped]), io.extendedMask]), shape]);
  } else if (io.extendedMask) {
    scores = g.op('Add', [scores, io.extendedMask]);
  }
  if (io.tokens?.state.sizes) scores = g.op('Add', [scores, logSizeBias(g, io.tokens.state.sizes)]);
  if (spec.rotary?.window[layer]) scores = slidingWindow(g, spec.rotary.window[layer], scores, io.positions);
  let probs = g.op('Softmax', [scores], [attr.int('axis', -1)]);
  if (io.headMask) probs = g.op('Mul', [probs, g.op('Reshape', [io.headMask, g.ints([-1, heads, 1, 1])])]);
  const ctx = g.op('Transpose', [g.op('MatMul', [probs, v])], [attr.ints('perm', [0, 2, 1, 3])]);
  const context = g.op('Reshape', [ctx, g.ints([0, 0, heads * d])]);
  return { output: linear(g, context, w.attentionOutput, `${name}.output.dense`), context, keys: k };
}

/** The feed-forward block; a masked neuron has its pre-activation zeroed (act(0) = 0). */
function feedForward(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, x: string, neuronMask: string | undefined, neurons: number, name: string): { output: string; activation?: string } {
  if (neurons === 0) return { output: broadcastBias(g, x, w.output.bias.data, `${name}.output.dense.bias`) };
  let pre = linear(g, x, w.intermediate, `${name}.intermediate.dense`);
  if (neuronMask) pre = g.op('Mul', [pre, g.op('Unsqueeze', [neuronMask, g.ints([1])])]);
  let act = activation(g, pre, spec.hiddenAct);
  // Gated (ModernBERT): act(input half) · gate half; a masked neuron is act(0) · gate = 0.
  if (w.gate) act = g.op('Mul', [act, linear(g, x, w.gate, `${name}.intermediate.gate`)]);
  return { output: linear(g, act, w.output, `${name}.output.dense`), activation: act };
}

const layerName = (layer: number) => `layer.${layer}`;

/**
 * A layer's attention block alone (layernorm_before for ViT/DeiT, output projection included);
 * `normed` is layernorm_before's output (pre-LN only). Repair fits head scales on it.
 */
export function selfAttention(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, io: LayerIO): { output: string; context?: string; normed?: string; keys?: string } {
  const normed = spec.normPlacement === 'pre' ? preAttentionNorm(g, spec, w, layer, io.input) : undefined;
  const kv = normed ?? io.input;
  const rows = io.queryRows ?? ((t: string) => t);
  return { ...attention(g, spec, w, layer, kv, rows(kv), io, spec.headsPerLayer[layer], `${layerName(layer)}.attention`), normed };
}

/** The part of a layer after its FFN output: BERT LN2(ffn + mid); ViT ffn + mid. */
export function finishFromFfn(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, mid: string, ffn: string): string {
  const sum = g.op('Add', [ffn, mid]);
  return spec.normPlacement === 'post' ? layerNorm(g, sum, w.norm2, spec.layerNormEps, `${layerName(layer)}.output.LayerNorm`) : sum;
}

/** The part of a layer after its attention output (the residual input `x` is the layer input). */
export function finishFromAttention(
  g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, x: string, attentionOut: string, neuronMask?: string,
): { output: string; mid: string; ffn: string; activation?: string } {
  const eps = spec.layerNormEps;
  const sum = g.op('Add', [attentionOut, x]);
  const mid = spec.normPlacement === 'post' ? layerNorm(g, sum, w.norm1!, eps, `${layerName(layer)}.attention.output.LayerNorm`) : sum;
  return { ...finishFromMid(g, spec, w, layer, mid, neuronMask), mid };
}

/** The FFN half of a layer from its input side `mid` (BERT: LN1 output; ViT: attention residual sum). */
function finishFromMid(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, mid: string, neuronMask?: string): { output: string; ffn: string; activation?: string } {
  const ffnIn = spec.normPlacement === 'post' ? mid : layerNorm(g, mid, w.norm2, spec.layerNormEps, `${layerName(layer)}.layernorm_after`);
  const ffn = feedForward(g, spec, w, ffnIn, neuronMask, spec.neuronsPerLayer[layer], layerName(layer));
  return { output: finishFromFfn(g, spec, w, layer, mid, ffn.output), ffn: ffn.output, activation: ffn.activation };
}

/** Pre-LN layers: layernorm_before (ModernBERT's attn_norm; none in its first layer), the input of attention and the trajectory feature. */
export function preAttentionNorm(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, x: string): string {
  return w.norm1 ? layerNorm(g, x, w.norm1, spec.layerNormEps, `${layerName(layer)}.layernorm_before`) : x;
}

/**
 * Which tensor is OPTIN's trajectory feature (`embedding_choice`): the output of
 * layernorm_before (ViT/DeiT default) or of output.dense (BERT, which has no layernorm_before).
 */
export type Trajectory = 'layernorm_before' | 'output_dense';

export function defaultTrajectory(spec: ModelSpec): Trajectory {
  return spec.normPlacement === 'pre' ? 'layernorm_before' : 'output_dense';
}

/** Whether a unit of layer i changes layer i's own trajectory feature (layernorm_before comes before it). */
export function featureFollowsUnits(spec: ModelSpec, trajectory: Trajectory): boolean {
  return trajectory === 'output_dense' || spec.normPlacement === 'post';
}

/** One encoder layer; BERT is post-LN, ViT/DeiT pre-LN. */
export function encoderLayer(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, io: LayerIO, trajectory: Trajectory = defaultTrajectory(spec)): LayerOut {
  const att = selfAttention(g, spec, w, layer, io);
  if (io.tokens) return mergingLayer(g, spec, w, layer, io, io.tokens, att);
  const rows = io.queryRows ?? ((t: string) => t);
  const rest = finishFromAttention(g, spec, w, layer, rows(io.input), att.output, io.neuronMask);
  const feature = trajectory === 'layernorm_before' && att.normed ? att.normed : rest.ffn;
  return { output: rest.output, feature, context: att.context, attention: att.output, mid: rest.mid, activation: rest.activation, ffn: rest.ffn };
}

/**
 * A pre-LN layer that merges tokens between its attention and its FFN (as Token Merging does):
 * the FFN, and every later layer, runs on fewer rows. The similarity is measured on the keys
 * averaged over the layer's kept heads (on layernorm_before's output where it keeps none).
 */
function mergingLayer(
  g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, io: LayerIO, tokens: NonNullable<LayerIO['tokens']>,
  att: ReturnType<typeof selfAttention>,
): LayerOut {
  if (spec.normPlacement !== 'pre' || io.queryRows || io.headMask || io.neuronMask) throw new Error('token merging is built only into exported pre-LN (ViT/DeiT) models, without masks');
  let mid = g.op('Add', [att.output, io.input]);
  let state = tokens.state;
  if (tokens.r > 0) {
    const metric = att.keys ? keyMetric(g, att.keys) : att.normed!;
    const merged = mergeTokens(g, mid, metric, state, tokens.r, spec.hiddenSize);
    mid = merged.hidden;
    state = { prefix: state.prefix, patches: state.patches - tokens.r, sizes: merged.sizes };
  }
  const rest = finishFromMid(g, spec, w, layer, mid);
  return { output: rest.output, feature: att.normed!, context: att.context, attention: att.output, mid, activation: rest.activation, ffn: rest.ffn, tokens: state };
}
