/**
 * Parquet data files, as the Hugging Face Hub stores datasets (and `datasets.to_parquet` writes
 * them): read with hyparquet. The `huggingface` key of the file metadata carries the dataset's
 * features, which is where class names of a `ClassLabel` column and `Image` columns are declared.
 */
import * as fs from 'fs';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { UserError } from '../errors';

export interface ParquetFeature {
  /** `Value`, `ClassLabel`, `Image`, ... as the datasets library names them. */
  type?: string;
  /** Class names of a ClassLabel column, in class-index order. */
  names?: string[];
}

export interface ParquetData {
  /** The shards read, in order. */
  files: string[];
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** Features from the `huggingface` metadata (empty when the writer did not store them). */
  features: Record<string, ParquetFeature>;
}

/** An AsyncBuffer over a file that reads only the slices asked for (footer, then column chunks). */
async function fileBuffer(file: string): Promise<{ buffer: AsyncBuffer; close: () => Promise<void> }> {
  const handle = await fs.promises.open(file, 'r');
  const { size } = await handle.stat();
  return {
    buffer: {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = end ?? size;
        const out = new Uint8Array(Math.max(0, stop - start));
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return out.buffer;
      },
    },
    close: () => handle.close(),
  };
}

function features(meta: FileMetaData): Record<string, ParquetFeature> {
  const raw = meta.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (!raw) return {};
  let info: unknown;
  try {
    info = JSON.parse(raw);
  } catch {
    return {}; // A foreign writer's metadata: the columns still read, without class names.
  }
  const feats = (info as { info?: { features?: unknown } }).info?.features;
  if (!feats || typeof feats !== 'object') return {};
  const out: Record<string, ParquetFeature> = {};
  for (const [name, f] of Object.entries(feats as Record<string, unknown>)) {
    if (!f || typeof f !== 'object') continue;
    const o = f as { _type?: unknown; names?: unknown };
    out[name] = {
      type: typeof o._type === 'string' ? o._type : undefined,
      names: Array.isArray(o.names) && o.names.every((n) => typeof n === 'string') ? (o.names as string[]) : undefined,
    };
  }
  return out;
}

/** The top-level column names of a file (nested struct fields belong to their column). */
function topColumns(meta: FileMetaData): string[] {
  const cols: string[] = [];
  const schema = meta.schema;
  let i = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let c = 0; c < (schema[at].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    cols.push(schema[i].name);
    i = skip(i);
  }
  return cols;
}

/** Rows, columns and features from the footer only (hovers and the linter; no row is decoded). */
export async function parquetSummary(file: string): Promise<{ rows: number; columns: string[]; features: Record<string, ParquetFeature> }> {
  const opened = await fileBuffer(file);
  try {
    const meta = await parquetMetadataAsync(opened.buffer);
    return { rows: Number(meta.num_rows), columns: topColumns(meta), features: features(meta) };
  } finally {
    await opened.close();
  }
}

/** Reads every row of one or more Parquet shards of the same table (a split). */
export async function readParquet(files: readonly string[], opts: { columns?: string[] } = {}): Promise<ParquetData> {
  if (files.length === 0) throw new Error('readParquet: no files');
  const out: ParquetData = { files: [...files], columns: [], rows: [], features: {} };
  for (const file of files) {
    let opened: Awaited<ReturnType<typeof fileBuffer>>;
    try {
      opened = await fileBuffer(file);
    } catch (e) {
      throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e}).`, file);
    }
    try {
      let meta: FileMetaData;
      try {
        meta = await parquetMetadataAsync(opened.buffer);
      } catch (e) {
        throw new UserError(`${file}: not a readable Parquet file (${(e as Error).message}).`, file);
      }
      const columns = topColumns(meta);
      if (out.columns.length === 0) {
        out.columns = columns;
        out.features = features(meta);
      } else if (columns.join('\0') !== out.columns.join('\0')) {
        throw new UserError(`${file}: its columns (${columns.join(', ')}) differ from ${files[0]}'s (${out.columns.join(', ')}); the shards of one split must share a schema.`, file);
      }
      const wanted = opts.columns?.filter((c) => columns.includes(c));
      // utf8: false keeps un-annotated BYTE_ARRAY (image bytes) binary; STRING columns still decode.
      const rows = await parquetReadObjects({ file: opened.buffer, metadata: meta, compressors, utf8: false, ...(wanted && { columns: wanted }) });
      for (const r of rows) out.rows.push(r as Record<string, unknown>);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${file}: cannot read its rows (${(e as Error).message}).`, file);
    } finally {
      await opened.close();
    }
  }
  return out;
}

/** A cell as the text a TSV/CSV cell would hold (labels and text columns). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The bytes of an `Image` cell ({bytes, path} as datasets stores it, or raw bytes). */
export function imageBytes(v: unknown): { bytes: Uint8Array; path?: string } | undefined {
  if (v instanceof Uint8Array) return { bytes: v };
  if (v && typeof v === 'object' && 'bytes' in v) {
    const o = v as { bytes?: unknown; path?: unknown };
    if (o.bytes instanceof Uint8Array) return { bytes: o.bytes, path: typeof o.path === 'string' ? o.path : undefined };
  }
  return undefined;
}
