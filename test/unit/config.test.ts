import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_KEYS, entryAt, formatDiagnostic, keySpec, resolveConfig, validateText } from '../../src/config';
import { ROOT } from '../helpers/tmp';
import { CASES, rangeOf } from '../helpers/badConfigs';

test(`the table has at least 40 bad configs (${CASES.length})`, () => {
  assert.ok(CASES.length >= 40);
});

for (const c of CASES) {
  test(`bad config: ${c.name}`, () => {
    const { diagnostics } = validateText(c.yaml, { mode: c.mode ?? 'lint' });
    const shown = diagnostics.map((d) => `  ${d.severity} ${d.code} ${JSON.stringify(d.range)} ${d.message}`).join('\n');
    for (const want of c.expect) {
      const found = diagnostics.find((d) => d.code === want.code && d.message.includes(want.fragment));
      assert.ok(found, `no ${want.code} diagnostic containing "${want.fragment}"; got:\n${shown}`);
      assert.equal(found.severity, want.severity, 'severity');
      assert.deepEqual(found.range, rangeOf(want.at), 'range');
      if (want.replacement !== undefined) assert.equal(found.data?.replacement, want.replacement, 'replacement');
    }
  });
}

test('every diagnostic of a key names that key', () => {
  for (const c of CASES) {
    for (const d of validateText(c.yaml, { mode: c.mode ?? 'lint' }).diagnostics) {
      if (d.key !== undefined && d.code !== 'missing-key') assert.ok(d.message.includes(d.key), `${c.name}: "${d.message}" does not name ${d.key}`);
    }
  }
});

test('an empty value is fixed by inserting the default right after the colon', () => {
  const [d] = validateText('batch_size:\n').diagnostics.filter((x) => x.code === 'empty-value');
  assert.deepEqual(d.data?.replaceRange, { start: { line: 0, character: 11 }, end: { line: 0, character: 11 } });
});

// The released mnli_bert.yaml, written from the key list in OPTIN.md (not copied): Python-style
// booleans, mixed quoting, and its comments.
const MNLI_BERT = `# Base Level
task_name: "language"
dataset: "mnli"
batch_size: 128
model_name: "bert-base-uncased"
loss_type: "MMD+KL"

# Specs
lambda_contribution: 10
mac_constraint: 0.6
fine_tune: False
seed: 0
logging: False
timer_batch_size: 32

embedding_choice: 'layernorm_before' # Expected
temp: 4
aggregate: 'sum'

head_include_fin_layer_mmd: True
head_fin_decay_bool: True
head_fin_decay_val: 0.5

neuron_include_fin_layer_mmd: True
neuron_fin_decay_bool: True
neuron_fin_decay_val: 0.5

head_metric_decay: 0.5
neuron_metric_decay: 1
distill_token: False
`;

const MNLI_VALUES = {
  task_name: 'language', dataset: 'mnli', batch_size: 128, model_name: 'bert-base-uncased', loss_type: 'MMD+KL',
  lambda_contribution: 10, mac_constraint: 0.6, fine_tune: false, seed: 0, logging: false, timer_batch_size: 32,
  embedding_choice: 'layernorm_before', temp: 4, aggregate: 'sum', head_include_fin_layer_mmd: true, head_fin_decay_bool: true,
  head_fin_decay_val: 0.5, neuron_include_fin_layer_mmd: true, neuron_fin_decay_bool: true, neuron_fin_decay_val: 0.5,
  head_metric_decay: 0.5, neuron_metric_decay: 1, distill_token: false,
};

function assertLintsLikeTheReleasedConfig(text: string): void {
  const v = validateText(text, { mode: 'lint' });
  const notInfo = v.diagnostics.filter((d) => d.severity !== 'information');
  assert.deepEqual(notInfo, [], 'only information diagnostics');
  assert.deepEqual(v.values, MNLI_VALUES);
  const codes = new Set(v.diagnostics.map((d) => d.code));
  // model_name and dataset name the checkpoint and the data: no path is missing.
  assert.deepEqual([...codes].sort(), ['cross-field', 'not-acted-on']);
}

test('the released mnli_bert.yaml (reconstructed) lints with information only', () => {
  assertLintsLikeTheReleasedConfig(MNLI_BERT);
  // Python-style booleans really are booleans under the YAML 1.2 core schema.
  assert.equal(validateText('fine_tune: True\nlogging: FALSE\n').values.logging, false);
  assert.equal(validateText('head_fin_decay_bool: False\n').values.head_fin_decay_bool, false);
});

const SHARED_MNLI = path.join(ROOT, '..', 'shared', 'reference-configs', 'mnli_bert.yaml');

test('the released mnli_bert.yaml itself lints with information only', { skip: !fs.existsSync(SHARED_MNLI) && 'reference config not present' }, () => {
  assertLintsLikeTheReleasedConfig(fs.readFileSync(SHARED_MNLI, 'utf8'));
});

test('the released mnli_bert.yaml runs by name; a dataset name we cannot resolve is an error at `dataset`', () => {
  assert.deepEqual(validateText(MNLI_BERT, { mode: 'run' }).diagnostics.filter((d) => d.severity === 'error'), []);
  const v = validateText(MNLI_BERT.replace('dataset: "mnli"', 'dataset: "my-mnli"'), { mode: 'run' });
  const errors = v.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.data?.insertKey), ['calibration_data', 'eval_data']);
  assert.deepEqual(errors.map((d) => d.range.start.line), [2, 2]);
  assert.match(errors[0].message, /`dataset` 'my-mnli' is neither a known dataset \(mnli, mnli-mm, .*\) nor a Hub dataset id \(org\/name\); set `calibration_data`/);
  assert.equal(formatDiagnostic(errors[0], 'mnli_bert.yaml').split(': error: ')[0], 'mnli_bert.yaml:3:1');
});

