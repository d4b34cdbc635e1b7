/**
 * Comparing runs (src/run/compare.ts): which keys differ, budgets aligned across runs, heads
 * whose kept/pruned status differs, and reading run folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { alignBudgets, compareRuns, configKeys, diffRuns, flatten, headStatusDiff, loadComparison, runLabels } from '../../src/run/compare';
import { compareSummary } from '../../src/cli/compare';
import type { BudgetResult, Report } from '../../src/run/report';
import type { PanelData } from '../../src/run/runData';
import { tmpDir } from '../helpers/tmp';

function budget(b: number, keptHeads: number[][], metric = 0.9): BudgetResult {
  return {
    budget: b, macs: b * 1000, macFraction: b, heads: keptHeads.flat().length, neurons: 10,
    perLayer: keptHeads.map((heads, layer) => ({ layer, heads, neurons: 5, headsTotal: 2, neuronsTotal: 8 })),
    file: `pruned-${b}.onnx`, fileBytes: 100, parameters: 50, metric, baselines: [],
  };
}

function report(runDir: string, over: Partial<Report> = {}): Report {
  return {
    schema: 'optin-report', version: 1, status: 'complete',
    tool: { name: 'optin-vscode', version: '0.1.0' }, createdAt: new Date().toISOString(), runDir, method: 'optin',
    device: { requested: 'cpu', used: 'cpu', notes: ['cpu requested'] },
    model: { dir: '/models/bert', family: 'bert', architecture: 'BertForSequenceClassification', layers: 2, heads: 2, hidden: 8, intermediate: 8, labels: ['a', 'b'], parameters: 1000 },
    data: { calibration: { path: '/d/cal.tsv', examples: 8, paddedLength: 16, realTokens: 100 }, eval: { path: '/d/eval.tsv', examples: 20, meanSequenceLength: 10 } },
    metric: 'accuracy',
    budgets: [budget(0.5, [[0], [1]]), budget(0.7, [[0, 1], [1]])],
    phases: [], peakRssBytes: 1,
    ...over,
  };
}

const CONFIG_A = 'model_path: model\nmac_constraint: [0.5, 0.7]\nlambda_contribution: 1\ncalibration_size: 8\ndevice: cpu\n';
const CONFIG_B = 'model_path: model\nmac_constraint: [0.5, 0.7]\nlambda_contribution: 10\ncalibration_size: 8\ndevice: cpu\nfast_scoring: false\nmethod: magnitude\n';

test('flatten: nested mappings become dotted keys, arrays and scalars are leaves, skipped keys stay out', () => {
  const flat = flatten({ a: 1, b: { c: 'x', d: { e: [1, 2] } }, f: [], g: {}, h: undefined }, new Set(['b.c']));
  assert.deepEqual([...flat], [['a', '1'], ['b.d.e', '[1,2]'], ['f', '[]'], ['g', '{}']]);
  assert.deepEqual([...configKeys('a: [1\n')], [], 'broken YAML gives no keys, not an error');
  assert.deepEqual([...configKeys('- just\n- a list\n')], []);
});

test('diffRuns lists only differing config keys and run settings, and always the model and data fingerprints', () => {
  const rows = diffRuns([
    { report: report('/r/a'), configText: CONFIG_A },
    // A field report.json does not have today still compares (the report is read generically).
    { report: { ...report('/r/b', { method: 'magnitude' }), futureField: { fast: false, repair: true } } as unknown as Report, configText: CONFIG_B },
  ]);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  assert.deepEqual(byKey.get('lambda_contribution')?.values, ['1', '10']);
  assert.deepEqual(byKey.get('fast_scoring')?.values, [undefined, 'false'], 'a key only one config sets');
  assert.equal(byKey.get('fast_scoring')?.group, 'config');
  assert.deepEqual(byKey.get('method'), { group: 'run', key: 'method', values: ['optin', 'magnitude'], differs: true });
  assert.equal(rows.filter((r) => r.key === 'method').length, 1, 'a key in config.yaml and report.json shows once, with the value in effect');
  assert.deepEqual(byKey.get('futureField.fast')?.values, [undefined, 'false']);
  assert.deepEqual(byKey.get('futureField.repair')?.values, [undefined, 'true']);
  for (const same of ['model_path', 'mac_constraint', 'calibration_size', 'device', 'device.requested', 'createdAt', 'budgets', 'device.notes']) assert.ok(!byKey.has(same), same);
  // Same model and data: listed, marked the same; the model folder only when it differs.
  assert.equal(byKey.get('model')?.differs, false);
  assert.match(byKey.get('model')!.values[0]!, /BertForSequenceClassification 2×2 heads, hidden 8, FFN 8, 1,000 parameters/);
  assert.equal(byKey.get('calibration data')?.differs, false);
  assert.equal(byKey.get('eval data')?.differs, false);
  assert.ok(!byKey.has('model folder'));
});

test('diffRuns: a different model shows in the fingerprint rows; the same model in another folder shows the folder only', () => {
  const other = report('/r/b', { model: { ...report('/r/b').model, dir: '/models/vit', architecture: 'ViTForImageClassification', layers: 4 } });
  const rows = diffRuns([{ report: report('/r/a') }, { report: other }]);
  assert.equal(rows.find((r) => r.key === 'model')?.differs, true);
  assert.deepEqual(rows.find((r) => r.key === 'model folder')?.values, ['/models/bert', '/models/vit']);
  const moved = diffRuns([{ report: report('/r/a') }, { report: report('/r/b', { model: { ...report('/r/b').model, dir: '/copy/bert' } }) }]);
  assert.equal(moved.find((r) => r.key === 'model')?.differs, false);
  assert.equal(moved.find((r) => r.key === 'model folder')?.differs, true);
});

test('alignBudgets: the union of budgets, ascending, with a gap where a run did not search one', () => {
  const a = report('/r/a', { budgets: [budget(0.7, [[0], [0]]), budget(0.5, [[0], [0]])] });
  const b = report('/r/b', { budgets: [budget(0.6, [[0], [0]]), budget(0.5 + 1e-12, [[0], [0]])] });
  const aligned = alignBudgets([a, b]);
  assert.deepEqual(aligned.map((x) => x.budget), [0.5, 0.6, 0.7]);
  assert.deepEqual(aligned.map((x) => x.results.map((r) => r?.budget)), [[0.5, 0.5 + 1e-12], [undefined, 0.6], [0.7, undefined]]);
  assert.deepEqual(alignBudgets([report('/r/c', { budgets: [] }), report('/r/d', { budgets: [] })]), []);
});

test('headStatusDiff: the heads kept in one run and pruned in another, ignoring runs without the budget', () => {
  const aligned = alignBudgets([
    report('/r/a', { budgets: [budget(0.5, [[0, 1], [1]])] }),
    report('/r/b', { budgets: [budget(0.5, [[0], [1]])] }),
    report('/r/c', { budgets: [budget(0.6, [[0], []])] }),
  ]);
  const d = headStatusDiff(aligned[0], 2, 2);
  assert.deepEqual(d, { budget: 0.5, heads: [{ layer: 0, head: 1, kept: [true, false, undefined] }] });
  // A budget only one run has: nothing to differ from.
  assert.deepEqual(headStatusDiff(aligned[1], 2, 2).heads, []);
});

test('compareRuns: heatmap diffs only for the same model; labels tell same-named folders apart', () => {
  assert.deepEqual(runLabels(['/x/runs/a', '/y/runs/a', '/x/runs/b']), ['runs/a', 'runs/a', 'b']);
  assert.deepEqual(runLabels(['/x/one/run', '/x/two/run']), ['one/run', 'two/run']);
  const data = (r: Report): PanelData => ({ report: r, headScores: [[1, 2], [3, 4]], neuronScores: [[1]], logTail: ['x'] });
  const c = compareRuns([data(report('/r/a')), data(report('/r/b', { budgets: [budget(0.5, [[0], [0]])] }))]);
  assert.equal(c.schema, 'optin-compare');
  assert.equal(c.sameModel, true);
  assert.deepEqual(c.headDiffs.map((d) => [d.budget, d.heads.map((h) => `${h.layer}.${h.head}`)]), [[0.5, ['1.0', '1.1']], [0.7, []]]);
  assert.ok(!('neuronScores' in c.runs[0]) && !('logTail' in c.runs[0]), 'neuron scores and logs are not carried');
  const vit = report('/r/v', { model: { ...report('/r/v').model, architecture: 'ViTForImageClassification' } });
  const mixed = compareRuns([data(report('/r/a')), data(vit)]);
  assert.equal(mixed.sameModel, false);
  assert.deepEqual(mixed.headDiffs, []);
  const text = compareSummary(mixed);
  assert.match(text, /^comparing 2 runs of DIFFERENT models\n/);
  assert.match(text, /not compared: the runs are of different models/);
  assert.match(compareSummary(c), /50%: 2 — L1H0 \(#1 pruned, #2 kept\); L1H1 \(#1 kept, #2 pruned\)/);
});

test('loadComparison reads run folders and names a folder without report.json and what it expects', () => {
  const dir = tmpDir();
  for (const [name, cfg] of [['a', CONFIG_A], ['b', CONFIG_B]]) {
    fs.mkdirSync(path.join(dir, name));
    // report.json says where the run was written; the folder may have moved since.
    fs.writeFileSync(path.join(dir, name, 'report.json'), JSON.stringify(report(`/elsewhere/${name}`)));
    fs.writeFileSync(path.join(dir, name, 'config.yaml'), cfg);
  }
  const c = loadComparison([path.join(dir, 'a'), path.join(dir, 'b')]);
  assert.deepEqual(c.runs.map((r) => r.runDir), [path.join(dir, 'a'), path.join(dir, 'b')]);
  assert.deepEqual(c.runs.map((r) => r.label), ['a', 'b']);
  assert.deepEqual(c.differences.filter((d) => d.differs).map((d) => d.key), ['lambda_contribution', 'fast_scoring']);
  fs.mkdirSync(path.join(dir, 'empty'));
  assert.throws(() => loadComparison([path.join(dir, 'a'), path.join(dir, 'empty')]), (e: Error) => {
    assert.match(e.message, new RegExp(`^${path.join(dir, 'empty').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no readable report\\.json; compare expects run folders`));
    return true;
  });
});
