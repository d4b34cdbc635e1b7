/**
 * Which config.json `model_type` values we prune, the family (structure) each one is built as,
 * and why the others are refused. Read by the loader and by the config checks, which must not
 * load weights, so this file imports nothing heavy.
 */
import type { Family, Modality } from './spec';

export interface ModelTypeInfo {
  family: Family;
  modality: Modality;
  /** Where each layer normalises: after each residual add (BERT-style) or before each block (ViT). */
  norm: 'post' | 'pre';
}

export const MODEL_TYPES: Readonly<Record<string, ModelTypeInfo>> = {
  bert: { family: 'bert', modality: 'text', norm: 'post' },
  roberta: { family: 'roberta', modality: 'text', norm: 'post' },
  'xlm-roberta': { family: 'roberta', modality: 'text', norm: 'post' },
  camembert: { family: 'roberta', modality: 'text', norm: 'post' },
  distilbert: { family: 'distilbert', modality: 'text', norm: 'post' },
  electra: { family: 'electra', modality: 'text', norm: 'post' },
  'deberta-v2': { family: 'deberta-v2', modality: 'text', norm: 'post' },
  modernbert: { family: 'modernbert', modality: 'text', norm: 'pre' },
  vit: { family: 'vit', modality: 'image', norm: 'pre' },
  deit: { family: 'deit', modality: 'image', norm: 'pre' },
};

export const SUPPORTED_MODEL_TYPES = Object.keys(MODEL_TYPES);

/** What every model_type of a family shares. */
export function familyInfo(family: Family): ModelTypeInfo {
  return Object.values(MODEL_TYPES).find((t) => t.family === family)!;
}

export function familyModality(family: Family): Modality {
  return familyInfo(family).modality;
}

/** A family's name as people know it, for messages and hovers. */
export const FAMILY_NAMES: Readonly<Record<Family, string>> = {
  bert: 'BERT',
  roberta: 'RoBERTa',
  distilbert: 'DistilBERT',
  electra: 'ELECTRA',
  'deberta-v2': 'DeBERTa-v2',
  modernbert: 'ModernBERT',
  vit: 'ViT',
  deit: 'DeiT',
};

const DECODER = 'it is a decoder (causal language model): OPTIN prunes encoder classifiers, whose heads and neurons are scored on a classification output';
const SEQ2SEQ = 'it is an encoder-decoder (sequence-to-sequence) model: OPTIN prunes encoder classifiers';

/** model_types we know and refuse, with the reason. */
const REFUSED: Readonly<Record<string, string>> = {
  albert: 'ALBERT shares one set of layer weights across all layers, so a head or neuron cannot be removed from one layer alone',
  gpt2: DECODER,
  gpt_neo: DECODER,
  gptj: DECODER,
  llama: DECODER,
  mistral: DECODER,
  qwen2: DECODER,
  phi: DECODER,
  opt: DECODER,
  bloom: DECODER,
  t5: SEQ2SEQ,
  mt5: SEQ2SEQ,
  bart: SEQ2SEQ,
  mbart: SEQ2SEQ,
  pegasus: SEQ2SEQ,
  marian: SEQ2SEQ,
};

/** Families planned but not built yet: said plainly rather than "unknown". */
const NOT_YET: Readonly<Record<string, string>> = {
  deberta: 'DeBERTa v1 (fused in_proj attention) is not supported yet; DeBERTa-v2/v3 (model_type deberta-v2) is',
};

/** The reason a model_type is not pruned, naming what is: undefined when it is supported. */
export function unsupportedReason(modelType: string): string | undefined {
  if (modelType in MODEL_TYPES) return undefined;
  const supported = `supported model_type values: ${SUPPORTED_MODEL_TYPES.join(', ')}`;
  const why = REFUSED[modelType] ?? NOT_YET[modelType];
  return why ? `model_type "${modelType}" cannot be pruned: ${why}; ${supported}.` : `model_type "${modelType}" is not supported; ${supported}.`;
}

export function modelTypeInfo(modelType: string): ModelTypeInfo | undefined {
  return MODEL_TYPES[modelType];
}
