import { BERT_LAYER } from './bert';
import type { TextLayout } from './text';

/**
 * RobertaForSequenceClassification (also XLM-RoBERTa and CamemBERT, stored under `roberta.`):
 * BERT's encoder; positions counted from pad_token_id + 1 over non-pad tokens; no token type
 * input (type 0 is added, as transformers does when none is given); the head is dense + tanh +
 * out_proj on <s>.
 */
export const ROBERTA: TextLayout = {
  family: 'roberta',
  architecture: 'RobertaForSequenceClassification',
  base: 'roberta',
  layerNormEps: { key: 'layer_norm_eps', fallback: 1e-12 },
  layer: BERT_LAYER,
  layerPrefix: 'encoder.layer.',
  positions: 'padding_offset',
  tokenTypes: 'first',
  head: { pooler: { name: 'classifier.dense', activation: 'tanh' }, classifier: 'classifier.out_proj' },
};
