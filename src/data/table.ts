import * as fs from 'fs';
import * as path from 'path';
import { parse as parseCsv } from 'csv-parse/sync';
import { UserError } from '../errors';

/** One record of a tabular text data file, with the 1-based line it starts on (for errors). */
export interface Record_ {
  line: number;
  fields: Map<string, string>;
}

export interface Table {
  file: string;
  columns: string[];
  records: Record_[];
}

export type TableFormat = 'tsv' | 'csv' | 'jsonl';

export function formatOf(file: string): TableFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.tsv' || ext === '.txt') return 'tsv';
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new UserError(`${file}: unknown data file type "${ext}"; use .tsv (GLUE style), .csv, .jsonl or .parquet.`, file);
}

/** Reads a TSV (GLUE style: header row, no quoting), CSV (RFC 4180) or JSON Lines file. */
export function readTable(file: string): Table {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e}).`, file);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  switch (formatOf(file)) {
    case 'tsv':
      return readTsv(file, text);
    case 'csv':
      return readCsv(file, text);
    case 'jsonl':
      return readJsonl(file, text);
  }
}

function readTsv(file: string, text: string): Table {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length === 0 || lines[0].trim() === '') throw new UserError(`${file}: empty file; expected a header row such as "sentence<TAB>label".`, file);
  const columns = lines[0].split('\t');
  checkHeader(file, columns);
  const records: Record_[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split('\t');
    if (cells.length !== columns.length) {
      throw new UserError(`${file}:${i + 1}: has ${cells.length} tab-separated fields but the header has ${columns.length} (${columns.join(', ')}); GLUE-style TSV does not quote fields, so a tab inside a text splits it.`, file);
    }
    records.push({ line: i + 1, fields: new Map(columns.map((c, j) => [c, cells[j]])) });
  }
  return { file, columns, records };
}

function readCsv(file: string, text: string): Table {
  let rows: string[][];
  const lines: number[] = [];
  try {
    rows = parseCsv(text, {
      relax_column_count: false,
      skip_empty_lines: true,
      on_record: (rec: string[], ctx: { lines: number }) => {
        lines.push(ctx.lines);
        return rec;
      },
    }) as string[][];
  } catch (e) {
    const err = e as { message: string; lines?: number };
    throw new UserError(`${file}${err.lines ? `:${err.lines}` : ''}: invalid CSV (${err.message}).`, file);
  }
  if (rows.length === 0) throw new UserError(`${file}: empty file; expected a header row.`, file);
  const columns = rows[0];
  checkHeader(file, columns);
  const records = rows.slice(1).map((cells, i) => ({ line: lines[i + 1] ?? i + 2, fields: new Map(columns.map((c, j) => [c, cells[j]])) }));
  return { file, columns, records };
}

function readJsonl(file: string, text: string): Table {
  const records: Record_[] = [];
  const columns = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${file}:${i + 1}: not valid JSON (${(e as Error).message}).`, file);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UserError(`${file}:${i + 1}: each line must be a JSON object such as {"sentence": "...", "label": "..."}.`, file);
    }
    const fields = new Map<string, string>();
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      fields.set(k, typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
      columns.add(k);
    }
    records.push({ line: i + 1, fields });
  });
  return { file, columns: [...columns], records };
}

function checkHeader(file: string, columns: string[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new UserError(`${file}:1: column "${c}" appears twice in the header.`, file);
    seen.add(c);
  }
}
