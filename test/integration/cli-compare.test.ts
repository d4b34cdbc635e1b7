/** `optin compare` on real run folders written by `optin prune` (small synthetic BERTs, real ONNX Runtime). */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Comparison } from '../../src/run/compare';
import { textProject } from '../helpers/projects';
import { ROOT, tmpDir } from '../helpers/tmp';

const BIN = path.join(ROOT, 'bin', 'optin.js');

function optin(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

/** One run of a project: `extra` config lines on top of a fast base config. */
function run(dir: string, name: string, extra: string[]): string {
  const cfg = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(cfg, [
    'model_path: model', 'calibration_data: data/calibration.tsv', 'eval_data: data/eval.tsv', 'output_dir: runs',
    'mmd_tokens: 40', 'timer_batch_size: 4', 'latency_runs: 3', 'device: cpu', 'baselines: [magnitude]', ...extra,
  ].join('\n') + '\n');
  const runDir = path.join(dir, 'runs', name);
  const r = optin('prune', cfg, '--run-dir', runDir, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  return runDir;
}

const runs: { a: string; b: string; other: string } = { a: '', b: '', other: '' };
// Made at the top level: a tmpDir made inside a hook is removed when that hook's scope ends.
const dir = tmpDir();
const dir2 = tmpDir();

before(() => {
  textProject(dir, { layers: 2, heads: 4, hidden: 16, intermediate: 32 });
  runs.a = run(dir, 'lambda-1', ['lambda_contribution: 1', 'calibration_size: 8', 'mac_constraint: [0.4, 0.6]']);
  runs.b = run(dir, 'lambda-10', ['lambda_contribution: 10', 'calibration_size: 12', 'mac_constraint: [0.4, 0.8]', 'method: magnitude']);
  // Another model: one more layer.
  textProject(dir2, { layers: 3, heads: 4, hidden: 16, intermediate: 32 });
  runs.other = run(dir2, 'other-model', ['lambda_contribution: 1', 'calibration_size: 8', 'mac_constraint: [0.4, 0.6]']);
});

test('optin compare prints what differs, the budgets side by side and the heads whose status differs', () => {
  const r = optin('compare', runs.a, runs.b);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^comparing 2 runs of the same model\n {2}#1 +lambda-1 +complete +optin +\//);
  assert.match(r.stdout, /\n {2}#2 +lambda-10 +complete +magnitude +\//);
  assert.match(r.stdout, /\n {2}lambda_contribution +1 +10\n/);
  assert.match(r.stdout, /\n {2}calibration_size +8 +12\n/);
  // Set in one config only: the row shows the value in effect (report.json), once.
  assert.equal(r.stdout.match(/\n {2}method /g)?.length, 1, 'one method row');
  assert.match(r.stdout, /\n {2}method +optin +magnitude\n/);
  assert.match(r.stdout, /\n {2}model \(same\) +BertForSequenceClassification 2×4 heads/);
  assert.doesNotMatch(r.stdout, /\n {2}(model_path|device|output_dir) /, 'keys that are the same are not listed');
  // 40% in both, 60% only in the first, 80% only in the second.
  // (MACs kept land near the budget: heads and neurons come in whole units.)
  assert.match(r.stdout, /\n {2}40% +\S+% · (39|40)\.\d% · [\d.]+ ms \([\d.]+×\) +\S+% · (39|40)\.\d% · /);
  assert.match(r.stdout, /\n {2}60% +\S+% · (59|60)\.\d% · [\d.]+ ms \([\d.]+×\) +—\n/);
  assert.match(r.stdout, /\n {2}80% +— +\S+% · (79|80)\.\d% · /);
  assert.match(r.stdout, /heads whose kept\/pruned status differs:\n {2}40%: (none|\d+ — L\d+H\d+ \(#1 (kept|pruned), #2 (kept|pruned)\))/);
  assert.match(r.stdout, /\n {2}60%: none\n {2}80%: none\n$/, 'a budget only one run has cannot differ');
});

test('optin compare --json: the comparison as data, budgets aligned, head diffs that agree with the masks', () => {
  const r = optin('compare', runs.a, runs.b, '--json');
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout) as Comparison;
  assert.equal(c.schema, 'optin-compare');
  assert.deepEqual(c.runs.map((x) => x.label), ['lambda-1', 'lambda-10']);
  assert.deepEqual(c.budgets.map((b) => [b.budget, b.results.map((x) => x?.budget ?? null)]), [[0.4, [0.4, 0.4]], [0.6, [0.6, null]], [0.8, [null, 0.8]]]);
  const masks = [runs.a, runs.b].map((d) => JSON.parse(fs.readFileSync(path.join(d, 'report.json'), 'utf8')).budgets[0].perLayer as Array<{ heads: number[] }>);
  const expected = [];
  for (let layer = 0; layer < 2; layer++) {
    for (let head = 0; head < 4; head++) {
      const kept = masks.map((m) => m[layer].heads.includes(head));
      if (kept[0] !== kept[1]) expected.push({ layer, head, kept });
    }
  }
  assert.deepEqual(c.headDiffs[0].heads, expected);
  assert.ok(c.runs.every((x) => x.headScores?.length === 2), 'head scores travel for the heatmaps');
});

test('optin compare --html writes a self-contained page with the comparison inlined under the report CSP', () => {
  const file = path.join(dir, 'compare.html');
  const r = optin('compare', runs.a, runs.b, runs.other, '--html', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^comparing 3 runs of DIFFERENT models\n/);
  assert.match(r.stdout, /not compared: the runs are of different models/);
  assert.ok(r.stdout.endsWith(`compare page: ${file}\n`), r.stdout);
  const html = fs.readFileSync(file, 'utf8');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  assert.match(csp, /^default-src 'none'; script-src 'nonce-[^']+'; style-src 'nonce-[^']+'; img-src data: blob:; font-src 'none'$/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link /, 'nothing is loaded from outside the file');
  const json = /<script type="application\/json" id="optin-data" nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1];
  const c = JSON.parse(json!) as Comparison;
  assert.equal(c.schema, 'optin-compare');
  assert.equal(c.sameModel, false);
  assert.deepEqual(c.headDiffs, []);
  assert.equal(c.differences.find((d) => d.key === 'model')?.differs, true);
});

const empty = tmpDir();

test('optin compare: a folder without report.json names it (exit 1); fewer than two runs is a usage error (exit 2); --help', () => {
  const bad = optin('compare', runs.a, empty);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, `optin: error: ${empty}: no readable report.json; compare expects run folders written by \`optin prune\` or the editor (each holds report.json).\n`);
  const one = optin('compare', runs.a);
  assert.equal(one.status, 2);
  assert.match(one.stderr, /^optin: compare takes at least two RUN_DIRs \(got 1\)\.\nRun `optin compare --help` for usage\.\n$/);
  const unknown = optin('compare', runs.a, runs.b, '--htm', 'x');
  assert.equal(unknown.status, 2);
  const help = optin('compare', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^optin compare RUN_DIR RUN_DIR\.\.\. \[options\]/);
  assert.match(help.stdout, /--html FILE/);
  assert.match(optin('--help').stdout, /optin compare RUN_DIR RUN_DIR\.\.\. \[options\] compare runs side by side/);
});
