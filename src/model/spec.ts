/** A typed view of a Hugging Face checkpoint: what the graph builder and the engine need. */

/** The model structures we build; several config.json model_types share one (see families.ts). */
export type Family = 'bert' | 'roberta' | 'distilbert' | 'electra' | 'deberta-v2' | 'modernbert' | 'vit' | 'deit';
export type Modality = 'text' | 'image';
export type Activation = 'gelu' | 'gelu_tanh' | 'relu' | 'silu';
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

export interface TextSpec {
  vocabSize: number;
  maxPositionEmbeddings: number;
  /** Rows of token_type_embeddings (0: the family has none, as DistilBERT). */
  typeVocabSize: number;
  padTokenId: number;
  /**
   * How position ids are counted: `absolute` 0, 1, 2… (BERT, DistilBERT, ELECTRA); `padding_offset`
   * from pad_token_id + 1 over non-pad tokens, pads keeping pad_token_id (RoBERTa, XLM-R, CamemBERT);
   * `none`: no position embeddings (DeBERTa-v3: positions enter through relative attention).
   */
  positions: 'absolute' | 'padding_offset' | 'none';
  /** Whether the graph takes `token_type_ids` (else token type 0 is added, or none exists). */
  tokenTypeInput: boolean;
  /** The longest token sequence the position table allows (RoBERTa: max_position_embeddings − pad − 1). */
  maxLength: number;
}

export interface ImageSpec {
  imageSize: [number, number];
  patchSize: number;
  numChannels: number;
  numPatches: number;
  /** Tokens in front of the patches: 1 (class token) for ViT, 2 (class + distillation) for DeiT. */
  numPrefixTokens: number;
}

export interface ModelSpec {
  family: Family;
  /** config.json's model_type as written (xlm-roberta and camembert are the roberta family). */
  modelType: string;
  modality: Modality;
  /** Checkpoint directory it was read from. */
  dir: string;
  /** The architecture named in config.json (e.g. BertForSequenceClassification). */
  architecture: string;
  numLayers: number;
  /** Heads per layer in the unpruned config. Pruned layers may keep fewer: see headsPerLayer. */
  numHeads: number;
  headDim: number;
  hiddenSize: number;
  intermediateSize: number;
  /** Heads actually present in each layer (derived from weight shapes; HF `pruned_heads` safe). */
  headsPerLayer: number[];
  /** FFN neurons actually present in each layer. */
  neuronsPerLayer: number[];
  hiddenAct: Activation;
  layerNormEps: number;
  /** BERT normalises after each residual add; ViT/DeiT before each block. */
  normPlacement: 'post' | 'pre';
  numLabels: number;
  /** Label names by class id (id2label). */
  labels: string[];
  label2id: Map<string, number>;
  problemType: ProblemType;
  text?: TextSpec;
  image?: ImageSpec;
  /** DeBERTa's disentangled attention (relative positions), when the model has it. */
  relative?: RelativeAttention;
  /** ModernBERT's rotary positions and sliding-window layers. */
  rotary?: RotaryAttention;
  /** What the classifier reads: the first token (default) or the mean of the real tokens (ModernBERT's classifier_pooling: mean). */
  pooling?: 'first' | 'mean';
  /**
   * Token merging of an exported vision model (config `token_reduction: merge`): tokens merged
   * after each layer's attention. Absent or all zero: none. Set only on models to export; the
   * scorer and repair always see every token.
   */
  tokenMerge?: number[];
}

/**
 * DeBERTa's disentangled attention: besides content-to-content, each head scores
 * content-to-position (c2p: its query against the key projection of the relative-position
 * embedding of i − j) and position-to-content (p2c: its key against the query projection of that
 * of j − i), all divided by √(d · (1 + #terms)). Relative distances are bucketed (log buckets
 * beyond `buckets / 2`) and index 2·span rows of shared embeddings.
 */
export interface RelativeAttention {
  /** att_span: the embeddings used are rows [0, 2·span). */
  span: number;
  c2p: boolean;
  p2c: boolean;
  /** position_buckets (≤ 0: no log buckets). */
  buckets: number;
  /** max_relative_positions (the log buckets' range). */
  maxRelative: number;
  /** The longest sequence the exported graph indexes relative positions for (max_position_embeddings). */
  maxLength: number;
}

