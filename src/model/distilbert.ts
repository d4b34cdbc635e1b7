import type { TextLayout } from './text';

/**
 * DistilBertForSequenceClassification: its own names (q_lin…, sa_layer_norm, ffn.lin1/lin2) and
 * config keys (dim, n_layers, n_heads, hidden_dim, activation), no token types, LayerNorm eps
 * fixed at 1e-12; the head is pre_classifier + ReLU + classifier on [CLS].
 */
export const DISTILBERT: TextLayout = {
  family: 'distilbert',
  architecture: 'DistilBertForSequenceClassification',
  base: 'distilbert',
  dimKeys: { layers: 'n_layers', heads: 'n_heads', hidden: 'dim', intermediate: 'hidden_dim' },
  activationKey: 'activation',
  layerNormEps: 1e-12,
  layer: (l) => ({
    query: `${l}.attention.q_lin`,
    key: `${l}.attention.k_lin`,
    value: `${l}.attention.v_lin`,
    attentionOutput: `${l}.attention.out_lin`,
    intermediate: `${l}.ffn.lin1`,
    output: `${l}.ffn.lin2`,
    norm1: `${l}.sa_layer_norm`,
    norm2: `${l}.output_layer_norm`,
  }),
  layerPrefix: 'transformer.layer.',
  positions: 'absolute',
  tokenTypes: 'none',
  head: { pooler: { name: 'pre_classifier', activation: 'relu' }, classifier: 'classifier' },
};
