import { BERT_LAYER } from './bert';
import type { TextLayout } from './text';

/**
 * ElectraForSequenceClassification: BERT's encoder behind embeddings of embedding_size, projected
 * to hidden_size by `embeddings_project`; the head is dense + GELU + out_proj on [CLS]
 * (transformers fixes GELU there, whatever hidden_act says).
 */
export const ELECTRA: TextLayout = {
  family: 'electra',
  architecture: 'ElectraForSequenceClassification',
  base: 'electra',
  layerNormEps: { key: 'layer_norm_eps', fallback: 1e-12 },
  layer: BERT_LAYER,
  layerPrefix: 'encoder.layer.',
  positions: 'absolute',
  tokenTypes: 'input',
  projection: { name: 'embeddings_project' },
  head: { pooler: { name: 'classifier.dense', activation: 'gelu' }, classifier: 'classifier.out_proj' },
};
