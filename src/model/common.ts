import { UserError } from '../errors';
import { Checkpoint, configInt } from './checkpoint';
import type { Activation, EncoderLayerWeights, ProblemType } from './spec';

/** Hugging Face activation names we can build exactly, mapped to our graph ops. */
const ACTIVATIONS: Record<string, Activation> = {
  gelu: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  relu: 'relu',
  silu: 'silu',
  swish: 'silu',
};

/** The FFN activation named by config.json's `key` (DistilBERT calls it `activation`). */
export function readActivation(ck: Checkpoint, key = 'hidden_act'): Activation {
  const raw = ck.config[key] ?? 'gelu';
  if (typeof raw !== 'string' || !(raw in ACTIVATIONS)) {
    throw new UserError(
      `${ck.configFile}: ${key} ${JSON.stringify(raw)} is not supported; supported: ${Object.keys(ACTIVATIONS).join(', ')}.`,
      ck.configFile,
    );
  }
  return ACTIVATIONS[raw];
}

export interface Labels {
  numLabels: number;
  labels: string[];
  label2id: Map<string, number>;
  problemType: ProblemType;
}

/** The first architecture config.json names, else the family's classifier class. */
export function architectureOf(ck: Checkpoint, fallback: string): string {
  const a = ck.config.architectures;
  return Array.isArray(a) && typeof a[0] === 'string' ? a[0] : fallback;
}

/** id2label / label2id / num_labels, cross-checked against the classifier's row count. */
export function readLabels(ck: Checkpoint, classifierRows: number): Labels {
  const id2label = ck.config.id2label as Record<string, unknown> | undefined;
  const numLabels = classifierRows;
  if (ck.config.num_labels !== undefined && ck.config.num_labels !== numLabels) {
    throw new UserError(`${ck.configFile}: num_labels is ${JSON.stringify(ck.config.num_labels)} but the classifier has ${numLabels} outputs.`, ck.configFile);
  }
  const labels: string[] = [];
  for (let i = 0; i < numLabels; i++) {
    const name = id2label?.[String(i)];
    labels.push(typeof name === 'string' ? name : `LABEL_${i}`);
  }
  if (id2label && Object.keys(id2label).length !== numLabels) {
    throw new UserError(`${ck.configFile}: id2label has ${Object.keys(id2label).length} entries but the classifier has ${numLabels} outputs.`, ck.configFile);
  }
  const label2id = new Map<string, number>();
  labels.forEach((l, i) => label2id.set(l, i));
  const raw = ck.config.label2id as Record<string, unknown> | undefined;
  if (raw && typeof raw === 'object') {
    for (const [name, id] of Object.entries(raw)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= numLabels) {
        throw new UserError(`${ck.configFile}: label2id["${name}"] = ${JSON.stringify(id)} is not a class id in 0..${numLabels - 1}.`, ck.configFile);
      }
      label2id.set(name, id);
    }
  }
  const pt = ck.config.problem_type;
  let problemType: ProblemType;
  if (pt === 'regression' || pt === 'multi_label_classification' || pt === 'single_label_classification') problemType = pt;
  else if (pt === undefined || pt === null) problemType = numLabels === 1 ? 'regression' : 'single_label_classification';
  else throw new UserError(`${ck.configFile}: problem_type ${JSON.stringify(pt)} is not one of single_label_classification, multi_label_classification, regression.`, ck.configFile);
  return { numLabels, labels, label2id, problemType };
}

export interface EncoderDims {
  numLayers: number;
  numHeads: number;
  hiddenSize: number;
  headDim: number;
  intermediateSize: number;
}

/** The config.json keys of the encoder's sizes (DistilBERT: n_layers, n_heads, dim, hidden_dim). */
export interface DimKeys {
  layers: string;
  heads: string;
  hidden: string;
  intermediate: string;
}

export const HF_DIM_KEYS: DimKeys = { layers: 'num_hidden_layers', heads: 'num_attention_heads', hidden: 'hidden_size', intermediate: 'intermediate_size' };