/**
 * ModernBERT's attention positions: queries and keys are rotated by their positions (RoPE, with
 * rotate_half pairing dimension k with k + d/2), and sliding-window layers let a token attend
 * only to keys within `window` positions.
 */
export interface RotaryAttention {
  /** rope_theta of each layer (global and sliding layers differ). */
  theta: number[];
  /** Each layer's half-window (|i − j| ≤ window attends), 0 for global attention. */
  window: number[];
}

/** A dense float32 matrix or vector, row-major, with its shape. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** A linear layer in PyTorch layout: weight is [out, in]. */
export interface Linear {
  weight: Tensor;
  bias: Tensor;
}

export interface LayerNormWeights {
  weight: Tensor;
  bias: Tensor;
}

export interface EncoderLayerWeights {
  query: Linear;
  key: Linear;
  value: Linear;
  attentionOutput: Linear;
  intermediate: Linear;
  output: Linear;
  /** BERT: attention.output.LayerNorm (post). ViT: layernorm_before (pre). Absent: identity (ModernBERT's first layer). */
  norm1?: LayerNormWeights;
  /** Gated FFN (ModernBERT): neuron j is act(intermediate_j(x)) · gate_j(x); its rows here, its column in `output`. */
  gate?: Linear;
  /** BERT: output.LayerNorm (post). ViT: layernorm_after (pre). */
  norm2: LayerNormWeights;
  /** DeBERTa without share_att_key: the projections of the relative embeddings for c2p (keys) and p2c (queries). */
  posKey?: Linear;
  posQuery?: Linear;
  /**
   * DeBERTa: the relative-position embeddings [2·span, hidden], LayerNorm already applied
   * (norm_rel_ebd), shared by every layer (the same tensor; graphs hold it once).
   */
  relativeEmbeddings?: Tensor;
}

export interface TextEmbeddingWeights {
  kind: 'text';
  word: Tensor;
  /** Absent where positions enter elsewhere (DeBERTa-v3's relative attention). */
  position?: Tensor;
  /** Absent where the family has no token types (DistilBERT). */
  tokenType?: Tensor;
  norm: LayerNormWeights;
  /** ELECTRA: `embeddings_project`, from embedding_size to hidden_size (when they differ). */
  projection?: Linear;
  /** Where the projection sits: after the LayerNorm (ELECTRA) or before it (DeBERTa's embed_proj). */
  projectionBeforeNorm?: boolean;
  /** DeBERTa: the embeddings are multiplied by the attention mask (padding rows become 0). */
  maskOutput?: boolean;
}

export interface ImageEmbeddingWeights {
  kind: 'image';
  /** Conv2d weight [hidden, channels, patch, patch] and bias [hidden]. */
  patchProjection: Linear;
  clsToken: Tensor;
  distillationToken?: Tensor;
  position: Tensor;
}

/** Activations of the dense layer between the first token and the classifier. */
export type PoolerActivation = Activation | 'tanh';

/**
 * The dense layer + activation applied to the first token before the classifier: BERT's pooler
 * (tanh), RoBERTa's classifier.dense (tanh), ELECTRA's classifier.dense (gelu), DistilBERT's
 * pre_classifier (relu).
 */
export interface Pooler {
  dense: Linear;
  activation: PoolerActivation;
  /** Its name in the checkpoint, kept in the graph's initializer names. */
  name: string;
}

export interface ClassifierWeights {
  pooler?: Pooler;
  /** A LayerNorm after the pooler's activation (ModernBERT's head.norm). */
  poolerNorm?: LayerNormWeights;
  /** Final encoder LayerNorm (ViT/DeiT). */
  finalNorm?: LayerNormWeights;
  classifier: Linear;
  /** DeiT with teacher: a second head on the distillation token; the two are averaged. */
  distillationClassifier?: Linear;
}

export interface ModelWeights {
  embeddings: TextEmbeddingWeights | ImageEmbeddingWeights;
  layers: EncoderLayerWeights[];
  head: ClassifierWeights;
}

export interface LoadedModel {
  spec: ModelSpec;
  weights: ModelWeights;
}
