import type { LayerNames } from './common';
import type { TextLayout } from './text';

/** The layer names BERT, RoBERTa and ELECTRA share (transformers' BertLayer). */
export const BERT_LAYER = (l: string): LayerNames => ({
  query: `${l}.attention.self.query`,
  key: `${l}.attention.self.key`,
  value: `${l}.attention.self.value`,
  attentionOutput: `${l}.attention.output.dense`,
  intermediate: `${l}.intermediate.dense`,
  output: `${l}.output.dense`,
  norm1: `${l}.attention.output.LayerNorm`,
  norm2: `${l}.output.LayerNorm`,
});

/** BertForSequenceClassification: the pooled (dense + tanh) [CLS] output is classified. */
export const BERT: TextLayout = {
  family: 'bert',
  architecture: 'BertForSequenceClassification',
  base: 'bert',
  layerNormEps: { key: 'layer_norm_eps', fallback: 1e-12 },
  layer: BERT_LAYER,
  layerPrefix: 'encoder.layer.',
  positions: 'absolute',
  tokenTypes: 'input',
  head: { pooler: { name: 'pooler.dense', activation: 'tanh', underBase: true }, classifier: 'classifier' },
};
