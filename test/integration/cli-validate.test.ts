import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tmpDir } from '../helpers/tmp';

const BIN = path.join(ROOT, 'bin', 'optin.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'validate', ...args], { encoding: 'utf8' });

test('optin validate: a good config exits 0; errors print file:line:col and exit 1', () => {
  const ok = run(path.join(ROOT, 'examples', 'bert-spam.yaml'));
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.equal(ok.stdout, '');
  const dir = tmpDir();
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, 'seed: 1\nmac_constraint: 60\nlos_type: KL\n');
  const r = run(bad, '--no-disk');
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:17: error: .*did you mean 0\\.6`));
  assert.match(r.stdout, /bad\.yaml:3:1: error: Unknown key `los_type`; did you mean `loss_type`\?/);
});

test('optin validate --json: 1-based ranges, severity, code', () => {
  const dir = tmpDir();
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, 'model_path: nowhere\nmac_constraint: 60\n');
  const r = run(bad, '--json');
  assert.equal(r.status, 1);
  const list = JSON.parse(r.stdout) as Array<{ file: string; range: { start: { line: number; col: number }; end: { line: number; col: number } }; severity: string; code: string; message: string }>;
  const budget = list.find((d) => d.code === 'out-of-range')!;
  assert.deepEqual(budget.range, { start: { line: 2, col: 17 }, end: { line: 2, col: 19 } });
  assert.equal(budget.file, bad);
  const missing = list.find((d) => d.message.includes('nowhere'));
  assert.ok(missing && missing.severity === 'error', 'disk checks run without --no-disk');
  const noDisk = JSON.parse(run(bad, '--json', '--no-disk').stdout) as Array<{ message: string }>;
  assert.ok(!noDisk.some((d) => d.message.includes('nowhere')));
});

test('the released mnli_bert.yaml validates: information, and a warning that bert-base-uncased has no trained classifier', { skip: !fs.existsSync(path.join(ROOT, '..', 'shared', 'reference-configs', 'mnli_bert.yaml')) }, () => {
  const r = run(path.join(ROOT, '..', 'shared', 'reference-configs', 'mnli_bert.yaml'), '--json');
  assert.equal(r.status, 0);
  const list = JSON.parse(r.stdout) as Array<{ severity: string; code: string; message: string }>;
  const warnings = list.filter((d) => d.severity !== 'information');
  assert.deepEqual(warnings.map((d) => [d.severity, d.code]), [['warning', 'hub-name']]);
  assert.match(warnings[0].message, /`model_name` bert-base-uncased is a pretrained base model checkpoint, not a fine-tuned classifier.*Set `model_name` to a checkpoint fine-tuned on your dataset/);
  // The dataset name is information: a run downloads mnli's Parquet files (the tests' cache is empty).
  assert.ok(list.some((d) => d.code === 'not-downloaded' && /`dataset` nyu-mll\/glue \(mnli\)@main/.test(d.message)), JSON.stringify(list));
});

test('optin validate over the whole bad-config table: same codes, severities and (1-based) ranges as the editor', async () => {
  const { CASES, rangeOf } = await import('../helpers/badConfigs');
  const dir = tmpDir();
  const lint = CASES.filter((c) => (c.mode ?? 'lint') === 'lint');
  assert.ok(lint.length >= 40, `${lint.length} lint-mode cases`);
  const files = lint.map((c, i) => {
    const f = path.join(dir, `case-${i}.yaml`);
    fs.writeFileSync(f, c.yaml);
    return f;
  });
  const r = run(...files, '--json', '--no-disk');
  assert.equal(r.status, lint.some((c) => c.expect.some((e) => e.severity === 'error')) ? 1 : 0);
  const all = JSON.parse(r.stdout) as Array<{ file: string; range: { start: { line: number; col: number }; end: { line: number; col: number } }; severity: string; code: string; message: string }>;
  lint.forEach((c, i) => {
    const mine = all.filter((d) => d.file === files[i]);
    for (const want of c.expect) {
      const found = mine.find((d) => d.code === want.code && d.message.includes(want.fragment));
      assert.ok(found, `${c.name}: no ${want.code} containing "${want.fragment}"`);
      assert.equal(found.severity, want.severity, c.name);
      const lsp = rangeOf(want.at);
      assert.deepEqual(found.range, { start: { line: lsp.start.line + 1, col: lsp.start.character + 1 }, end: { line: lsp.end.line + 1, col: lsp.end.character + 1 } }, c.name);
    }
  });
  console.log(`optin validate: ${lint.length} bad configs checked in one call`);
});
