import { UserError } from '../errors';
import type { ModelSpec } from '../model/spec';

/**
 * Maps a label as written in a data file to a class id: a name from the model's label2id, or a
 * class index. Regression models take the number itself.
 */
export function resolveLabel(spec: ModelSpec, raw: string, where: string): number {
  const value = raw.trim();
  if (spec.problemType === 'regression') {
    const x = Number(value);
    if (value === '' || !Number.isFinite(x)) throw new UserError(`${where}: label "${raw}" is not a number, but the model is a regression model.`);
    return x;
  }
  const byName = spec.label2id.get(value);
  if (byName !== undefined) return byName;
  if (/^\d+$/.test(value) && Number(value) < spec.numLabels) return Number(value);
  const names = spec.labels.map((l) => JSON.stringify(l)).join(', ');
  throw new UserError(
    `${where}: label "${raw}" is not one of the model's labels (${names}) nor a class index 0..${spec.numLabels - 1}; check the label column, or the checkpoint's id2label/label2id in config.json.`,
  );
}
