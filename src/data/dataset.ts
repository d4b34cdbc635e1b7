import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import type { ModelSpec } from '../model/spec';
import { ImageItem, ImagePreprocessor, listImageFolder, loadImage, readPreprocessor } from './images';
import { readParquet } from './parquet';
import { describeShards, parquetImageItems, parquetTextTable } from './parquetSource';
import { readTable, Table } from './table';
import { meanTokens, readTextDataset, TextExample, TextFields } from './text';
import { loadTokenizer } from './tokenizer';

/** A tensor in host memory, before it becomes an ONNX Runtime tensor. */
export type HostTensor =
  | { type: 'int64'; dims: number[]; data: BigInt64Array }
  | { type: 'float32'; dims: number[]; data: Float32Array };

export type Feeds = Record<string, HostTensor>;

export interface DataOptions {
  /** Text: column names (auto-detected from GLUE/HF names when absent). */
  fields?: Partial<TextFields>;
  /** Text: truncate to this many tokens (default: tokenizer/model maximum). */
  maxSeqLength?: number;
  /** Text: pad every batch to maxSeqLength instead of to its longest example. */
  padToMaxLength?: boolean;
  requireLabels?: boolean;
  /** Name of the label column of a Parquet split (images: default `label`). */
  labelField?: string;
  /** What the data is called in messages (a Hub split: "nyu-mll/glue mnli validation_matched"). */
  name?: string;
}

/** Calibration or evaluation data, ready to be cut into model inputs. */
export interface Dataset {
  path: string;
  modality: 'text' | 'image';
  size: number;
  /** Gold label (class id or regression target) per example, when the data has labels. */
  labels: Array<number | undefined>;
  /** Tokens per example the encoder sees: mean real tokens (text) or patches + prefix tokens (images). */
  meanSequenceLength: number;
  /** Model inputs for examples [start, end). */
  batch(start: number, end: number): Promise<Feeds>;
  /** Model inputs for the examples at these indices, in this order. */
  batchOf(indices: readonly number[]): Promise<Feeds>;
  /**
   * Text padded per batch: the real tokens of example i. Lets a caller batch examples of similar
   * length together, so that little compute goes to padding.
   */
  lengthOf?(i: number): number;
  /** What identifies example i in its source: the image's path inside the folder, or the table line. */
  key(i: number): string;
  /** How the data's class names were mapped onto the model's, when they were (Parquet splits). */
  labelNote?: string;
}

function checkIndices(ds: { path: string; size: number }, indices: readonly number[]): void {
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= ds.size);
  if (bad !== undefined) throw new RangeError(`${ds.path}: example index ${bad} is outside 0..${ds.size - 1}.`);
}

const isParquet = (f: string) => f.toLowerCase().endsWith('.parquet');

/**
 * Opens calibration or evaluation data: a table file (.tsv/.csv/.jsonl/.parquet) for text
 * models, an ImageFolder or a Parquet split with an Image column for image models. Several
 * paths are the Parquet shards of one split, read in order.
 */
export async function openDataset(data: string | readonly string[], spec: ModelSpec, opts: DataOptions = {}): Promise<Dataset> {
  const files = typeof data === 'string' ? [data] : [...data];
  if (files.length > 1 || isParquet(files[0])) {
    const bad = files.find((f) => !isParquet(f));
    if (bad) throw new UserError(`${bad}: several data files must all be Parquet shards of one split.`, bad);
    return parquetDataset(files, spec, opts);
  }
  const dataPath = files[0];
  if (!fs.existsSync(dataPath)) throw new UserError(`${dataPath}: data path does not exist.`, dataPath);
  const isDir = fs.statSync(dataPath).isDirectory();
  if (spec.modality === 'text') {
    if (isDir) throw new UserError(`${dataPath}: is a folder, but ${spec.architecture} is a text model; give a .tsv, .csv or .jsonl file.`, dataPath);
    return textDataset(dataPath, spec, opts);
  }
  if (!isDir) throw new UserError(`${dataPath}: is a file, but ${spec.architecture} is an image model; give an ImageFolder directory (<dir>/<class>/<image>).`, dataPath);
  return imageDataset(dataPath, spec, listImageFolder(dataPath, spec), readPreprocessor(spec));
}

export function defaultMaxLength(spec: ModelSpec): number {
  const tokCfg = `${spec.dir}/tokenizer_config.json`;
  let max = spec.text!.maxLength;
  if (fs.existsSync(tokCfg)) {
    try {
      const m = JSON.parse(fs.readFileSync(tokCfg, 'utf8')).model_max_length;
      if (typeof m === 'number' && m > 0 && m < max) max = m;
    } catch {
      // An unreadable tokenizer_config.json is reported by loadTokenizer.
    }
  }
  return max;
}

