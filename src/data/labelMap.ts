/**
 * How a dataset's class indices map onto a model's. Fine-tuned checkpoints often order classes
 * differently from the dataset (MNLI checkpoints disagree on where `entailment` sits), so when
 * both sides name their classes we map by name; generic model names (LABEL_0, …) can only be
 * taken by index; names that contradict stop the run before any scoring.
 */
import { UserError } from '../errors';
import type { ModelSpec } from '../model/spec';

export interface LabelMapping {
  mode: 'by-name' | 'by-index';
  /** Model class index for each dataset class index. */
  toModel: number[];
  /** One sentence for the log and report.json. */
  note: string;
}

const GENERIC = /^label_?\d+$/i;

/** Lowercase letters and digits only: "Not Entailment" and "not_entailment" are one name. */
function norm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Maps `datasetNames` (class names by dataset index) onto the model's classes; `where` names the data in errors. */
export function mapLabels(datasetNames: readonly string[], spec: ModelSpec, where: string): LabelMapping {
  const modelNames = spec.labels;
  if (datasetNames.length > spec.numLabels) {
    throw new UserError(
      `${where} has ${datasetNames.length} classes (${datasetNames.join(', ')}) but the model has ${spec.numLabels} (${modelNames.join(', ')}); the model was not fine-tuned for this dataset. Pick a checkpoint fine-tuned on it.`,
    );
  }
  const generic = modelNames.length === 0 || modelNames.every((n) => GENERIC.test(n));
  if (generic) {
    return {
      mode: 'by-index',
      toModel: datasetNames.map((_, i) => i),
      note: `the model's labels are generic (${modelNames.slice(0, 3).join(', ')}${modelNames.length > 3 ? ', …' : ''}), so ${where}'s classes are taken by index: ${datasetNames.map((n, i) => `${n} → ${i}`).join(', ')}`,
    };
  }
  const byName = new Map(modelNames.map((n, i) => [norm(n), i]));
  const toModel = datasetNames.map((n) => byName.get(norm(n)) ?? -1);
  const missing = datasetNames.filter((_, i) => toModel[i] < 0);
  if (missing.length > 0) {
    throw new UserError(
      `${where}'s classes (${datasetNames.join(', ')}) contradict the model's id2label (${modelNames.join(', ')}): ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not a model label. ` +
        'Check that the checkpoint was fine-tuned on this dataset; if its labels are only named differently, fix id2label in its config.json.',
    );
  }
  const same = toModel.every((m, i) => m === i);
  return {
    mode: 'by-name',
    toModel,
    note: same
      ? `${where}'s classes match the model's id2label by name and index`
      : `${where}'s classes are mapped to the model's by name (the orders differ): ${datasetNames.map((n, i) => `${n} ${i} → ${toModel[i]}`).join(', ')}`,
  };
}
