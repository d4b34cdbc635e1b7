import { UserError } from '../errors';
import { Checkpoint, configInt, configNumber } from './checkpoint';
import { readActivation, readEncoder, readEncoderDims, readLabels } from './common';
import type { Family, ImageEmbeddingWeights, Linear, LoadedModel } from './spec';

function imageSize(ck: Checkpoint): [number, number] {
  const raw = ck.config.image_size ?? 224;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) return [raw, raw];
  if (Array.isArray(raw) && raw.length === 2 && raw.every((v) => Number.isInteger(v) && v > 0)) return [raw[0], raw[1]];
  throw new UserError(`${ck.configFile}: image_size must be a positive integer or [height, width], got ${JSON.stringify(raw)}.`, ck.configFile);
}

/**
 * ViT (ViTForImageClassification) and DeiT (DeiTForImageClassification[WithTeacher]):
 * pre-LN encoder over [CLS] (+ distillation token for DeiT) + patch tokens.
 */
export function loadVit(ck: Checkpoint, family: Extract<Family, 'vit' | 'deit'>): LoadedModel {
  const dims = readEncoderDims(ck);
  const D = dims.hiddenSize;
  const prefix = family === 'deit' ? 'deit.' : 'vit.';
  const [h, w] = imageSize(ck);
  const patchSize = configInt(ck, 'patch_size', 16);
  const numChannels = configInt(ck, 'num_channels', 3);
  if (h % patchSize !== 0 || w % patchSize !== 0) {
    throw new UserError(`${ck.configFile}: image_size ${h}×${w} is not a multiple of patch_size ${patchSize}.`, ck.configFile);
  }
  const numPatches = (h / patchSize) * (w / patchSize);
  const hasDistillation = ck.has(`${prefix}embeddings.distillation_token`);
  const numPrefixTokens = hasDistillation ? 2 : 1;
  const e = `${prefix}embeddings`;
  const embeddings: ImageEmbeddingWeights = {
    kind: 'image',
    patchProjection: {
      weight: ck.tensor(`${e}.patch_embeddings.projection.weight`, [D, numChannels, patchSize, patchSize]),
      bias: ck.tensor(`${e}.patch_embeddings.projection.bias`, [D]),
    },
    clsToken: ck.tensor(`${e}.cls_token`, [1, 1, D]),
    distillationToken: hasDistillation ? ck.tensor(`${e}.distillation_token`, [1, 1, D]) : undefined,
    position: ck.tensor(`${e}.position_embeddings`, [1, numPatches + numPrefixTokens, D]),
  };
  if (ck.has(`${e}.mask_token`)) ck.used.add(`${e}.mask_token`);

  const { layers, headsPerLayer, neuronsPerLayer } = readEncoder(ck, dims, `${prefix}encoder.layer.`, (l) => ({
    query: `${l}.attention.attention.query`,
    key: `${l}.attention.attention.key`,
    value: `${l}.attention.attention.value`,
    attentionOutput: `${l}.attention.output.dense`,
    intermediate: `${l}.intermediate.dense`,
    output: `${l}.output.dense`,
    norm1: `${l}.layernorm_before`,
    norm2: `${l}.layernorm_after`,
  }));
  const finalNorm = ck.layerNorm(`${prefix}layernorm`, D);

  // ViT/DeiT: `classifier`; DeiT with teacher: `cls_classifier` + `distillation_classifier`.
  let classifier: Linear;
  let distillationClassifier: Linear | undefined;
  if (ck.has('classifier.weight')) {
    classifier = ck.linear('classifier', -1, D);
  } else if (ck.has('cls_classifier.weight')) {
    classifier = ck.linear('cls_classifier', -1, D);
    distillationClassifier = ck.linear('distillation_classifier', classifier.weight.shape[0], D);
    if (!hasDistillation) {
      throw new UserError(`${ck.weightsFile}: has a distillation_classifier but no ${e}.distillation_token.`, ck.weightsFile);
    }
  } else {
    throw new UserError(
      `${ck.weightsFile}: no "classifier.weight" (or "cls_classifier.weight" for DeiT with teacher); OPTIN needs a fine-tuned image-classification checkpoint.`,
      ck.weightsFile,
    );
  }
  const labels = readLabels(ck, classifier.weight.shape[0]);
  const architectures = ck.config.architectures;
  const defaultArch = family === 'vit' ? 'ViTForImageClassification' : distillationClassifier ? 'DeiTForImageClassificationWithTeacher' : 'DeiTForImageClassification';
  return {
    spec: {
      family,
      modelType: String(ck.config.model_type),
      modality: 'image',
      dir: ck.dir,
      architecture: Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : defaultArch,
      ...dims,
      headsPerLayer,
      neuronsPerLayer,
      hiddenAct: readActivation(ck),
      layerNormEps: configNumber(ck, 'layer_norm_eps', 1e-12),
      normPlacement: 'pre',
      ...labels,
      image: { imageSize: [h, w], patchSize, numChannels, numPatches, numPrefixTokens },
    },
    weights: { embeddings, layers, head: { finalNorm, classifier, distillationClassifier } },
  };
}