async function parquetDataset(files: string[], spec: ModelSpec, opts: DataOptions): Promise<Dataset> {
  for (const f of files) if (!fs.existsSync(f)) throw new UserError(`${f}: data path does not exist.`, f);
  const where = opts.name ?? describeShards(files);
  const data = await readParquet(files);
  if (spec.modality === 'text') {
    const { value: table, labelNote } = parquetTextTable(data, spec, opts.fields, where);
    // Not spread: that would read the lazy meanSequenceLength (and tokenize every row) now.
    return Object.assign(textDataset(table, spec, opts, where), { labelNote });
  }
  const { value: items, labelNote } = parquetImageItems(data, spec, opts.labelField ?? opts.fields?.label, where);
  return { ...imageDataset(files[0], spec, items, readPreprocessor(spec)), labelNote, key: (i) => `row ${i + 1}` };
}

function textDataset(source: string | Table, spec: ModelSpec, opts: DataOptions, name?: string): Dataset {
  const text = spec.text!;
  const read = typeof source === 'string' ? readTable(source) : source;
  // Messages name the data as the caller does (a Hub split by its repo and split).
  const table = name ? { ...read, file: name } : read;
  const maxLength = opts.maxSeqLength ?? defaultMaxLength(spec);
  if (maxLength > text.maxLength) {
    const offset = text.maxPositionEmbeddings - text.maxLength;
    throw new UserError(`max_seq_length ${maxLength} exceeds the ${text.maxLength} tokens the model's position table holds (max_position_embeddings ${text.maxPositionEmbeddings}${offset ? `, less pad_token_id + 1 = ${offset}, where ${spec.modelType} starts counting` : ''}); set max_seq_length to ${text.maxLength} or less.`);
  }
  const tokenizer = loadTokenizer(spec.dir);
  const ds = readTextDataset(table, spec, tokenizer, { fields: opts.fields, maxLength, requireLabels: opts.requireLabels ?? false });
  const padTo = opts.padToMaxLength ? maxLength : undefined;
  // The model's own pad id: RoBERTa-style position ids skip exactly the tokens equal to it.
  const padId = text.padTokenId;
  const examples = (start: number, end: number) => Array.from({ length: end - start }, (_, k) => ds.example(start + k));
  let meanLength: number | undefined;
  const out: Dataset = {
    path: read.file,
    modality: 'text',
    size: ds.size,
    labels: ds.labels,
    // The MAC model needs every example's length: computed (tokenizing all) only when asked.
    get meanSequenceLength() {
      meanLength ??= meanTokens(ds);
      return meanLength;
    },
    batch: async (start, end) => textFeeds(examples(start, Math.min(end, ds.size)), padId, padTo),
    batchOf: async (indices) => {
      checkIndices(out, indices);
      return textFeeds(indices.map((i) => ds.example(i)), padId, padTo);
    },
    key: (i) => `${typeof source === 'string' ? 'line' : 'row'} ${ds.lines[i]}`,
    ...(padTo === undefined && { lengthOf: (i: number) => ds.example(i).ids.length }),
  };
  return out;
}

export function textFeeds(examples: TextExample[], padId: number, padTo?: number): Feeds {
  const len = padTo ?? Math.max(...examples.map((e) => e.ids.length));
  const n = examples.length;
  const ids = new BigInt64Array(n * len).fill(BigInt(padId));
  const mask = new BigInt64Array(n * len);
  const types = new BigInt64Array(n * len);
  examples.forEach((e, i) => {
    for (let j = 0; j < e.ids.length; j++) {
      ids[i * len + j] = BigInt(e.ids[j]);
      mask[i * len + j] = 1n;
      types[i * len + j] = BigInt(e.typeIds[j]);
    }
  });
  const dims = [n, len];
  return {
    input_ids: { type: 'int64', dims, data: ids },
    attention_mask: { type: 'int64', dims, data: mask },
    token_type_ids: { type: 'int64', dims, data: types },
  };
}

function imageDataset(dir: string, spec: ModelSpec, items: ImageItem[], pre: ImagePreprocessor): Dataset {
  const img = spec.image!;
  const [h, w] = img.imageSize;
  const plane = img.numChannels * h * w;
  const feeds = async (chosen: ImageItem[]): Promise<Feeds> => {
    const data = new Float32Array(chosen.length * plane);
    const pixels = await Promise.all(chosen.map((it) => loadImage(it, pre, spec)));
    pixels.forEach((p, i) => data.set(p, i * plane));
    return { pixel_values: { type: 'float32', dims: [chosen.length, img.numChannels, h, w], data } };
  };
  const out: Dataset = {
    path: dir,
    modality: 'image',
    size: items.length,
    labels: items.map((i) => i.label),
    meanSequenceLength: img.numPatches + img.numPrefixTokens,
    batch: async (start, end) => feeds(items.slice(start, end)),
    batchOf: async (indices) => {
      checkIndices(out, indices);
      return feeds(indices.map((i) => items[i]));
    },
    key: (i) => path.relative(dir, items[i].file).split(path.sep).join('/'),
  };
  return out;
}
