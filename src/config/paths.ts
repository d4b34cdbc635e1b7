import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatOf } from '../data/table';
import { SUPPORTED_MODEL_TYPES } from '../model';
import type { Family } from '../model/spec';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { sortDiagnostics } from './diagnostics';
import { modalityRules, Modality } from './rules';
import type { ConfigKey } from './schema';
import type { ValidatedConfig } from './validate';

/**
 * Checks on disk for the path keys, kept apart from validation and async so that an editor
 * never waits on the disk while the user types. Cheap by design: directory listings and
 * config.json only; weights, tokenizers and data are not read.
 */

const MODALITY: Record<Family, Modality> = { bert: 'text', vit: 'image', deit: 'image' };

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
  if (values.model_path !== undefined) {
    const checked = await inspectCheckpoint(values.model_path, resolveConfigPath(values.model_path, dir));
    report('model_path', checked.problem);
    family = checked.family;
  }

  const fromTask: Modality | undefined = values.task_name === undefined ? undefined : values.task_name === 'vision' ? 'image' : 'text';
  const modality = family ? MODALITY[family] : fromTask;
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
  if (family && !fromTask) {
    out.push(...modalityRules({ values, entry: config.entry }, MODALITY[family], `\`model_path\` holds a ${family} model`));
  }

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

const CHECKPOINT = 'the Hugging Face checkpoint folder (config.json + model.safetensors)';

async function inspectCheckpoint(value: string, abs: string): Promise<{ problem?: Problem; family?: Family }> {
  const st = await statOrError(abs);
  if (st === 'ENOENT') return { problem: { code: 'missing-path', message: `\`model_path\`: ${abs} does not exist; set it to ${CHECKPOINT}, relative to this file.` } };
  if (typeof st === 'string') return { problem: { code: 'bad-path', message: `\`model_path\`: cannot read ${abs} (${st}).` } };
  if (!st.isDirectory()) {
    // Pointing at a file inside the checkpoint is a common slip: offer its folder.
    const inside = ['config.json', 'model.safetensors', 'model.safetensors.index.json'].includes(path.basename(abs));
    const folder = path.dirname(value) || '.';
    return {
      problem: {
        code: 'bad-path',
        message: `\`model_path\`: ${abs} is a file; give ${CHECKPOINT}${inside ? `, here ${folder}` : ''}.`,
        ...(inside ? { replacement: folder } : {}),
      },
    };
  }
  let names: string[];
  try {
    names = await fsp.readdir(abs);
  } catch (e) {
    return { problem: { code: 'bad-path', message: `\`model_path\`: cannot list ${abs} (${(e as NodeJS.ErrnoException).code ?? e}).` } };
  }
  const has = (n: string) => names.includes(n);
  if (!has('config.json')) {
    return { problem: { code: 'bad-path', message: `\`model_path\`: ${abs} has no config.json; give ${CHECKPOINT}.` } };
  }
  if (!has('model.safetensors') && !has('model.safetensors.index.json')) {
    const others = names.filter((f) => /\.(bin|pt|pth|h5|ckpt|msgpack)$/.test(f));
    const hint = others.length
      ? ` Found ${others.join(', ')}: only safetensors weights are read (pickled PyTorch files can run code when loaded); re-save with \`model.save_pretrained(dir, safe_serialization=True)\`.`
      : '';
    return { problem: { code: 'bad-path', message: `\`model_path\`: ${abs} has no model.safetensors or model.safetensors.index.json.${hint}` } };
  }
  let modelType: unknown;
  try {
    modelType = (JSON.parse(await fsp.readFile(path.join(abs, 'config.json'), 'utf8')) as Record<string, unknown>)?.model_type;
  } catch (e) {
    return { problem: { code: 'bad-path', message: `\`model_path\`: ${path.join(abs, 'config.json')} is not readable JSON (${(e as Error).message}).` } };
  }
  if (typeof modelType !== 'string') {
    return { problem: { code: 'bad-path', message: `\`model_path\`: ${path.join(abs, 'config.json')} has no "model_type"; expected one of ${SUPPORTED_MODEL_TYPES.join(', ')}.` } };
  }
  if (!(modelType in MODALITY)) {
    return { problem: { code: 'unsupported-model', message: `\`model_path\`: model_type "${modelType}" is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}.` } };
  }
  const family = modelType as Family;
  if (MODALITY[family] === 'text' && !has('tokenizer.json') && !has('vocab.txt')) {
    return { family, problem: { code: 'bad-path', message: `\`model_path\`: ${abs} has no tokenizer.json or vocab.txt; a text model needs its tokenizer files next to config.json.` } };
  }
  return { family };
}

/** `because` says where the modality comes from (the checkpoint, or task_name). */
async function inspectData(key: ConfigKey, abs: string, modality: Modality | undefined, because: string): Promise<Problem | undefined> {
  const st = await statOrError(abs);
  if (st === 'ENOENT') return { code: 'missing-path', message: `\`${key}\`: ${abs} does not exist; paths are relative to this file.` };
  if (typeof st === 'string') return { code: 'bad-path', message: `\`${key}\`: cannot read ${abs} (${st}).` };
  if (st.isDirectory()) {
    if (modality === 'text') return { code: 'bad-path', message: `\`${key}\`: ${abs} is a folder, but ${because} (text); give a .tsv, .csv or .jsonl file.` };
    let classes: number;
    try {
      classes = (await fsp.readdir(abs, { withFileTypes: true })).filter((d) => d.isDirectory()).length;
    } catch (e) {
      return { code: 'bad-path', message: `\`${key}\`: cannot list ${abs} (${(e as NodeJS.ErrnoException).code ?? e}).` };
    }
    if (classes === 0) return { code: 'bad-path', message: `\`${key}\`: ${abs} has no class folders; image data must be an ImageFolder: <dir>/<class name>/<image>.` };
    return undefined;
  }
  if (modality === 'image') return { code: 'bad-path', message: `\`${key}\`: ${abs} is a file, but ${because} (images); give an ImageFolder directory (<dir>/<class name>/<image>).` };
  if (!isTableFile(abs)) return { code: 'bad-path', message: `\`${key}\`: ${abs} is not a .tsv, .csv or .jsonl file.` };
  if (st.size === 0) return { code: 'bad-path', message: `\`${key}\`: ${abs} is empty.` };
  return undefined;
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
