import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IMAGE_EXTENSIONS } from '../data/imageFiles';
import { cellText, readParquet } from '../data/parquet';
import { formatOf, readTable } from '../data/table';
import { LABEL_COLUMNS } from '../data/text';
import { familyInfo, familyModality, modelTypeInfo, SUPPORTED_MODEL_TYPES, unsupportedReason } from '../model/families';
import type { Family } from '../model/spec';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { sortDiagnostics } from './diagnostics';
import { checkHubNames } from './hubChecks';
import { modalityRules, Modality, trajectoryRule } from './rules';
import { ConfigKey, DERIVED_DEFAULTS, KEYS } from './schema';
import type { ValidatedConfig } from './validate';

/**
 * Checks on disk for the path keys, kept apart from validation and async so that an editor
 * never waits on the disk while the user types. Cheap by design: directory listings and
 * config.json only; weights, tokenizers and data are not read.
 */

/** A path as written in the config, made absolute against the config file's folder (`~/` is the home folder). */
export function resolveConfigPath(value: string, configDir: string): string {
  const expanded = value === '~' ? os.homedir() : value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
  return path.resolve(configDir, expanded);
}

interface Problem {
  code: DiagnosticCode;
  message: string;
  replacement?: string;
}

export async function checkPaths(config: ValidatedConfig, configFile: string): Promise<Diagnostic[]> {
  const dir = path.dirname(path.resolve(configFile));
  const { values } = config;
  const out: Diagnostic[] = [];
  const report = (key: ConfigKey, p: Problem | undefined) => {
    const entry = config.entry(key);
    if (!p || !entry) return;
    out.push({ severity: 'error', code: p.code, message: p.message, key, range: entry.value.range, ...(p.replacement !== undefined ? { data: { replacement: p.replacement } } : {}) });
  };

  let family: Family | undefined;
  let modelLabels: number | undefined;
  if (values.model_path !== undefined) {
    const checked = await inspectCheckpoint(values.model_path, resolveConfigPath(values.model_path, dir));
    report('model_path', checked.problem);
    family = checked.family;
    modelLabels = checked.problem ? undefined : checked.classes;
  }
  // Names instead of paths: what the Hugging Face cache holds (a cached model is inspected as the checkpoint).
  const names = checkHubNames(config);
  out.push(...names.diagnostics);
  if (names.modelDir) {
    const checked = await inspectCheckpoint(values.model_name!, names.modelDir, 'model_name');
    if (checked.problem) out.push({ severity: 'warning', code: checked.problem.code, message: checked.problem.message, key: 'model_name', range: config.entry('model_name')!.value.range });
    family = checked.family;
    modelLabels = checked.problem ? undefined : checked.classes;
  }

  const fromTask: Modality | undefined = values.task_name === undefined ? undefined : values.task_name === 'vision' ? 'image' : 'text';
  const modality = family ? familyModality(family) : fromTask;
  const taskEntry = config.entry('task_name');
  if (family && fromTask && fromTask !== modality && taskEntry) {
    const fix = modality === 'image' ? 'vision' : 'language';
    out.push({
      severity: 'error',
      code: 'cross-field',
      message: `\`task_name\` is ${values.task_name}, but \`model_path\` holds a ${family} (${modality}) model; set \`task_name: ${fix}\` or point \`model_path\` at a ${values.task_name} model.`,
      key: 'task_name',
      range: taskEntry.value.range,
      data: { replacement: fix },
    });
  }
  const ctx = { values, entry: config.entry };
  const holds = `\`model_path\` holds a ${family} model`;
  if (family && !fromTask) out.push(...modalityRules(ctx, familyModality(family), holds));
  // With task_name and only a model_name, the task-based rule has said it already.
  const judged = values.model_path !== undefined || !fromTask;
  if (family && judged && modality === 'text' && familyInfo(family).norm === 'post') out.push(...trajectoryRule(ctx, holds));

  const dataChecks = (['calibration_data', 'eval_data'] as const).map(async (key) => {
    const value = values[key];
    const because = family ? `\`model_path\` holds a ${family} model` : `\`task_name\` is ${values.task_name}`;
    if (value !== undefined) report(key, await inspectData(key, resolveConfigPath(value, dir), modality, because));
  });
  const outputCheck = (async () => {
    if (values.output_dir === undefined) return;
    const abs = resolveConfigPath(values.output_dir, dir);
    const st = await statOrError(abs);
    if (typeof st === 'object' && !st.isDirectory()) {
      report('output_dir', { code: 'bad-path', message: `\`output_dir\`: ${abs} is a file; runs need a folder (it is created when missing).` });
    }
  })();
  await Promise.all([...dataChecks, outputCheck]);
  if (!out.some((d) => d.key === 'calibration_data' || d.key === 'model_path')) out.push(...(await calibrationCoverage(config, dir, modelLabels)));
  return sortDiagnostics(out);
}

