import type { LoadedModel, Tensor } from './spec';

/** Number of parameters of a (possibly pruned) model: embeddings, encoder and head. */
export function countParameters(model: LoadedModel): number {
  let n = 0;
  const add = (t: Tensor | undefined) => { if (t) n += t.data.length; };
  const e = model.weights.embeddings;
  if (e.kind === 'text') [e.word, e.position, e.tokenType, e.norm.weight, e.norm.bias, e.projection?.weight, e.projection?.bias].forEach(add);
  else [e.patchProjection.weight, e.patchProjection.bias, e.clsToken, e.distillationToken, e.position].forEach(add);
  add(model.weights.layers[0]?.relativeEmbeddings);
  for (const l of model.weights.layers) {
    for (const lin of [l.query, l.key, l.value, l.attentionOutput, l.intermediate, l.gate, l.output, l.posKey, l.posQuery]) { add(lin?.weight); add(lin?.bias); }
    for (const ln of [l.norm1, l.norm2]) { add(ln?.weight); add(ln?.bias); }
  }
  const h = model.weights.head;
  for (const lin of [h.pooler?.dense, h.classifier, h.distillationClassifier]) { add(lin?.weight); add(lin?.bias); }
  for (const ln of [h.finalNorm, h.poolerNorm]) { add(ln?.weight); add(ln?.bias); }
  return n;
}
