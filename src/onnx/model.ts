import type { LoadedModel, ModelSpec } from '../model/spec';
import { modelEmbeddings } from './embeddings';
import { encoderLayer, Trajectory } from './encoder';
import { classifierHead } from './head';
import { attr, ElemType, GraphBuilder } from './proto';
import type { MergeState } from './tokenMerge';

export interface BuildOptions {
  /**
   * Add `head_mask.{i}` [maskBatch, heads_i] and `neuron_mask.{i}` [maskBatch, neurons_i] inputs
   * (maskBatch is 1, or the batch size to give each example its own mask). ONNX Runtime's Node
   * binding cannot override initializers, so these are plain inputs: `allOnesMasks` gives the
   * default feeds.
   */
  masks?: boolean;
  /** Add `feature.{i}` outputs: OPTIN's per-layer trajectory features. */
  features?: boolean;
  /** Which tensor the features are (default: the family's, see defaultTrajectory). */
  trajectory?: Trajectory;
  /** Add `hidden.{i}` outputs: the input of every layer (the engine caches these). */
  layerInputs?: boolean;
}

export interface BuiltGraph {
  bytes: Uint8Array;
  inputNames: string[];
  outputNames: string[];
}

/** Builds the full classification model (embeddings, encoder, head) as an ONNX graph. */
export function buildModelGraph(model: LoadedModel, opts: BuildOptions = {}): BuiltGraph {
  const { spec, weights } = model;
  const g = new GraphBuilder(`${spec.family}-classifier`);
  const emb = modelEmbeddings(g, model);
  let x = emb.hidden;
  let tokens = mergeStart(spec);
  const extra: Array<[string, string]> = [];
  weights.layers.forEach((w, i) => {
    const heads = spec.headsPerLayer[i];
    const neurons = spec.neuronsPerLayer[i];
    const headMask = opts.masks && heads > 0
      ? g.input(`head_mask.${i}`, ElemType.FLOAT, ['mask_batch', heads])
      : undefined;
    const neuronMask = opts.masks && neurons > 0
      ? g.input(`neuron_mask.${i}`, ElemType.FLOAT, ['mask_batch', neurons])
      : undefined;
    if (opts.layerInputs) extra.push([x, `hidden.${i}`]);
    const merge = tokens && { state: tokens, r: spec.tokenMerge![i] ?? 0 };
    const out = encoderLayer(g, spec, w, i, { input: x, extendedMask: emb.extendedMask, headMask, neuronMask, tokens: merge }, opts.trajectory);
    if (opts.features) extra.push([out.feature, `feature.${i}`]);
    x = out.output;
    tokens = out.tokens;
  });
  const logits = classifierHead(g, spec, weights.head, x, { tokenMask: emb.tokenMask });
  g.output(logits, 'logits', ElemType.FLOAT, ['batch', spec.numLabels]);
  for (const [value, name] of extra) g.output(value, name, ElemType.FLOAT, ['batch', 'sequence', spec.hiddenSize]);
  return { bytes: g.toBytes(`${spec.architecture} built by optin from ${spec.dir}`), inputNames: g.inputNames(), outputNames: g.outputNames() };
}

/** Where token merging starts (undefined: the model does not merge; a schedule of zeros is no merging at all). */
function mergeStart(spec: ModelSpec): MergeState | undefined {
  if (!spec.tokenMerge?.some((r) => r > 0)) return undefined;
  if (!spec.image) throw new Error(`token merging needs a vision model; ${spec.architecture} is not one`);
  if (spec.tokenMerge.length !== spec.numLayers) throw new Error(`token merging: ${spec.tokenMerge.length} entries for ${spec.numLayers} layers`);
  return { prefix: spec.image.numPrefixTokens, patches: spec.image.numPatches };
}

/**
 * The model in pieces, for passes that keep little in memory at once: the embeddings alone
 * (`hidden` [B, S, D] from the model's inputs) and the classifier head alone (`logits` from the
 * last layer's output `hidden`). Layers in between: see segments.ts.
 */
export function buildEmbeddingsGraph(model: LoadedModel): BuiltGraph {
  const { spec } = model;
  const g = new GraphBuilder(`${spec.family}-embeddings`);
  g.output(modelEmbeddings(g, model).hidden, 'hidden', ElemType.FLOAT, ['batch', 'sequence', spec.hiddenSize]);
  return { bytes: g.toBytes(), inputNames: g.inputNames(), outputNames: g.outputNames() };
}

export function buildHeadGraph(model: LoadedModel): BuiltGraph {
  const { spec, weights } = model;
  const g = new GraphBuilder(`${spec.family}-head`);
  const x = g.input('hidden', ElemType.FLOAT, ['batch', 'sequence', spec.hiddenSize]);
  // Mean pooling averages the real tokens: it takes the model's attention_mask too.
  const tokenMask = spec.pooling === 'mean' ? g.op('Cast', [g.input('attention_mask', ElemType.INT64, ['batch', 'sequence'])], [attr.int('to', ElemType.FLOAT)]) : undefined;
  g.output(classifierHead(g, spec, weights.head, x, { tokenMask }), 'logits', ElemType.FLOAT, ['batch', spec.numLabels]);
  return { bytes: g.toBytes(), inputNames: g.inputNames(), outputNames: g.outputNames() };
}

/** Mask feeds that keep every head and neuron (shape [1, n] per layer). */
export function allOnesMasks(spec: ModelSpec): Record<string, { dims: number[]; data: Float32Array }> {
  const feeds: Record<string, { dims: number[]; data: Float32Array }> = {};
  spec.headsPerLayer.forEach((h, i) => {
    if (h > 0) feeds[`head_mask.${i}`] = { dims: [1, h], data: new Float32Array(h).fill(1) };
  });
  spec.neuronsPerLayer.forEach((n, i) => {
    if (n > 0) feeds[`neuron_mask.${i}`] = { dims: [1, n], data: new Float32Array(n).fill(1) };
  });
  return feeds;
}
