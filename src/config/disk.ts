import { promises as fsp } from 'fs';
import * as path from 'path';
import { IMAGE_EXTENSIONS } from '../data/imageFiles';
import { parquetSummary } from '../data/parquet';
import { bytesText } from '../format';
import { FAMILY_NAMES, modelTypeInfo, unsupportedReason } from '../model/families';
import { hasTokenizerFiles, resolveConfigPath } from './paths';
import { ConfigKey, keySpec } from './schema';

/**
 * What a config's paths point at, for the editor: hovers over path values (the model's
 * family and size, how much data a file holds) and the files "OPTIN: New Config" and the
 * missing-key quick fix propose. Cheap by design, like checkPaths: config.json, directory
 * listings, and data files counted line by line (files over MAX_COUNT_BYTES are not read).
 */

export interface CheckpointSummary {
  dir: string;
  modelType?: string;
  /** The family the model_type is built as (RoBERTa for xlm-roberta), when we prune it. */
  family?: string;
  /** Why the model_type cannot be pruned, when it cannot. */
  unsupported?: string;
  architecture?: string;
  layers?: number;
  heads?: number;
  hidden?: number;
  intermediate?: number;
  labels?: string[];
  imageSize?: number;
  patchSize?: number;
  maxPositions?: number;
  /** model.safetensors (or the index of a sharded checkpoint) and its size. */
  weights?: { file: string; bytes: number };
  tokenizer?: boolean;
}

export type DataSummary =
  | { kind: 'table'; format: 'TSV' | 'CSV' | 'JSON Lines' | 'Parquet'; rows: number; columns: string[]; approximate: boolean; bytes: number }
  | { kind: 'images'; classes: string[]; images: number };

export const TABLE_EXTENSIONS: Record<string, 'TSV' | 'CSV' | 'JSON Lines' | 'Parquet'> = { '.tsv': 'TSV', '.csv': 'CSV', '.jsonl': 'JSON Lines', '.ndjson': 'JSON Lines', '.parquet': 'Parquet' };
const MAX_COUNT_BYTES = 64 * 1024 * 1024;

async function isDir(p: string): Promise<boolean> {
  return fsp.stat(p).then((s) => s.isDirectory(), () => false);
}

const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

/** The checkpoint's config.json, summarised; undefined when there is no readable config.json. */
export async function summariseCheckpoint(dir: string): Promise<CheckpointSummary | undefined> {
  let config: Record<string, unknown>;
  try {
    const parsed = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    config = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const weightsFile = ['model.safetensors', 'model.safetensors.index.json'].find((f) => names.includes(f));
  const id2label = config.id2label;
  const labels =
    typeof id2label === 'object' && id2label !== null
      ? Object.entries(id2label as Record<string, unknown>)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, v]) => String(v))
      : undefined;
  const architectures = Array.isArray(config.architectures) ? config.architectures : [];
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  const info = modelType ? modelTypeInfo(modelType) : undefined;
  return {
    dir,
    modelType,
    family: info ? FAMILY_NAMES[info.family] : undefined,
    unsupported: modelType && !info ? unsupportedReason(modelType) : undefined,
    architecture: typeof architectures[0] === 'string' ? architectures[0] : undefined,
    // DistilBERT names its sizes n_layers, n_heads, dim and hidden_dim.
    layers: int(config.num_hidden_layers) ?? int(config.n_layers),
    heads: int(config.num_attention_heads) ?? int(config.n_heads),
    hidden: int(config.hidden_size) ?? int(config.dim),
    intermediate: int(config.intermediate_size) ?? int(config.hidden_dim),
    labels,
    imageSize: int(config.image_size),
    patchSize: int(config.patch_size),
    maxPositions: int(config.max_position_embeddings),
    weights: weightsFile ? { file: weightsFile, bytes: (await fsp.stat(path.join(dir, weightsFile))).size } : undefined,
    tokenizer: hasTokenizerFiles(names),
  };
}

/** Text or image, by the checkpoint's model_type; undefined when we do not prune it. */
export function checkpointModality(s: CheckpointSummary | undefined): 'text' | 'image' | undefined {
  return s?.modelType ? modelTypeInfo(s.modelType)?.modality : undefined;
}

/**
 * One line: "bert (BertForSequenceClassification): 4 layers × 4 heads, hidden 96, FFN 384, 2 labels (ham, spam)";
 * a model_type built as another family says so: "xlm-roberta (RoBERTa family, XLMRobertaForSequenceClassification): …".
 */
