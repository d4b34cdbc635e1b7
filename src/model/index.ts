import { UserError } from '../errors';
import { loadBert } from './bert';
import { Checkpoint } from './checkpoint';
import type { LoadedModel } from './spec';
import { loadVit } from './vit';

export type { LoadedModel, ModelSpec, ModelWeights } from './spec';

/** model_type values (config.json) and the family loader that reads them. */
const LOADERS: Record<string, (ck: Checkpoint) => LoadedModel> = {
  bert: loadBert,
  vit: (ck) => loadVit(ck, 'vit'),
  deit: (ck) => loadVit(ck, 'deit'),
};

export const SUPPORTED_MODEL_TYPES = Object.keys(LOADERS);

/** Reads a Hugging Face checkpoint directory into a ModelSpec and float32 weights. */
export function loadModel(dir: string): LoadedModel {
  const ck = Checkpoint.open(dir);
  const modelType = ck.config.model_type;
  if (typeof modelType !== 'string') {
    throw new UserError(`${ck.configFile}: "model_type" is missing; expected one of ${SUPPORTED_MODEL_TYPES.join(', ')}.`, ck.configFile);
  }
  const loader = LOADERS[modelType];
  if (!loader) {
    throw new UserError(`${ck.configFile}: model_type "${modelType}" is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}.`, ck.configFile);
  }
  return loader(ck);
}
