import * as path from 'path';
import { CheckpointSummary, checkpointModality, describeCheckpoint } from './disk';
import { KEYS } from './schema';

/**
 * The text of a new, commented config for a checkpoint ("OPTIN: New Config"). Paths are
 * written relative to the config file's folder; data that were not found are left as
 * comments (the linter then reports them as missing, with a quick fix).
 */

export interface NewConfigOptions {
  /** Absolute path the config will be written to. */
  configFile: string;
  checkpoint: CheckpointSummary;
  /** Absolute paths, or undefined when none was found or chosen. */
  calibrationData?: string;
  evalData?: string;
}

/** Vision configs offer token merging, commented out (it changes what the budget buys). */
const TOKEN_LINES = [
  '# ViT/DeiT: spend part of each budget on merging tokens too; token_schedule: auto splits it by the KL on held-out calibration images.',
  '# token_reduction: merge',
];

/** A path relative to `fromDir`, with forward slashes ('.' for the folder itself). */
export function relativePath(fromDir: string, to: string): string {
  const rel = path.relative(fromDir, to).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}

/** A YAML scalar for a string: plain when YAML reads it back as the same string, else double-quoted. */
export function yamlString(s: string): string {
  const plain = /^[A-Za-z0-9_./~][A-Za-z0-9_./~ +=@-]*$/.test(s) && !/ $/.test(s);
  const special = /^(true|false|yes|no|on|off|null|~|[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?|\.(inf|nan))$/i.test(s);
  return plain && !special ? s : JSON.stringify(s);
}

export interface NewHubConfigOptions {
  /** A Hugging Face model id (`model_name`). */
  model: string;
  /** What the cache holds for it, when it does (the config then says text or vision). */
  checkpoint?: CheckpointSummary;
  /** A dataset name (`dataset`), or undefined to leave data paths as comments. */
  dataset?: string;
}

/** A new config that names its model (and data) on the Hub instead of paths. */
export function newHubConfigText(opts: NewHubConfigOptions): string {
  const s = opts.checkpoint;
  const vision = checkpointModality(s) === 'image';
  const d = (k: keyof typeof KEYS) => String((KEYS[k] as { default?: unknown }).default);
  const lines = [
    `# OPTIN pruning config for ${opts.model} (Hugging Face Hub)`,
    ...(s ? [`# ${describeCheckpoint(s)}`] : ['# Not in the Hugging Face cache yet: a run (or the quick fix "Download now") downloads it.']),
    '# Written by "OPTIN: New Config". Hover a key for what it does; paths are relative to this file.',
    '',
    '# What to prune, and the data to score and evaluate it on (read from the Hugging Face cache, else downloaded into it).',
    ...(s ? [`task_name: ${vision ? 'vision' : 'language'}`] : []),
    `model_name: ${yamlString(opts.model)}`,
    ...(opts.dataset
      ? [`dataset: ${yamlString(opts.dataset)}`]
      : [`# calibration_data: ${vision ? 'path/to/imagefolder' : 'path/to/data.tsv'}   # or name the data: dataset: mnli`, `# eval_data: ${vision ? 'path/to/imagefolder' : 'path/to/data.tsv'}`]),
    `output_dir: ${d('output_dir')}`,
    '',
    "# The FLOP budget: the fraction of the encoder's MACs to keep. A list, e.g. [0.5, 0.6, 0.7], is a sweep.",
    `mac_constraint: ${d('mac_constraint')}`,
    ...(vision ? TOKEN_LINES : []),
    `method: ${d('method')}`,
    'baselines: [magnitude, random]',
    `batch_size: ${d('batch_size')}`,
    '',
    '# ONNX Runtime execution provider: auto tries cuda, then webgpu, then the cpu.',
    `device: ${d('device')}`,
    '',
  ];
  return lines.join('\n');
}

export function newConfigText(opts: NewConfigOptions): string {
  const dir = path.dirname(opts.configFile);
  const s = opts.checkpoint;
  const vision = checkpointModality(s) === 'image';
  const rel = (p: string) => yamlString(relativePath(dir, p));
  const dataLine = (key: 'calibration_data' | 'eval_data', p: string | undefined, what: string) =>
    p ? `${key}: ${rel(p)}` : `# ${key}: ${vision ? 'path/to/imagefolder' : 'path/to/data.tsv'}   # not found next to the checkpoint: ${what}`;
  const d = (k: keyof typeof KEYS) => String((KEYS[k] as { default?: unknown }).default);
  const lines = [
    `# OPTIN pruning config for ${path.basename(path.dirname(s.dir))}/${path.basename(s.dir)}`,
    `# ${describeCheckpoint(s)}`,
    '# Written by "OPTIN: New Config". Hover a key for what it does; paths are relative to this file.',
    '',
    '# What to prune, and the data to score and evaluate it on.',
    `task_name: ${vision ? 'vision' : 'language'}`,
    `model_path: ${rel(s.dir)}`,
    dataLine('calibration_data', opts.calibrationData, `${vision ? 'an ImageFolder' : 'a .tsv/.csv/.jsonl file'} whose forward passes score every head and neuron`),
    dataLine('eval_data', opts.evalData, 'labelled held-out data for the accuracy before and after pruning'),
    `output_dir: ${d('output_dir')}`,
    '',
    "# The FLOP budget: the fraction of the encoder's MACs to keep. A list, e.g. [0.5, 0.6, 0.7], is a sweep.",
    `mac_constraint: ${d('mac_constraint')}`,
    ...(vision ? TOKEN_LINES : []),
    '# How heads and neurons are ranked, and other rankings to compare at the same budgets.',
    `method: ${d('method')}`,
    'baselines: [magnitude, random]',
    '',
    '# Scoring: importance = sum of the manifold-distillation losses of the later layers + lambda * KD loss.',
    `loss_type: ${d('loss_type')}`,
    `lambda_contribution: ${d('lambda_contribution')}`,
    `temp: ${d('temp')}`,
    `batch_size: ${d('batch_size')}`,
    '# calibration_size: 128   # calibration examples scored (default: batch_size)',
    ...(vision ? [] : ['# max_seq_length: 128   # truncate text (default: the tokenizer\'s model_max_length)']),
    '',
    '# ONNX Runtime execution provider: auto tries cuda, then webgpu, then the cpu.',
    `device: ${d('device')}`,
    '',
  ];
  return lines.join('\n');
}