test('a valid config of ours resolves with defaults, derived defaults and absolute paths', () => {
  const text = [
    'model_path: models/bert',
    'calibration_data: data/train.tsv',
    'eval_data: ../shared/dev.tsv',
    'mac_constraint: [0.4, 0.5, 0.6]',
    'batch_size: 16',
    'compat: reference',
    'baselines: [magnitude, random]',
    'text_fields: [premise, hypothesis]',
    '',
  ].join('\n');
  const v = validateText(text, { mode: 'run' });
  assert.deepEqual(v.diagnostics, []);
  const dir = path.resolve('/work/project/configs');
  const c = resolveConfig(v.values, dir);
  assert.equal(c.model_path, path.join(dir, 'models', 'bert'));
  assert.equal(c.eval_data, path.resolve(dir, '..', 'shared', 'dev.tsv'));
  assert.equal(c.output_dir, path.join(dir, '.optin', 'runs'));
  assert.deepEqual(c.mac_constraint, [0.4, 0.5, 0.6]);
  assert.equal(c.calibration_size, 16, 'calibration_size defaults to batch_size');
  assert.equal(c.kd_divide_logits_by_temp, false, 'compat: reference implies logits not divided by T');
  assert.equal(c.loss_type, 'MMD+KL');
  assert.equal(c.lambda_contribution, 10);
  assert.equal(c.embedding_choice, 'auto');
  assert.equal(c.mmd_tokens, 768);
  assert.equal(c.device, 'auto');
  assert.equal(c.metric, undefined);
  assert.deepEqual(Object.keys(c).sort(), [...CONFIG_KEYS].sort());
  // Every key not set takes its table default.
  for (const k of CONFIG_KEYS) {
    const spec = keySpec(k);
    if (!(k in v.values) && spec.derivedDefault === undefined && spec.type !== 'path') assert.deepEqual(c[k], spec.default, k);
  }
  // An explicit value beats a derived default.
  const explicit = resolveConfig(validateText('compat: reference\nkd_divide_logits_by_temp: true\ncalibration_size: 3\n').values, dir);
  assert.equal(explicit.kd_divide_logits_by_temp, true);
  assert.equal(explicit.calibration_size, 3);
});

test('duplicate keys keep the first value for resolution', () => {
  const v = validateText('seed: 1\nseed: 2\n');
  assert.equal(v.values.seed, 1);
});

test('aliases resolve to their anchor and are checked at the alias', () => {
  const v = validateText('batch_size: &b 64\ncalibration_size: *b\nseed: &s x\nthreads: *s\n');
  assert.equal(v.values.calibration_size, 64);
  const bad = v.diagnostics.filter((d) => d.key === 'threads');
  assert.deepEqual(bad.map((d) => d.range), [{ start: { line: 3, character: 9 }, end: { line: 3, character: 11 } }]);
});

test('entries damaged by a syntax error are not validated further', () => {
  const v = validateText('batch_size: 0\nseed: [1, 2\n');
  assert.ok(v.diagnostics.some((d) => d.code === 'yaml-syntax'));
  assert.ok(v.diagnostics.some((d) => d.code === 'out-of-range' && d.key === 'batch_size'));
  assert.ok(!v.diagnostics.some((d) => d.key === 'seed' && d.code !== 'yaml-syntax'));
});

test('entryAt finds the key or value under a position (hovers, completions)', () => {
  const v = validateText('seed: 1\nloss_type: KL\n');
  assert.equal(entryAt(v.parsed, { line: 1, character: 3 })?.on, 'key');
  const hit = entryAt(v.parsed, { line: 1, character: 12 });
  assert.equal(hit?.entry.key, 'loss_type');
  assert.equal(hit?.on, 'value');
  assert.equal(entryAt(v.parsed, { line: 5, character: 0 }), undefined);
});

test('formatDiagnostic prints 1-based line and column', () => {
  const [d] = validateText('seed: 1\nbatch_size: 0\n').diagnostics.filter((x) => x.severity === 'error');
  assert.equal(formatDiagnostic(d, 'cfg.yaml'), 'cfg.yaml:2:13: error: `batch_size` must be an integer ≥ 1, got 0.');
});

test('a 200-line config validates quickly', () => {
  const lines = [MNLI_BERT.replace('mac_constraint: 0.6\n', '').trimEnd(), 'model_path: m', 'calibration_data: c.tsv', 'eval_data: e.tsv', 'mac_constraint:'];
  while (lines.join('\n').split('\n').length < 196) lines.push(`  - ${(0.1 + ((lines.length % 9) / 10)).toFixed(2)}  # budget`);
  lines.push('# comment', 'baselines: [magnitude, random]', 'compat: none', 'device: cpu');
  const text = lines.join('\n') + '\n';
  const count = text.split('\n').length - 1;
  assert.ok(count >= 200, `${count} lines`);
  for (let i = 0; i < 5; i++) validateText(text); // warm-up (module init, JIT)
  const runs = 20;
  const t0 = process.hrtime.bigint();
  let v;
  for (let i = 0; i < runs; i++) v = validateText(text, { mode: 'run' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  console.log(`  validate ${count}-line config: ${ms.toFixed(2)} ms per call (mean of ${runs})`);
  const errors = v?.diagnostics.filter((d) => d.severity === 'error') ?? [];
  assert.deepEqual(errors, []);
});
