import { UserError } from '../errors';
import { BERT } from './bert';
import { Checkpoint } from './checkpoint';
import { DEBERTA_V2 } from './deberta';
import { DISTILBERT } from './distilbert';
import { ELECTRA } from './electra';
import { loadModernBert } from './modernbert';
import { MODEL_TYPES, SUPPORTED_MODEL_TYPES, unsupportedReason } from './families';
import { ROBERTA } from './roberta';
import type { Family, LoadedModel } from './spec';
import { loadTextClassifier } from './text';
import { loadVit } from './vit';

export type { LoadedModel, ModelSpec, ModelWeights } from './spec';
export { SUPPORTED_MODEL_TYPES } from './families';

/** Each family's loader (families.ts maps config.json's model_type to the family). */
const LOADERS: Record<Family, (ck: Checkpoint) => LoadedModel> = {
  bert: (ck) => loadTextClassifier(ck, BERT),
  roberta: (ck) => loadTextClassifier(ck, ROBERTA),
  distilbert: (ck) => loadTextClassifier(ck, DISTILBERT),
  electra: (ck) => loadTextClassifier(ck, ELECTRA),
  'deberta-v2': (ck) => loadTextClassifier(ck, DEBERTA_V2),
  modernbert: loadModernBert,
  vit: (ck) => loadVit(ck, 'vit'),
  deit: (ck) => loadVit(ck, 'deit'),
};

/** Reads a Hugging Face checkpoint directory into a ModelSpec and float32 weights. */
export function loadModel(dir: string): LoadedModel {
  const ck = Checkpoint.open(dir);
  const modelType = ck.config.model_type;
  if (typeof modelType !== 'string') {
    throw new UserError(`${ck.configFile}: "model_type" is missing; expected one of ${SUPPORTED_MODEL_TYPES.join(', ')}.`, ck.configFile);
  }
  const why = unsupportedReason(modelType);
  if (why) throw new UserError(`${ck.configFile}: ${why}`, ck.configFile);
  return LOADERS[MODEL_TYPES[modelType].family](ck);
}
