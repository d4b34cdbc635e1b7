/**
 * The table of bad configs -> expected diagnostics (severity, code, message fragment, exact
 * range, quick-fix replacement). The config unit tests and `optin validate` tests both use it.
 */
import type { Diagnostic, Mode } from '../../src/config';

/** [line, startCharacter, endCharacter] on one line, or [startLine, startChar, endLine, endChar]; 0-based like LSP. */
export type At = [number, number, number] | [number, number, number, number];

export interface Expect {
  severity: Diagnostic['severity'];
  code: Diagnostic['code'];
  fragment: string;
  at: At;
  replacement?: string;
}

export interface Case {
  name: string;
  yaml: string;
  mode?: Mode;
  expect: Expect[];
}

const e = (severity: Expect['severity'], code: Expect['code'], fragment: string, at: At, replacement?: string): Expect => ({ severity, code, fragment, at, replacement });

export const CASES: Case[] = [
  // ---- numbers and integers ----
  { name: 'quoted integer', yaml: 'batch_size: "128"\n', expect: [e('error', 'wrong-type', 'is a quoted string', [0, 12, 17], '128')] },
  { name: 'integer below its minimum', yaml: 'batch_size: 0\n', expect: [e('error', 'out-of-range', '`batch_size` must be an integer ≥ 1, got 0', [0, 12, 13])] },
  { name: 'fractional integer', yaml: 'batch_size: 12.5\n', expect: [e('error', 'wrong-type', 'whole number', [0, 12, 16])] },
  { name: 'list for a number', yaml: 'batch_size: [1, 2]\n', expect: [e('error', 'wrong-type', 'not a list', [0, 12, 18])] },
  { name: 'trailing comment is not part of the value range', yaml: 'batch_size: 0   # zero\n', expect: [e('error', 'out-of-range', 'got 0', [0, 12, 13])] },
  { name: 'negative seed', yaml: 'seed: -1\n', expect: [e('error', 'out-of-range', 'integer ≥ 0', [0, 6, 8])] },
  { name: 'YAML 1.1 digit separators', yaml: 'threads: 1_000\n', expect: [e('error', 'wrong-type', 'YAML 1.2 reads 1_000 as a string', [0, 9, 14], '1000')] },
  { name: 'infinity', yaml: 'temp: .inf\n', expect: [e('error', 'out-of-range', 'finite number', [0, 6, 10])] },
  { name: 'exclusive minimum', yaml: 'lambda_contribution: 0\n', expect: [e('error', 'out-of-range', 'a number > 0', [0, 21, 22])] },
  { name: 'word for a number', yaml: 'temp: warm\n', expect: [e('error', 'wrong-type', 'must be a number > 0, got warm', [0, 6, 10])] },
  { name: 'CRLF line endings', yaml: 'seed: 1\r\nbatch_size: x\r\n', expect: [e('error', 'wrong-type', 'got x', [1, 12, 13])] },
  { name: 'UTF-16 columns in a flow mapping', yaml: '{dataset: "🙂", batch_size: "8"}\n', expect: [e('error', 'wrong-type', 'quoted string', [0, 28, 31], '8')] },

  { name: 'token merging with task_name language', yaml: 'task_name: language\ntoken_reduction: merge\n', expect: [e('error', 'cross-field', 'only works for vision models (ViT/DeiT merge image patch tokens), and `task_name` is language', [1, 17, 22], 'none')] },
  { name: 'token schedule without token merging', yaml: 'token_schedule: 8\n', expect: [e('information', 'cross-field', '`token_schedule` only applies with `token_reduction: merge`', [0, 0, 14])] },
  { name: 'repair fit with repair off', yaml: 'repair: none\nrepair_fit: scales\n', expect: [e('information', 'cross-field', '`repair_fit` only applies with `repair: least_squares`', [1, 0, 10])] },
  { name: 'repair fit misspelt', yaml: 'repair_fit: weight\n', expect: [e('error', 'enum', 'must be one of weights, scales; got weight; did you mean weights?', [0, 12, 18], 'weights')] },
  // ---- token_schedule: auto, r, or r per layer ----
  { name: 'token schedule neither auto nor a number', yaml: 'token_schedule: fast\n', expect: [e('error', 'wrong-type', '`token_schedule` must be auto, a whole number ≥ 0, or a list of such numbers (one per layer), got fast', [0, 16, 20])] },
  { name: 'negative r in a token schedule', yaml: 'token_schedule: [8, -1, 4]\n', expect: [e('error', 'out-of-range', '`token_schedule` entry 2', [0, 20, 22])] },
  // ---- mac_constraint: fraction or sweep ----
  { name: 'percentage as a number', yaml: 'mac_constraint: 60\n', expect: [e('error', 'out-of-range', 'did you mean 0.6 (60%)?', [0, 16, 18], '0.6')] },
  { name: 'zero budget', yaml: 'mac_constraint: 0\n', expect: [e('error', 'out-of-range', 'a number in (0, 1]', [0, 16, 17])] },
  { name: 'percentage with a percent sign', yaml: 'mac_constraint: 60%\n', expect: [e('error', 'wrong-type', 'not a percentage: write 0.6 for 60%', [0, 16, 19], '0.6')] },
  { name: 'percentage inside a sweep', yaml: 'mac_constraint: [0.4, 50, 0.8]\n', expect: [e('error', 'out-of-range', '`mac_constraint` entry 2 must be a number in (0, 1], got 50; did you mean 0.5', [0, 22, 24], '0.5')] },
  { name: 'empty sweep', yaml: 'mac_constraint: []\n', expect: [e('error', 'out-of-range', 'the list is empty', [0, 16, 18], '0.6')] },
  { name: 'block-list sweep entry out of range', yaml: 'mac_constraint:\n  - 0.4\n  - 1.5\n', expect: [e('error', 'out-of-range', 'entry 2 must be a number in (0, 1], got 1.5.', [2, 4, 7])] },
  { name: 'repeated budget', yaml: 'mac_constraint: [0.5, 0.5]\n', expect: [e('warning', 'duplicate-value', 'lists 0.5 twice (entries 1 and 2)', [0, 22, 25])] },
  { name: 'decay value above 1', yaml: 'neuron_fin_decay_val: 1.5\n', expect: [e('error', 'out-of-range', 'a number in [0, 1], got 1.5.', [0, 22, 25])] },
  { name: 'decay value as a percentage', yaml: 'head_fin_decay_val: 50\n', expect: [e('error', 'out-of-range', 'did you mean 0.5', [0, 20, 22], '0.5')] },

  // ---- enums ----
  { name: 'enum in the wrong case', yaml: 'loss_type: mmd+kl\n', expect: [e('error', 'enum', 'must be one of MMD, KL, MMD+KL; got mmd+kl; did you mean MMD+KL?', [0, 11, 17], 'MMD+KL')] },
  { name: 'enum with spaces', yaml: 'loss_type: MMD + KL\n', expect: [e('error', 'enum', 'did you mean MMD+KL', [0, 11, 19], 'MMD+KL')] },
  { name: 'enum misspelt', yaml: 'aggregate: median\n', expect: [e('error', 'enum', 'one of sum, mean', [0, 11, 17], 'mean')] },
  { name: 'task_name capitalised', yaml: 'task_name: Language\n', expect: [e('error', 'enum', 'did you mean language', [0, 11, 19], 'language')] },
  { name: 'short enum value gets no guess', yaml: 'device: gpu\n', expect: [e('error', 'enum', 'one of auto, cpu, webgpu, cuda; got gpu.', [0, 8, 11])] },
  { name: 'device upper case', yaml: 'device: CUDA\n', expect: [e('error', 'enum', 'did you mean cuda', [0, 8, 12], 'cuda')] },
  { name: 'compat capitalised', yaml: 'compat: Reference\n', expect: [e('error', 'enum', 'did you mean reference', [0, 8, 17], 'reference')] },
  { name: 'mapping for an enum', yaml: 'device:\n  name: cuda\n', expect: [e('error', 'wrong-type', 'not a mapping', [1, 2, 12])] },

  // ---- booleans ----
  { name: 'YAML 1.1 yes', yaml: 'fine_tune: yes\n', expect: [e('error', 'wrong-type', 'YAML 1.2 reads yes as a string', [0, 11, 14], 'true')] },
  { name: 'quoted True', yaml: 'head_fin_decay_bool: "True"\n', expect: [e('error', 'wrong-type', 'is a quoted string; write True without quotes', [0, 21, 27], 'True')] },
  { name: '1 for a boolean', yaml: 'distill_token: 1\n', expect: [e('error', 'wrong-type', 'must be true or false, got 1; write true', [0, 15, 16], 'true')] },
  { name: 'word for a boolean', yaml: 'logging: maybe\n', expect: [e('error', 'wrong-type', 'must be true or false, got maybe', [0, 9, 14])] },

  // ---- strings, paths, lists ----
  { name: 'number for a string', yaml: 'model_name: 123\n', expect: [e('error', 'wrong-type', 'quote it as "123"', [0, 12, 15], '"123"')] },
  { name: 'empty path', yaml: 'model_path: ""\n', expect: [e('error', 'empty-value', '`model_path` is an empty path', [0, 12, 14])] },
  { name: 'scalar for a string list', yaml: 'text_fields: sentence\n', expect: [e('error', 'wrong-type', 'write a list even for one: [sentence]', [0, 13, 21], '[sentence]')] },
  { name: 'too many text fields', yaml: 'text_fields: [a, b, c]\n', expect: [e('error', 'out-of-range', 'a list of 1–2 strings, got 3', [0, 13, 22])] },
  { name: 'repeated baseline', yaml: 'baselines: [magnitude, random, magnitude]\n', expect: [e('warning', 'duplicate-value', 'lists magnitude twice (entries 1 and 3)', [0, 31, 40])] },
  { name: 'unknown baseline', yaml: 'baselines: [magnitude, gradient]\n', expect: [e('error', 'enum', '`baselines` entry 2 must be one of magnitude, random', [0, 23, 31])] },

  // ---- keys ----
  { name: 'misspelt key', yaml: 'mac_constrant: 0.5\n', expect: [e('error', 'unknown-key', 'did you mean `mac_constraint`?', [0, 0, 13], 'mac_constraint')] },
  { name: 'key in the wrong case and with a hyphen', yaml: 'Batch-Size: 64\n', expect: [e('error', 'unknown-key', 'did you mean `batch_size`?', [0, 0, 10], 'batch_size')] },
  { name: 'alias of a key', yaml: 'lambda: 5\n', expect: [e('error', 'unknown-key', 'did you mean `lambda_contribution`?', [0, 0, 6], 'lambda_contribution')] },
  { name: 'another name for model_path', yaml: 'model_dir: ./model\n', expect: [e('error', 'unknown-key', 'did you mean `model_path`?', [0, 0, 9], 'model_path')] },
  { name: 'unrelated key', yaml: 'foo_bar_baz: 1\n', expect: [e('error', 'unknown-key', 'Unknown key `foo_bar_baz`; the config keys are listed in docs/config.md', [0, 0, 11])] },
  { name: 'misspelling of a key already set', yaml: 'batch_size: 8\nbatch-size: 16\n', expect: [e('error', 'unknown-key', 'did you mean `batch_size` (already set on line 1)?', [1, 0, 10])] },
  { name: 'duplicate key at its second occurrence', yaml: 'seed: 1\nbatch_size: 8\nseed: 2\n', expect: [e('error', 'duplicate-key', '`seed` is set twice (first on line 1)', [2, 0, 4])] },
  { name: 'empty key', yaml: ': 5\n', expect: [e('error', 'invalid-key', 'plain names', [0, 2, 3])] },
  { name: 'number as a key', yaml: '1: 2\n', expect: [e('error', 'unknown-key', 'Unknown key `1`', [0, 0, 1])] },
  { name: 'list as a key', yaml: '? [a, b]\n: 1\n', expect: [e('error', 'invalid-key', 'plain names', [0, 2, 8])] },
  { name: 'empty value uses the default', yaml: 'batch_size:\n', expect: [e('warning', 'empty-value', 'has no value, so the default (128) is used', [0, 0, 10], ' 128')] },
  { name: 'null value uses the default', yaml: 'temp: ~\n', expect: [e('warning', 'empty-value', 'the default (4) is used', [0, 0, 4], '4')] },

  // ---- YAML itself ----
  { name: 'unclosed flow list', yaml: 'batch_size: 8\nseed: [1, 2\ntemp: 4\n', expect: [e('error', 'yaml-syntax', 'Flow sequence', [2, 0, 1])] },
  {
    name: 'every syntax error is reported, not only the first',
    yaml: 'a: b: c\nd: "x\n',
    expect: [e('error', 'yaml-syntax', 'Nested mappings are not allowed', [0, 3, 4]), e('error', 'yaml-syntax', 'Missing closing "quote', [2, 0, 0])],
  },
  { name: 'tab indentation', yaml: '\tbatch_size: 3\n', expect: [e('error', 'yaml-syntax', 'indent with spaces', [0, 0, 1])] },
  { name: 'two documents', yaml: 'seed: 1\n---\nseed: 2\n', expect: [e('error', 'yaml-syntax', 'remove the `---` line', [1, 0, 2, 7])] },
  { name: 'top level is a list', yaml: '- batch_size: 3\n', expect: [e('error', 'not-a-mapping', 'its top level is a list', [0, 0, 15])] },
  { name: 'top level is a scalar', yaml: 'hello\n', expect: [e('error', 'not-a-mapping', 'its top level is a single value', [0, 0, 5])] },
  // ---- not an OPTIN config at all ----
  { name: 'empty file', yaml: '', expect: [e('error', 'not-a-config', 'The file is empty, so it is not an OPTIN config: an OPTIN config is a YAML mapping that sets at least `model_path`', [0, 0, 0])] },
  { name: 'only comments', yaml: '# to do\n\n# nothing yet\n', expect: [e('error', 'not-a-config', 'The file is empty', [0, 0, 0])] },
  {
    name: 'unrelated YAML (no config key)',
    yaml: 'services:\n  web:\n    image: nginx\n',
    expect: [e('error', 'not-a-config', "None of this file's keys (`services`) is an OPTIN config key", [0, 0, 0]), e('error', 'unknown-key', 'Unknown key `services`', [0, 0, 8])],
  },
  { name: 'unknown tag', yaml: 'seed: !foo 1\n', expect: [e('warning', 'yaml-warning', 'Unresolved tag: !foo', [0, 6, 10])] },

  // ---- not acted on ----
  { name: 'fine_tune: True is not acted on', yaml: 'fine_tune: True\n', expect: [e('warning', 'not-acted-on', '`fine_tune: True` is not acted on: OPTIN prunes in one shot', [0, 11, 15], 'false')] },
  { name: 'logging is accepted', yaml: 'logging: true\n', expect: [e('information', 'not-acted-on', 'accepted for compatibility', [0, 0, 7])] },

  // ---- cross-field ----
  {
    name: 'decay value with decay off',
    yaml: 'head_fin_decay_bool: false\nhead_fin_decay_val: 0.3\n',
    expect: [e('warning', 'cross-field', '`head_fin_decay_val` has no effect because `head_fin_decay_bool` is false (line 1)', [1, 0, 18])],
  },
  {
    name: 'compat reference with logits divided by T',
    yaml: 'compat: reference\nkd_divide_logits_by_temp: true\n',
    expect: [e('warning', 'cross-field', 'does not divide the logits by `temp`', [1, 26, 30], 'false')],
  },
  { name: 'KD keys with loss_type MMD', yaml: 'loss_type: MMD\ntemp: 2\n', expect: [e('information', 'cross-field', '`temp` only affects the KD term', [1, 0, 4])] },
  { name: 'MD keys with loss_type KL', yaml: 'loss_type: KL\naggregate: mean\n', expect: [e('information', 'cross-field', 'the manifold term', [1, 0, 9])] },
  { name: 'baseline equal to the method', yaml: 'method: magnitude\nbaselines: [magnitude]\n', expect: [e('warning', 'cross-field', 'already the `method`', [1, 12, 21])] },
  { name: 'baseline_counts without baselines', yaml: 'baseline_counts: per_layer\n', expect: [e('information', 'cross-field', 'only affects the `baselines`, and none are listed', [0, 0, 15])] },
  { name: 'unknown calibration sampling', yaml: 'calibration_sampling: firts\n', expect: [e('error', 'enum', 'one of random, first', [0, 22, 27], 'first')] },
  { name: 'scoring keys with a magnitude ranking', yaml: 'method: random\nmmd_tokens: 64\n', expect: [e('information', 'cross-field', 'with `method: random` (line 1) it has no effect', [1, 0, 10])] },
  { name: 'text key for a vision task', yaml: 'task_name: vision\nmax_seq_length: 128\n', expect: [e('warning', 'cross-field', 'only applies to text models', [1, 0, 14])] },
  {
    name: 'layernorm_before for a language task',
    yaml: 'task_name: language\nembedding_choice: layernorm_before\n',
    expect: [e('information', 'cross-field', 'have no layernorm_before (they normalise after each block)', [1, 18, 34], 'output_dense')],
  },
  { name: 'same data for calibration and evaluation', yaml: 'calibration_data: d.tsv\neval_data: d.tsv\n', expect: [e('information', 'cross-field', 'accuracy is optimistic', [1, 11, 16])] },

  // ---- missing paths ----
  { name: 'lint: paths are information', yaml: 'batch_size: 8\n', expect: [e('information', 'missing-key', 'Paths are needed to run it', [0, 0, 0])] },
  {
    name: 'run: model_name (a Hub id) without data names only the data',
    yaml: 'model_name: bert-base-uncased\n',
    mode: 'run',
    expect: [
      e('error', 'missing-key', '`calibration_data` is missing; set it to calibration data', [0, 0, 0]),
      e('error', 'missing-key', '`eval_data` is missing; set it to labelled evaluation data', [0, 0, 0]),
    ],
  },
  {
    name: 'run: dataset (a known name) without a model names only the model',
    yaml: 'seed: 0\ndataset: mnli\n',
    mode: 'run',
    expect: [
      e('error', 'missing-key', '`model_path` is missing; set it to the local Hugging Face checkpoint folder (config.json + model.safetensors), relative to this file, or name the Hub model in `model_name`', [0, 0, 0]),
    ],
  },
  { name: 'run: empty file', yaml: '', mode: 'run', expect: [e('error', 'not-a-config', 'The file is empty, so it is not an OPTIN config', [0, 0, 0])] },
  { name: 'run: a config without paths', yaml: 'mac_constraint: 0.5\n', mode: 'run', expect: [e('error', 'missing-key', '`model_path` is missing', [0, 0, 0])] },
  { name: 'run: empty model_path', yaml: 'model_path:\n', mode: 'run', expect: [e('error', 'missing-key', '`model_path` has no value', [0, 0, 10])] },
];

export function rangeOf(at: At) {
  return at.length === 3
    ? { start: { line: at[0], character: at[1] }, end: { line: at[0], character: at[2] } }
    : { start: { line: at[0], character: at[1] }, end: { line: at[2], character: at[3] } };
}