export function describeCheckpoint(s: CheckpointSummary): string {
  const parts: string[] = [];
  if (s.layers !== undefined && s.heads !== undefined) parts.push(`${s.layers} layers × ${s.heads} heads`);
  if (s.hidden !== undefined) parts.push(`hidden ${s.hidden}`);
  if (s.intermediate !== undefined) parts.push(`FFN ${s.intermediate}`);
  if (s.imageSize !== undefined) parts.push(`${s.imageSize}×${s.imageSize} images${s.patchSize !== undefined ? `, ${s.patchSize}×${s.patchSize} patches` : ''}`);
  if (s.labels?.length) parts.push(`${s.labels.length} labels (${listSome(s.labels, 6)})`);
  const family = s.family && s.family.toLowerCase() !== s.modelType ? `${s.family} family` : undefined;
  const detail = [family, s.architecture].filter(Boolean).join(', ');
  const what = `${s.modelType ?? 'unknown model_type'}${detail ? ` (${detail})` : ''}`;
  return parts.length ? `${what}: ${parts.join(', ')}` : what;
}

function listSome(items: string[], n: number): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')}, …`;
}

/** Rows of a data file (header excluded for TSV/CSV) or the classes and images of an ImageFolder. */
export async function summariseData(abs: string): Promise<DataSummary | undefined> {
  const st = await fsp.stat(abs).catch(() => undefined);
  if (!st) return undefined;
  if (st.isDirectory()) {
    const entries = await fsp.readdir(abs, { withFileTypes: true }).catch(() => []);
    const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    let images = 0;
    for (const c of classes) {
      const files = await fsp.readdir(path.join(abs, c)).catch(() => [] as string[]);
      images += files.filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).length;
    }
    return { kind: 'images', classes, images };
  }
  const format = TABLE_EXTENSIONS[path.extname(abs).toLowerCase()];
  if (!format) return undefined;
  if (format === 'Parquet') {
    // The footer alone gives rows and columns, however large the file.
    const meta = await parquetSummary(abs).catch(() => undefined);
    return { kind: 'table', format, rows: meta?.rows ?? 0, columns: meta?.columns ?? [], approximate: !meta, bytes: st.size };
  }
  if (st.size > MAX_COUNT_BYTES) return { kind: 'table', format, rows: 0, columns: [], approximate: true, bytes: st.size };
  let text = await fsp.readFile(abs, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (format === 'JSON Lines') {
    let columns: string[] = [];
    try {
      columns = lines.length ? Object.keys(JSON.parse(lines[0]) as object) : [];
    } catch {
      // a broken first line: the loader reports it; the count still helps
    }
    return { kind: 'table', format, rows: lines.length, columns, approximate: false, bytes: st.size };
  }
  const header = (lines[0] ?? '').replace(/\r$/, '');
  const columns = format === 'TSV' ? header.split('\t') : header.split(',').map((c) => c.replace(/^"|"$/g, ''));
  // CSV fields may hold quoted newlines, so lines only approximate its records.
  return { kind: 'table', format, rows: Math.max(0, lines.length - 1), columns, approximate: format === 'CSV' && text.includes('"'), bytes: st.size };
}

export function describeData(d: DataSummary): string {
  if (d.kind === 'images') return `ImageFolder: ${d.images} images in ${d.classes.length} classes (${listSome(d.classes, 8)})`;
  if (d.rows === 0 && d.approximate) return `${d.format}, ${bytesText(d.bytes)} (too large to count its rows here)`;
  return `${d.format}: ${d.approximate ? 'about ' : ''}${d.rows} rows${d.columns.length ? `, columns ${d.columns.join(', ')}` : ''} (${bytesText(d.bytes)})`;
}

