import type { ImageEmbeddingWeights, LoadedModel, ModelSpec, TextEmbeddingWeights } from '../model/spec';
import { layerNorm, linear } from './ops';
import { attr, ElemType, GraphBuilder } from './proto';

export interface EmbeddingOut {
  hidden: string;
  /** Additive mask [batch, 1, 1, seq] for text; none for images. */
  extendedMask?: string;
  /** Text: 1 for real tokens, 0 for padding, [batch, seq] float (mean pooling reads it). */
  tokenMask?: string;
}

/** Largest-magnitude float32, as HF uses (torch.finfo(float32).min) for masked positions. */
const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * Text embeddings: word + position (+ token type), LayerNorm, and ELECTRA's projection to the
 * hidden size. Positions count 0, 1, 2… or, for RoBERTa-style models, from pad_token_id + 1 over
 * the non-pad tokens (pads keep pad_token_id), as transformers derives them from input_ids.
 */
export function textEmbeddings(g: GraphBuilder, spec: ModelSpec, w: TextEmbeddingWeights): EmbeddingOut {
  const text = spec.text!;
  const inputIds = g.input('input_ids', ElemType.INT64, ['batch', 'sequence']);
  const attentionMask = g.input('attention_mask', ElemType.INT64, ['batch', 'sequence']);
  const tokenTypeIds = text.tokenTypeInput ? g.input('token_type_ids', ElemType.INT64, ['batch', 'sequence']) : undefined;
  let sum = g.op('Gather', [g.weight('embeddings.word_embeddings', w.word.shape, w.word.data), inputIds]);
  if (w.tokenType) {
    const table = g.weight('embeddings.token_type_embeddings', w.tokenType.shape, w.tokenType.data);
    // Without the input, every token is type 0 (transformers' buffered zeros).
    const types = tokenTypeIds ? g.op('Gather', [table, tokenTypeIds]) : g.op('Gather', [table, g.int(0)], [attr.int('axis', 0)]);
    sum = g.op('Add', [sum, types]);
  }
  if (w.position) {
    sum = g.op('Add', [sum, g.op('Gather', [g.weight('embeddings.position_embeddings', w.position.shape, w.position.data), positionIds(g, text, inputIds)])]);
  }
  const project = (x: string) => (w.projection ? linear(g, x, w.projection, 'embeddings_project') : x);
  let hidden = w.projectionBeforeNorm ? layerNorm(g, project(sum), w.norm, spec.layerNormEps, 'embeddings.LayerNorm') : project(layerNorm(g, sum, w.norm, spec.layerNormEps, 'embeddings.LayerNorm'));
  const realTokens = g.op('Cast', [attentionMask], [attr.int('to', ElemType.FLOAT)]);
  if (w.maskOutput) hidden = g.op('Mul', [hidden, g.op('Unsqueeze', [realTokens, g.ints([2])])]);
  // HF: (1 - mask) * finfo.min, broadcast over heads and query positions.
  const inverted = g.op('Sub', [g.scalar(1), realTokens]);
  const extendedMask = g.op('Unsqueeze', [g.op('Mul', [inverted, g.scalar(FLOAT32_MIN)]), g.ints([1, 2])]);
  return { hidden, extendedMask, tokenMask: realTokens };
}

/** Position ids [S] (absolute) or [B, S] (counted from pad_token_id + 1 over non-pad tokens). */
function positionIds(g: GraphBuilder, text: NonNullable<ModelSpec['text']>, inputIds: string): string {
  if (text.positions === 'absolute') {
    const seqLen = g.op('Squeeze', [g.op('Slice', [g.op('Shape', [inputIds]), g.ints([1]), g.ints([2])]), g.ints([0])]);
    return g.op('Range', [g.int(0), seqLen, g.int(1)]);
  }
  const pad = text.padTokenId;
  const real = g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, g.int(pad)])])], [attr.int('to', ElemType.INT64)]);
  const counted = g.op('Mul', [g.op('CumSum', [real, g.int(1)]), real]);
  return g.op('Add', [counted, g.int(pad)]);
}

/** ViT/DeiT embeddings: patch projection (a strided Conv), prefix token(s), absolute positions. */
export function imageEmbeddings(g: GraphBuilder, spec: ModelSpec, w: ImageEmbeddingWeights): EmbeddingOut {
  const img = spec.image!;
  const D = spec.hiddenSize;
  const pixels = g.input('pixel_values', ElemType.FLOAT, ['batch', img.numChannels, img.imageSize[0], img.imageSize[1]]);
  const p = img.patchSize;
  const conv = g.op('Conv', [
    pixels,
    g.weight('embeddings.patch_embeddings.projection.weight', w.patchProjection.weight.shape, w.patchProjection.weight.data),
    g.weight('embeddings.patch_embeddings.projection.bias', w.patchProjection.bias.shape, w.patchProjection.bias.data),
  ], [attr.ints('kernel_shape', [p, p]), attr.ints('strides', [p, p])]);
  const patches = g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, D, -1])])], [attr.ints('perm', [0, 2, 1])]);
  const batch = g.op('Slice', [g.op('Shape', [pixels]), g.ints([0]), g.ints([1])]);
  const tokenShape = g.op('Concat', [batch, g.ints([1, D])], [attr.int('axis', 0)]);
  const prefix = [g.op('Expand', [g.weight('embeddings.cls_token', w.clsToken.shape, w.clsToken.data), tokenShape])];
  if (w.distillationToken) {
    prefix.push(g.op('Expand', [g.weight('embeddings.distillation_token', w.distillationToken.shape, w.distillationToken.data), tokenShape]));
  }
  const tokens = g.op('Concat', [...prefix, patches], [attr.int('axis', 1)]);
  const hidden = g.op('Add', [tokens, g.weight('embeddings.position_embeddings', w.position.shape, w.position.data)]);
  return { hidden };
}

/** The model's own embeddings: text or image, by its weights. */
export function modelEmbeddings(g: GraphBuilder, model: LoadedModel): EmbeddingOut {
  const { spec, weights } = model;
  return weights.embeddings.kind === 'text' ? textEmbeddings(g, spec, weights.embeddings) : imageEmbeddings(g, spec, weights.embeddings);
}