type Stat = Awaited<ReturnType<typeof fsp.stat>>;

/** The stat, or the error code ('ENOENT', 'EACCES', ...). */
async function statOrError(p: string): Promise<Stat | string> {
  try {
    return await fsp.stat(p);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** Files a text checkpoint's tokenizer can be read from (see data/tokenizer.ts). */
export function hasTokenizerFiles(names: readonly string[]): boolean {
  return names.includes('tokenizer.json') || names.includes('vocab.txt') || (names.includes('vocab.json') && names.includes('merges.txt'));
}

const CHECKPOINT = 'the Hugging Face checkpoint folder (config.json + model.safetensors)';

/** `key`: the key whose value led here (`model_path`, or `model_name` for a cached Hub snapshot), named in every message. */
async function inspectCheckpoint(value: string, abs: string, key: 'model_path' | 'model_name' = 'model_path'): Promise<{ problem?: Problem; family?: Family; classes?: number }> {
  const st = await statOrError(abs);
  if (st === 'ENOENT') return { problem: { code: 'missing-path', message: `\`${key}\`: ${abs} does not exist; set it to ${CHECKPOINT}, relative to this file.` } };
  if (typeof st === 'string') return { problem: { code: 'bad-path', message: `\`${key}\`: cannot read ${abs} (${st}).` } };
  if (!st.isDirectory()) {
    // Pointing at a file inside the checkpoint is a common slip: offer its folder.
    const inside = ['config.json', 'model.safetensors', 'model.safetensors.index.json'].includes(path.basename(abs));
    const folder = path.dirname(value) || '.';
    return {
      problem: {
        code: 'bad-path',
        message: `\`${key}\`: ${abs} is a file; give ${CHECKPOINT}${inside ? `, here ${folder}` : ''}.`,
        ...(inside ? { replacement: folder } : {}),
      },
    };
  }
  let names: string[];
  try {
    names = await fsp.readdir(abs);
  } catch (e) {
    return { problem: { code: 'bad-path', message: `\`${key}\`: cannot list ${abs} (${(e as NodeJS.ErrnoException).code ?? e}).` } };
  }
  const has = (n: string) => names.includes(n);
  if (!has('config.json')) {
    return { problem: { code: 'bad-path', message: `\`${key}\`: ${abs} has no config.json; give ${CHECKPOINT}.` } };
  }
  if (!has('model.safetensors') && !has('model.safetensors.index.json')) {
    const others = names.filter((f) => /\.(bin|pt|pth|h5|ckpt|msgpack)$/.test(f));
    const hint = others.length
      ? ` Found ${others.join(', ')}: only safetensors weights are read (pickled PyTorch files can run code when loaded); re-save with \`model.save_pretrained(dir, safe_serialization=True)\`.`
      : '';
    return { problem: { code: 'bad-path', message: `\`${key}\`: ${abs} has no model.safetensors or model.safetensors.index.json.${hint}` } };
  }
  let modelType: unknown;
  try {
    modelType = (JSON.parse(await fsp.readFile(path.join(abs, 'config.json'), 'utf8')) as Record<string, unknown>)?.model_type;
  } catch (e) {
    return { problem: { code: 'bad-path', message: `\`${key}\`: ${path.join(abs, 'config.json')} is not readable JSON (${(e as Error).message}).` } };
  }
  if (typeof modelType !== 'string') {
    return { problem: { code: 'bad-path', message: `\`${key}\`: ${path.join(abs, 'config.json')} has no "model_type"; expected one of ${SUPPORTED_MODEL_TYPES.join(', ')}.` } };
  }
  const info = modelTypeInfo(modelType);
  if (!info) {
    return { problem: { code: 'unsupported-model', message: `\`${key}\`: ${unsupportedReason(modelType)}` } };
  }
  const family = info.family;
  const classes = await classCount(path.join(abs, 'config.json'));
  if (info.modality === 'text' && !hasTokenizerFiles(names)) {
    return { family, problem: { code: 'bad-path', message: `\`${key}\`: ${abs} has no tokenizer.json, vocab.txt, or vocab.json + merges.txt; a text model needs its tokenizer files next to config.json.` } };
  }
  return { family, classes };
}

/** `because` says where the modality comes from (the checkpoint, or task_name). */
async function inspectData(key: ConfigKey, abs: string, modality: Modality | undefined, because: string): Promise<Problem | undefined> {
  const st = await statOrError(abs);
  if (st === 'ENOENT') return { code: 'missing-path', message: `\`${key}\`: ${abs} does not exist; paths are relative to this file.` };
  if (typeof st === 'string') return { code: 'bad-path', message: `\`${key}\`: cannot read ${abs} (${st}).` };
  if (st.isDirectory()) {
    if (modality === 'text') return { code: 'bad-path', message: `\`${key}\`: ${abs} is a folder, but ${because} (text); give a .tsv, .csv, .jsonl or .parquet file.` };
    let classes: number;
    try {
      classes = (await fsp.readdir(abs, { withFileTypes: true })).filter((d) => d.isDirectory()).length;
    } catch (e) {
      return { code: 'bad-path', message: `\`${key}\`: cannot list ${abs} (${(e as NodeJS.ErrnoException).code ?? e}).` };
    }
    if (classes === 0) return { code: 'bad-path', message: `\`${key}\`: ${abs} has no class folders; image data must be an ImageFolder: <dir>/<class name>/<image>.` };
    return undefined;
  }
  // A Parquet split holds text columns or an Image column; which one is checked when it is read.
  if (isParquetFile(abs)) return st.size === 0 ? { code: 'bad-path', message: `\`${key}\`: ${abs} is empty.` } : undefined;
  if (modality === 'image') return { code: 'bad-path', message: `\`${key}\`: ${abs} is a file, but ${because} (images); give an ImageFolder directory (<dir>/<class name>/<image>) or a Parquet split with an Image column.` };
  if (!isTableFile(abs)) return { code: 'bad-path', message: `\`${key}\`: ${abs} is not a .tsv, .csv, .jsonl or .parquet file.` };
  if (st.size === 0) return { code: 'bad-path', message: `\`${key}\`: ${abs} is empty.` };
  return undefined;
}

function isParquetFile(file: string): boolean {
  return file.toLowerCase().endsWith('.parquet');
}

/** Same file types the data loader reads (src/data/table.ts decides). */
function isTableFile(file: string): boolean {
  try {
    formatOf(file);
    return true;
  } catch {
    return false;
  }
}

/** Number of classes of a classification checkpoint (id2label, else num_labels); undefined for regression or when unknown. */
async function classCount(configFile: string): Promise<number | undefined> {
  try {
    const c = JSON.parse(await fsp.readFile(configFile, 'utf8')) as Record<string, unknown>;
    if (c.problem_type === 'regression') return undefined;
    const n = c.id2label && typeof c.id2label === 'object' ? Object.keys(c.id2label).length : typeof c.num_labels === 'number' ? c.num_labels : undefined;
    return n !== undefined && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Largest table whose labels the linter reads to check a `first` sample (the hover counts rows up to the same size). */
const MAX_LABEL_SCAN_BYTES = 64 * 1024 * 1024;

/**
 * The label of every calibration example, in the order a run reads them: ImageFolder class
 * folders sorted by name (images counted, not read), or the label column of a table. Undefined
 * when the data has no labels or is too large to read here.
 */
async function labelsInOrder(abs: string, labelField: string | undefined): Promise<string[] | undefined> {
  const st = await fsp.stat(abs).catch(() => undefined);
  if (!st) return undefined;
  if (st.isDirectory()) {
    const classes = (await fsp.readdir(abs, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name).sort(byCodePoint);
    const out: string[] = [];
    for (const c of classes) {
      const files = await fsp.readdir(path.join(abs, c)).catch(() => [] as string[]);
      const n = files.filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).length;
      for (let i = 0; i < n; i++) out.push(c);
    }
    return out;
  }
  if (st.size > MAX_LABEL_SCAN_BYTES) return undefined;
  if (isParquetFile(abs)) {
    try {
      const data = await readParquet([abs], { columns: labelField ? [labelField] : LABEL_COLUMNS });
      const column = labelField ?? LABEL_COLUMNS.find((c) => data.columns.includes(c));
      if (!column) return undefined;
      const names = data.features[column]?.names;
      const labels = data.rows.map((r) => cellText(r[column]));
      return labels.some((l) => l === '') ? undefined : names ? labels.map((l) => names[Number(l)] ?? l) : labels;
    } catch {
      return undefined; // the loader reports an unreadable file when the run reads it
    }
  }
  if (!isTableFile(abs)) return undefined;
  try {
    const table = readTable(abs);
    const column = labelField ?? LABEL_COLUMNS.find((c) => table.columns.includes(c));
    if (!column) return undefined;
    const labels = table.records.map((r) => r.fields.get(column) ?? '');
    return labels.some((l) => l === '') ? undefined : labels;
  } catch {
    return undefined; // the loader reports a malformed file when the run reads it
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Warnings when the calibration sample can only cover a few of the model's labels: fewer
 * examples than labels, or `calibration_sampling: first` on data sorted by label.
 */
async function calibrationCoverage(config: ValidatedConfig, dir: string, modelLabels: number | undefined): Promise<Diagnostic[]> {
  const { values } = config;
  const size = values.calibration_size ?? DERIVED_DEFAULTS.calibration_size!(values)!;
  const sampling = values.calibration_sampling ?? KEYS.calibration_sampling.default;
  // Reported at the key that sets the size, else (a default) at calibration_data.
  const sizeKey: ConfigKey = config.entry('calibration_size') ? 'calibration_size' : config.entry('batch_size') ? 'batch_size' : 'calibration_data';
  const sizeEntry = config.entry(sizeKey);
  const out: Diagnostic[] = [];
  if (modelLabels !== undefined && size < modelLabels && sizeEntry) {
    out.push({
      severity: 'warning', code: 'cross-field', key: sizeKey, range: sizeEntry.value.range,
      message: `${sizeKey === 'calibration_data' ? `\`calibration_size\` (default ${size})` : `\`${sizeKey}\` ${size}`} gives ${size} calibration examples, but the model has ${modelLabels} labels: the scores cannot see ${modelLabels - size} of its classes. Set \`calibration_size\` to at least ${modelLabels}.`,
    });
  }
  const samplingEntry = config.entry('calibration_sampling');
  if (sampling === 'first' && samplingEntry && values.calibration_data !== undefined) {
    const labels = await labelsInOrder(resolveConfigPath(values.calibration_data, dir), values.label_field);
    if (labels) {
      const all = new Set(labels).size;
      const covered = new Set(labels.slice(0, size)).size;
      if (covered < all) {
        out.push({
          severity: 'warning', code: 'cross-field', key: 'calibration_sampling', range: samplingEntry.value.range, data: { replacement: 'random' },
          message: `\`calibration_sampling: first\` scores the first ${Math.min(size, labels.length)} examples of \`calibration_data\`, which hold only ${covered} of its ${all} labels (the data is ordered by label); \`random\` draws a sample stratified by label from all of it.`,
        });
      }
    }
  }
  return out;
}
