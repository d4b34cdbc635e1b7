/** A typed view of a Hugging Face checkpoint: what the graph builder and the engine need. */

export type Family = 'bert' | 'vit' | 'deit';
export type Modality = 'text' | 'image';
export type Activation = 'gelu' | 'gelu_tanh' | 'relu' | 'silu';
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

export interface TextSpec {
  vocabSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  padTokenId: number;
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
  /**
   * Token merging of an exported vision model (config `token_reduction: merge`): tokens merged
   * after each layer's attention. Absent or all zero: none. Set only on models to export; the
   * scorer and repair always see every token.
   */
  tokenMerge?: number[];
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
  /** BERT: attention.output.LayerNorm (post). ViT: layernorm_before (pre). */
  norm1: LayerNormWeights;
  /** BERT: output.LayerNorm (post). ViT: layernorm_after (pre). */
  norm2: LayerNormWeights;
}

export interface TextEmbeddingWeights {
  kind: 'text';
  word: Tensor;
  position: Tensor;
  tokenType: Tensor;
  norm: LayerNormWeights;
}

export interface ImageEmbeddingWeights {
  kind: 'image';
  /** Conv2d weight [hidden, channels, patch, patch] and bias [hidden]. */
  patchProjection: Linear;
  clsToken: Tensor;
  distillationToken?: Tensor;
  position: Tensor;
}

export interface ClassifierWeights {
  /** BERT pooler (dense + tanh on the first token). */
  pooler?: Linear;
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
