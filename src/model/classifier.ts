/** Whether a checkpoint is a fine-tuned classifier, read from its config.json before any weights. */
import * as fs from 'fs';
import * as path from 'path';

/** The architectures of a checkpoint that is not a fine-tuned classifier (the released configs name `bert-base-uncased`), else undefined. */
export function baseModelArchitectures(dir: string): string[] | undefined {
  let config: { architectures?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { architectures?: unknown };
  } catch {
    return undefined; // loadModel reports an unreadable config.json with its path
  }
  const archs = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  return archs.length > 0 && !archs.some((a) => /For(Sequence|Image)Classification$/.test(a)) ? archs : undefined;
}

/**
 * Hub ids of well-known pretrained base models (no trained classifier), which the released OPTIN
 * configs name as the starting point of their fine-tuning: warned about before a download.
 */
const BASE_MODEL_IDS = /^(?:google-bert\/)?bert-(?:base|large)-(?:multilingual-)?(?:un)?cased(?:-whole-word-masking)?$|^(?:distilbert\/)?distilbert-base-(?:multilingual-)?(?:un)?cased$|^(?:FacebookAI\/)?roberta-(?:base|large)$|^google\/vit-(?:base|large|huge)-patch\d+-224-in21k$/i;

export function isKnownBaseModel(id: string): boolean {
  return BASE_MODEL_IDS.test(id.trim());
}

/** The error for a base model named by `model_name`, saying what to name instead. */
export function notAClassifier(id: string, archs: string[]): string {
  return `\`model_name\` ${id} is a ${archs.join('/')} checkpoint, not a fine-tuned classifier: OPTIN prunes a model fine-tuned for the task (its classifier is what the distillation losses compare). ` +
    'Set `model_name` to a checkpoint fine-tuned on your dataset (on the Hub, e.g. "textattack/bert-base-uncased-MNLI" for MNLI), or `model_path` to your own.';
}

