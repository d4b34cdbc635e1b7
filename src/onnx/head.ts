import type { ClassifierWeights, ModelSpec, PoolerActivation } from '../model/spec';
import { activation, layerNorm, linear } from './ops';
import { attr, GraphBuilder } from './proto';

function token(g: GraphBuilder, x: string, index: number): string {
  return g.op('Gather', [x, g.int(index)], [attr.int('axis', 1)]);
}

/** The activation after the pooler's dense layer. */
export function poolerActivation(g: GraphBuilder, x: string, act: PoolerActivation): string {
  return act === 'tanh' ? g.op('Tanh', [x]) : activation(g, x, act);
}

/**
 * What the classifier reads. `first`: the first token of [batch, seq, hidden]. `mean`
 * (ModernBERT's classifier_pooling: mean): the mean over the real tokens, given as `tokenMask`
 * [batch, seq] (1 = real), or — in the scoring graphs, whose rows may pack several examples —
 * as `pooling` [examples, rows · seq], each example's averaging weights over the flattened rows.
 */
export interface PoolingInput {
  tokenMask?: string;
  pooling?: string;
}

/** The encoder's final norm (ViT/DeiT, ModernBERT), applied to every token before pooling. */
function finalNorm(g: GraphBuilder, spec: ModelSpec, w: ClassifierWeights, x: string): string {
  return w.finalNorm ? layerNorm(g, x, w.finalNorm, spec.layerNormEps, 'final.layernorm') : x;
}

/** The classification head on the encoder output [batch, seq, hidden] -> logits [batch, labels]. */
export function classifierHead(g: GraphBuilder, spec: ModelSpec, w: ClassifierWeights, x: string, pool: PoolingInput = {}): string {
  const h = finalNorm(g, spec, w, x);
  if (spec.pooling === 'mean') return headOnPooled(g, spec, w, meanPool(g, spec, h, pool));
  const logits = headOnPooled(g, spec, w, token(g, h, 0));
  if (!w.distillationClassifier) return logits;
  // DeiT with teacher: average of the class-token and distillation-token heads.
  const dist = linear(g, token(g, h, 1), w.distillationClassifier, 'distillation_classifier');
  return g.op('Mul', [g.op('Add', [logits, dist]), g.scalar(0.5)]);
}

function meanPool(g: GraphBuilder, spec: ModelSpec, h: string, pool: PoolingInput): string {
  if (pool.pooling) {
    // [rows, seq, D] -> [copies, rows·seq, D]; each example's weights pick and average its tokens.
    const D = spec.hiddenSize;
    const shape = g.op('Shape', [pool.pooling]);
    const flat = g.op('Reshape', [h, g.op('Concat', [g.ints([-1]), g.op('Slice', [shape, g.ints([1]), g.ints([2])]), g.ints([D])], [attr.int('axis', 0)])]);
    return g.op('Reshape', [g.op('MatMul', [pool.pooling, flat]), g.ints([-1, D])]);
  }
  if (!pool.tokenMask) throw new Error('mean pooling needs the token mask');
  const mask = g.op('Unsqueeze', [pool.tokenMask, g.ints([2])]);
  const sum = g.op('ReduceSum', [g.op('Mul', [h, mask]), g.ints([1])], [attr.int('keepdims', 0)]);
  return g.op('Div', [sum, g.op('ReduceSum', [mask, g.ints([1])], [attr.int('keepdims', 0)])]);
}

/** The pooler (dense → activation → norm, as the family has them) and the classifier on the pooled vector [batch, hidden]. */
function headOnPooled(g: GraphBuilder, spec: ModelSpec, w: ClassifierWeights, pooled: string): string {
  let p = pooled;
  if (w.pooler) p = poolerActivation(g, linear(g, p, w.pooler.dense, w.pooler.name), w.pooler.activation);
  if (w.poolerNorm) p = layerNorm(g, p, w.poolerNorm, spec.layerNormEps, 'pooler.norm');
  return linear(g, p, w.classifier, 'classifier');
}
