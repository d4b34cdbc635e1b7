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

/**
 * A text table with its labels read and its examples tokenized on first use (a GLUE train split
 * has 392k rows; a run tokenizes the calibration sample, not all of them).
 */
export interface TextDataset {
  file: string;
  fields: TextFields;
  size: number;
  /** The 1-based line (or row) of each example, for messages. */
  lines: number[];
  labels: Array<number | undefined>;
  example(i: number): TextExample;
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

/** Reads a text table for a BERT-family model: labels now, tokens when an example is first used. */
export function readTextDataset(table: Table, spec: ModelSpec, tokenizer: TextTokenizer, opts: ReadTextOptions): TextDataset {
  const file = table.file;
  const fields = detectFields(table, opts.fields);
  if (opts.requireLabels && !fields.label) {
    throw new UserError(`${file}: no label column (looked for ${LABEL_COLUMNS.join(', ')}); name the column "label" or set it in the config.`, file);
  }
  if (table.records.length === 0) throw new UserError(`${file}: has a header but no examples.`, file);
  const labels = table.records.map((rec) => {
    const rawLabel = fields.label ? rec.fields.get(fields.label) : undefined;
    const label = rawLabel === undefined || rawLabel === '' ? undefined : resolveLabel(spec, rawLabel, `${file}:${rec.line}`);
    if (opts.requireLabels && label === undefined) throw new UserError(`${file}:${rec.line}: the label is empty.`, file);
    return label;
  });
  const text = spec.text!;
  const cache = new Map<number, TextExample>();
  return {
    file,
    fields,
    size: table.records.length,
    lines: table.records.map((r) => r.line),
    labels,
    example(i) {
      const hit = cache.get(i);
      if (hit) return hit;
      const rec = table.records[i];
      const [a, b] = fields.text.map((c) => rec.fields.get(c) ?? '');
      const enc = tokenizer.encode(a, fields.text.length === 2 ? b : undefined, opts.maxLength);
      const bad = enc.ids.find((id) => id < 0 || id >= text.vocabSize);
      if (bad !== undefined) throw new UserError(`${file}:${rec.line}: token id ${bad} is outside the model's vocabulary (vocab_size ${text.vocabSize}); the tokenizer does not belong to this model.`, file);
      if (text.tokenTypeInput && enc.typeIds.some((t) => t >= text.typeVocabSize)) throw new UserError(`${file}:${rec.line}: token type ids exceed the model's type_vocab_size ${text.typeVocabSize}.`, file);
      const ex = { line: rec.line, ids: enc.ids, typeIds: enc.typeIds, label: labels[i] };
      cache.set(i, ex);
      return ex;
    },
  };
}

/** Mean number of real (non-padding) tokens: the sequence length OPTIN's MAC model uses (tokenizes every example). */
export function meanTokens(ds: TextDataset): number {
  let sum = 0;
  for (let i = 0; i < ds.size; i++) sum += ds.example(i).ids.length;
  return sum / ds.size;
}
