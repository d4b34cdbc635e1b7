import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import {
  CONFIG_KEYS,
  configDocsMarkdown,
  configJsonSchema,
  configJsonSchemaText,
  DERIVED_DEFAULTS,
  DIAGNOSTIC_CODES,
  keyHoverMarkdown,
  keySpec,
  validateText,
} from '../../src/config';
import { METRICS } from '../../src/eval/metrics';
import { SUPPORTED_MODEL_TYPES } from '../../src/model';
import { DEVICES } from '../../src/runtime/session';
import { ROOT } from '../helpers/tmp';

const REGENERATE = 'run: npx tsx scripts/gen-config-docs.ts';

test('schemas/optin-config.schema.json is the one generated from the key table', () => {
  const file = path.join(ROOT, 'schemas', 'optin-config.schema.json');
  assert.ok(fs.existsSync(file), `${file} is missing; ${REGENERATE}`);
  assert.equal(fs.readFileSync(file, 'utf8'), configJsonSchemaText(), `the committed JSON Schema is out of date; ${REGENERATE}`);
});

test('docs/config.md is the one generated from the key table', () => {
  const file = path.join(ROOT, 'docs', 'config.md');
  assert.ok(fs.existsSync(file), `${file} is missing; ${REGENERATE}`);
  assert.equal(fs.readFileSync(file, 'utf8'), configDocsMarkdown(), `docs/config.md is out of date; ${REGENERATE}`);
  for (const k of CONFIG_KEYS) assert.ok(configDocsMarkdown().includes(`| \`${k}\` |`), k);
  for (const code of Object.keys(DIAGNOSTIC_CODES)) assert.ok(configDocsMarkdown().includes(`| \`${code}\` |`), code);
});

function ajvValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword('markdownDescription'); // Red Hat YAML's extension for hover text
  return ajv.compile(configJsonSchema());
}

// Configs that the validator and the JSON Schema must both accept, and both reject.
const GOOD = [
  'task_name: "language"\nbatch_size: 128\nfine_tune: False\nloss_type: "MMD+KL"\naggregate: \'sum\'\nhead_fin_decay_bool: True\n',
  'model_path: m\ncalibration_data: c.tsv\neval_data: e.tsv\nmac_constraint: [0.4, 0.5, 1]\nbaselines: [random]\ntext_fields: [a, b]\nthreads: 0\n',
  'mac_constraint: 0.25\nembedding_choice: auto\nmetric: matthews\ndevice: webgpu\nlatency_runs: 5\nmax_seq_length: 128\n',
];
const BAD = [
  'batch_size: "128"\n',
  'batch_size: 0\n',
  'batch_size: 12.5\n',
  'mac_constraint: 60\n',
  'mac_constraint: 0\n',
  'mac_constraint: [0.4, 50]\n',
  'mac_constraint: []\n',
  'loss_type: mmd+kl\n',
  'fine_tune: yes\n',
  'fine_tune: "True"\n',
  'mac_constrant: 0.5\n',
  'text_fields: sentence\n',
  'text_fields: [a, b, c]\n',
  'baselines: [gradient]\n',
  'head_fin_decay_val: 1.5\n',
  'lambda_contribution: 0\n',
  'seed: -1\n',
  'model_path: ""\n',
  'device:\n  name: cuda\n',
];

test('the JSON Schema is valid draft-07 and agrees with the validator on good and bad configs', () => {
  const validate = ajvValidator();
  for (const text of GOOD) {
    assert.ok(validate(parseYaml(text)), `schema rejects:\n${text}${JSON.stringify(validate.errors)}`);
    assert.deepEqual(validateText(text).diagnostics.filter((d) => d.severity === 'error'), [], text);
  }
  for (const text of BAD) {
    assert.equal(validate(parseYaml(text)), false, `schema accepts:\n${text}`);
    assert.ok(validateText(text).diagnostics.some((d) => d.severity === 'error'), `validator accepts:\n${text}`);
  }
});

test('the released mnli_bert.yaml satisfies the JSON Schema', () => {
  const file = path.join(ROOT, '..', 'shared', 'reference-configs', 'mnli_bert.yaml');
  if (!fs.existsSync(file)) return;
  const validate = ajvValidator();
  assert.ok(validate(parseYaml(fs.readFileSync(file, 'utf8'))), JSON.stringify(validate.errors));
});

