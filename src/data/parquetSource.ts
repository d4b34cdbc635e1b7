/**
 * Parquet splits as model inputs: a text table (the columns GLUE and Hub datasets use) or image
 * items (an `Image` column's bytes). Class-index labels with class names go through mapLabels,
 * so a checkpoint whose classes are ordered differently still gets the right gold labels.
 */
import * as path from 'path';
import { UserError } from '../errors';
import type { ModelSpec } from '../model/spec';
import type { ImageItem } from './images';
import { mapLabels } from './labelMap';
import { cellText, imageBytes, ParquetData } from './parquet';
import type { Record_, Table } from './table';
import { detectFields, LABEL_COLUMNS, TextFields } from './text';

export interface ParquetSplit<T> {
  value: T;
  /** How the dataset's classes were mapped onto the model's (undefined: labels as written). */
  labelNote?: string;
}

/** "train-00000-of-00001.parquet" or "mnli/train-….parquet (+2 shards)": how errors name a split. */
export function describeShards(files: readonly string[]): string {
  const first = files[0];
  return files.length > 1 ? `${first} (+${files.length - 1} more shard${files.length > 2 ? 's' : ''})` : first;
}

/** Turns the label cells of `column` into model class indices (as text), or leaves them as written. */
function labelConverter(data: ParquetData, column: string | undefined, spec: ModelSpec, where: string): { convert: (v: unknown) => string; note?: string } {
  const names = column ? data.features[column]?.names : undefined;
  const plain = (v: unknown) => cellText(v);
  if (!column || !names || spec.problemType === 'regression') return { convert: plain };
  const mapping = mapLabels(names, spec, where);
  return {
    note: mapping.note,
    convert: (v) => {
      if (v === null || v === undefined) return '';
      const i = Number(v);
      // -1 is how datasets marks a hidden label (GLUE test splits): no label.
      if (!Number.isInteger(i) || i < 0) return i === -1 ? '' : cellText(v);
      if (i >= mapping.toModel.length) throw new UserError(`${where}: label ${i} is outside its ${names.length} classes (${names.join(', ')}).`);
      return String(mapping.toModel[i]);
    },
  };
}

export function parquetTextTable(data: ParquetData, spec: ModelSpec, given: Partial<TextFields> | undefined, where: string): ParquetSplit<Table> {
  const file = data.files[0];
  const fields = detectFields({ file: where, columns: data.columns, records: [] }, given);
  const labels = labelConverter(data, fields.label ?? LABEL_COLUMNS.find((c) => data.columns.includes(c)), spec, where);
  const wanted = [...fields.text, ...(fields.label ? [fields.label] : [])];
  const records: Record_[] = data.rows.map((row, i) => ({
    line: i + 1,
    fields: new Map(wanted.map((c) => [c, c === fields.label ? labels.convert(row[c]) : cellText(row[c])])),
  }));
  return { value: { file, columns: data.columns, records }, labelNote: labels.note };
}

/** The image column: declared `Image` in the features, else the first column of {bytes, path} cells. */
function imageColumn(data: ParquetData): string | undefined {
  const declared = data.columns.find((c) => data.features[c]?.type === 'Image');
  if (declared) return declared;
  const first = data.rows[0];
  return first ? data.columns.find((c) => imageBytes(first[c]) !== undefined) : undefined;
}

export function parquetImageItems(data: ParquetData, spec: ModelSpec, labelField: string | undefined, where: string): ParquetSplit<ImageItem[]> {
  const column = imageColumn(data);
  if (!column) {
    throw new UserError(`${where}: no image column (an Image feature, or cells of {bytes, path}); columns are ${data.columns.join(', ')}.`);
  }
  const labelColumn = labelField ?? LABEL_COLUMNS.find((c) => data.columns.includes(c));
  if (!labelColumn || !data.columns.includes(labelColumn)) {
    throw new UserError(`${where}: no label column (looked for ${labelField ?? LABEL_COLUMNS.join(', ')}); columns are ${data.columns.join(', ')}. Set \`label_field\`.`);
  }
  const labels = labelConverter(data, labelColumn, spec, where);
  const items = data.rows.map((row, i): ImageItem => {
    const img = imageBytes(row[column]);
    if (!img) throw new UserError(`${where}: row ${i + 1} has no image bytes in column "${column}".`);
    const raw = labels.convert(row[labelColumn]);
    const label = raw === '' ? -1 : Number(raw);
    if (!Number.isInteger(label) || label < 0 || label >= spec.numLabels) {
      throw new UserError(`${where}: row ${i + 1}: label "${cellText(row[labelColumn])}" is not one of the model's ${spec.numLabels} classes.`);
    }
    return { file: `${path.basename(data.files[0])}#${i + 1}`, label, bytes: img.bytes };
  });
  if (items.length === 0) throw new UserError(`${where}: has no rows.`);
  return { value: items, labelNote: labels.note };
}