export function readEncoderDims(ck: Checkpoint, keys: DimKeys = HF_DIM_KEYS): EncoderDims {
  const numLayers = configInt(ck, keys.layers);
  const numHeads = configInt(ck, keys.heads);
  const hiddenSize = configInt(ck, keys.hidden);
  const intermediateSize = configInt(ck, keys.intermediate);
  if (hiddenSize % numHeads !== 0) {
    throw new UserError(`${ck.configFile}: ${keys.hidden} ${hiddenSize} is not divisible by ${keys.heads} ${numHeads}.`, ck.configFile);
  }
  return { numLayers, numHeads, hiddenSize, headDim: hiddenSize / numHeads, intermediateSize };
}

/** The names of one encoder layer's parameters, which differ between families. */
export interface LayerNames {
  query: string;
  key: string;
  value: string;
  attentionOutput: string;
  intermediate: string;
  output: string;
  norm1: string;
  norm2: string;
}

/**
 * Reads one encoder layer. Head and neuron counts come from the weight shapes, so checkpoints
 * whose heads were pruned (HF `pruned_heads`) or neurons removed load as they are.
 */
function readEncoderLayer(ck: Checkpoint, names: LayerNames, dims: EncoderDims): { weights: EncoderLayerWeights; heads: number; neurons: number } {
  const D = dims.hiddenSize;
  const query = ck.linear(names.query, -1, D);
  const inner = query.weight.shape[0];
  if (inner % dims.headDim !== 0) {
    throw new UserError(`${ck.weightsFile}: ${names.query}.weight has ${inner} rows, not a multiple of the head size ${dims.headDim} (hidden_size / num_attention_heads).`, ck.weightsFile);
  }
  const heads = inner / dims.headDim;
  const key = ck.linear(names.key, inner, D);
  const value = ck.linear(names.value, inner, D);
  const attentionOutput = ck.linear(names.attentionOutput, D, inner);
  const intermediate = ck.linear(names.intermediate, -1, D);
  const neurons = intermediate.weight.shape[0];
  const output = ck.linear(names.output, D, neurons);
  const norm1 = ck.layerNorm(names.norm1, D);
  const norm2 = ck.layerNorm(names.norm2, D);
  return { weights: { query, key, value, attentionOutput, intermediate, output, norm1, norm2 }, heads, neurons };
}

/**
 * Reads every encoder layer `${layerPrefix}${i}.…` with the family's parameter names, and
 * refuses checkpoints with more layers than config.json declares.
 */
export function readEncoder(ck: Checkpoint, dims: EncoderDims, layerPrefix: string, names: (layer: string) => LayerNames, layersKey = 'num_hidden_layers'): { layers: EncoderLayerWeights[]; headsPerLayer: number[]; neuronsPerLayer: number[] } {
  const layers: EncoderLayerWeights[] = [];
  const headsPerLayer: number[] = [];
  const neuronsPerLayer: number[] = [];
  for (let i = 0; i < dims.numLayers; i++) {
    const r = readEncoderLayer(ck, names(`${layerPrefix}${i}`), dims);
    layers.push(r.weights);
    headsPerLayer.push(r.heads);
    neuronsPerLayer.push(r.neurons);
  }
  checkAllLayersRead(ck, layerPrefix, dims.numLayers, layersKey);
  return { layers, headsPerLayer, neuronsPerLayer };
}

/** Reports tensors that look like parts of the model but were not read (e.g. an unexpected extra layer). */
export function checkAllLayersRead(ck: Checkpoint, layerPrefix: string, numLayers: number, layersKey: string): void {
  const re = new RegExp(`^${layerPrefix.replace(/\./g, '\\.')}(\\d+)\\.`);
  for (const name of ck.names()) {
    const m = re.exec(name);
    if (m && Number(m[1]) >= numLayers) {
      throw new UserError(`${ck.weightsFile}: has tensor "${name}" but config.json says ${layersKey} = ${numLayers}.`, ck.weightsFile);
    }
  }
}