/** A default written back as YAML, as a user would write it. */
function yamlOf(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

test('the key table is consistent: defaults valid, enums listed, derived defaults implemented, docs present', () => {
  for (const key of CONFIG_KEYS) {
    const spec = keySpec(key);
    assert.ok(spec.doc.length > 20, `${key}: doc`);
    assert.equal(spec.acted, spec.notActed === undefined, `${key}: notActed says why exactly when acted is false`);
    if (spec.type === 'enum' || spec.type === 'enum-list') assert.ok(spec.values && spec.values.length > 0, `${key}: values`);
    if (spec.default !== undefined && spec.type !== 'path') {
      const v = validateText(`${key}: ${yamlOf(spec.default)}\n`);
      assert.deepEqual(v.diagnostics.filter((d) => d.key === key && d.severity !== 'information'), [], `${key}: default ${yamlOf(spec.default)} fails its own checks`);
      assert.deepEqual(v.values[key], spec.default, `${key}: default round-trips`);
    }
    assert.equal(spec.derivedDefault !== undefined, DERIVED_DEFAULTS[key] !== undefined, `${key}: derivedDefault <-> DERIVED_DEFAULTS`);
    if (spec.requiredToRun) assert.equal(spec.type, 'path', `${key}: only paths are required to run`);
    if (spec.replaces) assert.ok((CONFIG_KEYS as string[]).includes(spec.replaces), `${key}: replaces ${spec.replaces}`);
    if (spec.pathKind) assert.equal(spec.type, 'path', key);
  }
});

test('aliases do not collide with keys or with each other', () => {
  const seen = new Map<string, string>();
  for (const key of CONFIG_KEYS) {
    for (const alias of keySpec(key).aliases ?? []) {
      assert.ok(!(CONFIG_KEYS as string[]).includes(alias), `${key}: alias ${alias} is a key`);
      assert.ok(!seen.has(alias), `${alias} is an alias of ${seen.get(alias)} and ${key}`);
      seen.set(alias, key);
    }
  }
});

test('enum values match the modules that act on them', () => {
  assert.deepEqual([...(keySpec('metric').values ?? [])], [...METRICS]);
  assert.deepEqual([...(keySpec('device').values ?? [])].sort(), [...DEVICES].sort());
  assert.deepEqual([...SUPPORTED_MODEL_TYPES].sort(), ['bert', 'camembert', 'deberta-v2', 'deit', 'distilbert', 'electra', 'modernbert', 'roberta', 'vit', 'xlm-roberta']);
});

test('the released config keys are all in the table, marked original', () => {
  const released = [
    'task_name', 'dataset', 'batch_size', 'model_name', 'loss_type', 'lambda_contribution', 'mac_constraint', 'fine_tune', 'seed',
    'logging', 'timer_batch_size', 'embedding_choice', 'temp', 'aggregate', 'head_include_fin_layer_mmd', 'head_fin_decay_bool',
    'head_fin_decay_val', 'neuron_include_fin_layer_mmd', 'neuron_fin_decay_bool', 'neuron_fin_decay_val', 'head_metric_decay',
    'neuron_metric_decay', 'distill_token',
  ];
  assert.deepEqual(CONFIG_KEYS.filter((k) => keySpec(k).origin === 'original'), released);
});

test('hovers give the type, the default and whether a key is acted on', () => {
  const hover = keyHoverMarkdown('mac_constraint');
  assert.match(hover, /^\*\*mac_constraint\*\*: a number in \(0, 1\] or a non-empty list of such numbers · default `0\.6`/);
  assert.match(hover, /FLOP budget/);
  assert.match(keyHoverMarkdown('logging'), /Accepted, not acted on/);
  assert.match(keyHoverMarkdown('calibration_size'), /default `batch_size`/);
  assert.match(keyHoverMarkdown('metric'), /when absent: accuracy/);
});

test('no config module imports vscode (the core runs headless)', () => {
  const dir = path.join(ROOT, 'src', 'config');
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    assert.ok(!/from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(text), `${f} imports vscode`);
  }
});