/** Markdown about what the path value of `key` points at, for a hover. */
export async function pathHoverMarkdown(key: ConfigKey, value: string, configFile: string): Promise<string> {
  const abs = resolveConfigPath(value, path.dirname(path.resolve(configFile)));
  const st = await fsp.stat(abs).catch(() => undefined);
  const where = `\`${abs}\``;
  const kind = keySpec(key).pathKind;
  if (!st) return kind === 'output' ? `**On disk:** ${where} does not exist yet; the first run creates it.` : `**On disk:** ${where} does not exist.`;
  if (kind === 'checkpoint') {
    if (!st.isDirectory()) return `**On disk:** ${where} is a file, not a checkpoint folder.`;
    const s = await summariseCheckpoint(abs);
    if (!s) return `**On disk:** ${where} has no readable config.json.`;
    const weights = s.weights ? `${s.weights.file} ${bytesText(s.weights.bytes)}` : 'no model.safetensors';
    return `**On disk:** ${describeCheckpoint(s)}.\n\n${where} · ${weights}${s.tokenizer ? ' · tokenizer' : ''}${s.unsupported ? `\n\n${s.unsupported}` : ''}`;
  }
  if (kind === 'data') {
    const d = await summariseData(abs);
    return d ? `**On disk:** ${describeData(d)}.\n\n${where}` : `**On disk:** ${where} is not a .tsv, .csv, .jsonl or .parquet file or an ImageFolder.`;
  }
  if (kind === 'output') {
    if (!st.isDirectory()) return `**On disk:** ${where} is a file, not a folder.`;
    const runs = (await fsp.readdir(abs, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).length;
    return `**On disk:** ${where}, ${runs} run${runs === 1 ? '' : 's'}.`;
  }
  return `**On disk:** ${where}.`;
}

// ---- finding checkpoints and data near a folder ----

export interface DataCandidate {
  /** Absolute path. */
  path: string;
  kind: 'table' | 'images';
}

const CALIBRATION_NAME = /calib|train/i;
const EVAL_NAME = /eval|dev|valid|val\b|test/i;

/**
 * Data files (.tsv/.csv/.jsonl) and ImageFolder directories in the checkpoint folder, its
 * parent and a sibling `data/` folder, ranked for each role: names with calib/train first for
 * calibration, eval/dev/val/test first for evaluation.
 */
export async function findDataNear(checkpointDir: string, modality?: 'text' | 'image'): Promise<{ calibration: DataCandidate[]; eval: DataCandidate[] }> {
  const parent = path.dirname(checkpointDir);
  const roots = [...new Set([checkpointDir, parent, path.join(parent, 'data')])];
  const found = new Map<string, DataCandidate>();
  for (const root of roots) {
    if (!(await isDir(root))) continue;
    if (root !== parent && (await isImageFolder(root))) found.set(root, { path: root, kind: 'images' });
    const entries = await fsp.readdir(root, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(root, e.name);
      if (e.isFile() && TABLE_EXTENSIONS[path.extname(e.name).toLowerCase()]) found.set(p, { path: p, kind: 'table' });
      else if (e.isDirectory() && p !== checkpointDir && (await isImageFolder(p))) found.set(p, { path: p, kind: 'images' });
    }
  }
  const all = [...found.values()].filter((c) => !modality || (modality === 'text') === (c.kind === 'table'));
  const rank = (re: RegExp, other: RegExp) => (c: DataCandidate) => {
    const name = path.relative(parent, c.path);
    return re.test(name) ? 0 : other.test(name) ? 2 : 1;
  };
  const sortBy = (score: (c: DataCandidate) => number) => [...all].sort((a, b) => score(a) - score(b) || a.path.localeCompare(b.path));
  return { calibration: sortBy(rank(CALIBRATION_NAME, EVAL_NAME)), eval: sortBy(rank(EVAL_NAME, CALIBRATION_NAME)) };
}

/** A folder of class folders that hold images (the first few class folders are looked at). */
async function isImageFolder(dir: string): Promise<boolean> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const classes = entries.filter((e) => e.isDirectory()).slice(0, 5);
  for (const c of classes) {
    const files = await fsp.readdir(path.join(dir, c.name)).catch(() => [] as string[]);
    if (files.some((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))) return true;
  }
  return false;
}

/** Checkpoint folders (config.json + safetensors weights) at most `depth` levels below `dir`. */
export async function findCheckpointsNear(dir: string, depth = 3, limit = 20): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, level: number): Promise<void> => {
    if (out.length >= limit) return;
    const entries = await fsp.readdir(d, { withFileTypes: true }).catch(() => []);
    const names = new Set(entries.map((e) => e.name));
    if (names.has('config.json') && (names.has('model.safetensors') || names.has('model.safetensors.index.json'))) out.push(d);
    if (level >= depth) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(path.join(d, e.name), level + 1);
    }
  };
  await walk(dir, 0);
  return out;
}
