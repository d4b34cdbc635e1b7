import { UserError } from '../errors';
import type { ModelSpec } from '../model/spec';
import { resolveLabel } from './labels';
import type { Table } from './table';
import type { TextTokenizer } from './tokenizer';

export interface TextFields {
  /** One column (single sentence) or two (sentence pair). */
  text: string[];
  label?: string;
}

export interface TextExample {
  line: number;
  ids: number[];
  typeIds: number[];
  label?: number;
}

export interface TextDataset {
  file: string;
  fields: TextFields;
  examples: TextExample[];
}

/** Column names used by GLUE and common Hugging Face datasets, in the order we try them. */
const PAIR_COLUMNS: Array<[string, string]> = [
  ['sentence1', 'sentence2'], ['question1', 'question2'], ['question', 'sentence'], ['premise', 'hypothesis'], ['text_a', 'text_b'],
];
const SINGLE_COLUMNS = ['sentence', 'text', 'content', 'review', 'document'];
export const LABEL_COLUMNS = ['label', 'labels', 'gold_label', 'target', 'class'];

export function detectFields(table: Table, given: Partial<TextFields> = {}): TextFields {
  const has = (c: string) => table.columns.includes(c);
  for (const c of [...(given.text ?? []), ...(given.label ? [given.label] : [])]) {
    if (!has(c)) throw new UserError(`${table.file}: column "${c}" not found; columns are: ${table.columns.join(', ')}.`, table.file);
  }
  let text = given.text;
  if (!text) {
    const pair = PAIR_COLUMNS.find(([a, b]) => has(a) && has(b));
    const single = SINGLE_COLUMNS.find(has);
    text = pair ? [...pair] : single ? [single] : undefined;
    if (!text) {
      throw new UserError(
        `${table.file}: cannot tell which column holds the text (columns: ${table.columns.join(', ')}); name it "sentence" (or sentence1/sentence2 for pairs), or set the text fields in the config.`,
        table.file,
      );
    }
  }
  if (text.length < 1 || text.length > 2) throw new UserError(`${table.file}: give one or two text columns, not ${text.length}.`, table.file);
  const label = given.label ?? LABEL_COLUMNS.find(has);
  return { text, label };
}

export interface ReadTextOptions {
  fields?: Partial<TextFields>;
  maxLength: number;
  /** Require a label on every row (evaluation and calibration with KD need none, metrics do). */
  requireLabels: boolean;
}

/** Reads and tokenizes a text data file for a BERT-family model. */
export function readTextDataset(table: Table, spec: ModelSpec, tokenizer: TextTokenizer, opts: ReadTextOptions): TextDataset {
  const file = table.file;
  const fields = detectFields(table, opts.fields);
  if (opts.requireLabels && !fields.label) {
    throw new UserError(`${file}: no label column (looked for ${LABEL_COLUMNS.join(', ')}); name the column "label" or set it in the config.`, file);
  }
  if (table.records.length === 0) throw new UserError(`${file}: has a header but no examples.`, file);
  const examples = table.records.map((rec) => {
    const where = `${file}:${rec.line}`;
    const [a, b] = fields.text.map((c) => rec.fields.get(c) ?? '');
    const enc = tokenizer.encode(a, fields.text.length === 2 ? b : undefined, opts.maxLength);
    const rawLabel = fields.label ? rec.fields.get(fields.label) : undefined;
    const label = rawLabel === undefined || rawLabel === '' ? undefined : resolveLabel(spec, rawLabel, where);
    if (opts.requireLabels && label === undefined) throw new UserError(`${where}: the label is empty.`, file);
    return { line: rec.line, ids: enc.ids, typeIds: enc.typeIds, label };
  });
  return { file, fields, examples };
}

/** Mean number of real (non-padding) tokens: the sequence length OPTIN's MAC model uses. */
export function meanTokens(ds: TextDataset): number {
  return ds.examples.reduce((s, e) => s + e.ids.length, 0) / ds.examples.length;
}
