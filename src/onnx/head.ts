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

/** The classification head on the encoder output [batch, seq, hidden] -> logits [batch, labels]. */
export function classifierHead(g: GraphBuilder, spec: ModelSpec, w: ClassifierWeights, x: string): string {
  let h = x;
  if (w.finalNorm) h = layerNorm(g, h, w.finalNorm, spec.layerNormEps, 'final.layernorm');
  let first = token(g, h, 0);
  if (w.pooler) first = poolerActivation(g, linear(g, first, w.pooler.dense, w.pooler.name), w.pooler.activation);
  const logits = linear(g, first, w.classifier, 'classifier');
  if (!w.distillationClassifier) return logits;
  // DeiT with teacher: average of the class-token and distillation-token heads.
  const dist = linear(g, token(g, h, 1), w.distillationClassifier, 'distillation_classifier');
  return g.op('Mul', [g.op('Add', [logits, dist]), g.scalar(0.5)]);
}
