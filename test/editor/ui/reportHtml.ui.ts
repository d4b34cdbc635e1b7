/**
 * report.html from a real run: `optin prune` on the bundled spam classifier writes the run
 * folder, then the static page is opened in its own browser tab (the workbench page stays as
 * it is) in light and dark, checked against report.json, and its exports are downloaded. A
 * second run is stopped during scoring: its page must still render and say "Cancelled".
 * Every test fails on a console error, a page error or a CSP violation.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Report } from '../../../src/run/report';
import { ROOT } from '../workspace';
import { prune, writeFixtureConfig } from './optinCli';
import { chartDrawn, download, openReport, pageScreenshot } from './staticPage';
import type { UiTest } from './workbench';

const OUT = path.join(ROOT, 'test-output', 'editor');
function writeConfig(dir: string): string {
  return writeFixtureConfig(path.join(dir, 'optin-report.yaml'), [
    'mac_constraint: [0.5, 0.7]', 'baselines: [magnitude]', 'calibration_size: 8', 'max_seq_length: 64', 'latency_runs: 3', 'device: cpu',
  ]);
}

export const tests: UiTest[] = [
  {
    name: 'optin prune writes report.html that renders the run in light and dark, with exports and no CSP violation',
    timeoutMs: 240_000,
    async run({ page, note }) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-report-ui-'));
      const runDir = path.join(dir, 'run');
      const result = await prune(writeConfig(dir), runDir);
      assert.strictEqual(result.code, 0, result.stderr);
      const html = path.join(runDir, 'report.html');
      assert.ok(result.stdout.includes(`report: ${html}`), result.stdout);
      const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
      note(`run ${report.status}: ${report.budgets.map((b) => `${b.budget} -> ${b.metric}`).join(', ')}`);

      for (const scheme of ['light', 'dark'] as const) {
        const { tab, problems } = await openReport(page, html, scheme);
        try {
          assert.strictEqual(await tab.evaluate(() => document.body.className), `vscode-${scheme}`);
          assert.ok((await tab.locator('h1').innerText()).includes(report.model.architecture));
          assert.strictEqual((await tab.locator('.status').innerText()).trim(), 'Complete');
          // The headline metric is the first budget's, formatted as in the CLI summary.
          const metric = `${(report.budgets[0].metric! * 100).toFixed(2)}%`;
          assert.strictEqual((await tab.locator('.stat-value').first().innerText()).trim(), metric);
          assert.ok((await tab.locator('.stats').innerText()).includes(`${report.budgets[0].heads} heads`));
          assert.ok(await chartDrawn(tab, 'head-importance'), 'heatmap: no pixels drawn on its canvas within 30 s');
          assert.ok(await chartDrawn(tab, 'tradeoff'), 'trade-off: no pixels drawn on its canvas within 30 s');
          assert.ok(await chartDrawn(tab, 'latency'), 'latency: no pixels drawn on its canvas within 30 s');
          assert.ok(await chartDrawn(tab, 'neuron-ranking'), 'neuron rankings: no pixels drawn on its canvas within 30 s');
          assert.ok((await tab.locator('pre[data-block="config"]').innerText()).includes('mac_constraint: [0.5, 0.7]'));
          await pageScreenshot(tab, `report-html-${scheme}`, note);
          if (scheme === 'light') {
            const csv = await download(tab, 'head-importance', 'CSV');
            assert.match(csv.name, /head-importance\.csv$/);
            assert.match(csv.text, /^layer,head,importance,kept_at_0\.5,kept_at_0\.7\r\n0,0,/);
            assert.strictEqual(csv.text.trim().split('\r\n').length, 1 + report.model.layers * report.model.heads);
            const svg = await download(tab, 'tradeoff', 'SVG');
            assert.match(svg.name, /tradeoff\.svg$/);
            assert.match(svg.text, /^<svg[\s\S]*<\/svg>$/);
            note(`downloads: ${csv.name} (${csv.text.length} B), ${svg.name} (${svg.text.length} B)`);
          }
          assert.deepStrictEqual(problems, []);
        } finally {
          await tab.close();
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 'a vision run with token merging: report.html shows tokens per layer, the Tokens column and the three trade-off curves',
    timeoutMs: 300_000,
    async run({ page, note }) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-report-tokens-ui-'));
      const runDir = path.join(dir, 'run');
      const vit = path.join(ROOT, 'fixtures', 'vit-mnist');
      const config = path.join(dir, 'optin-tokens.yaml');
      fs.writeFileSync(config, [
        `model_path: ${JSON.stringify(path.join(vit, 'model'))}`, `calibration_data: ${JSON.stringify(path.join(vit, 'data', 'calibration'))}`,
        `eval_data: ${JSON.stringify(path.join(vit, 'data', 'eval'))}`, 'output_dir: runs', 'method: magnitude', 'repair: none',
        'mac_constraint: [0.5, 0.7]', 'token_reduction: merge', 'calibration_size: 16', 'latency_runs: 3', 'device: cpu', '',
      ].join('\n'));
      const result = await prune(config, runDir);
      assert.strictEqual(result.code, 0, result.stderr);
      assert.match(result.stdout, /tokens 50→\d+, r per layer \[[\d, ]+\], tokens take [\d.]+% of the MAC cut \(lowest KL of \d splits\) \| tokens only [\d.]+% \([\d.]+ ms\), heads\/neurons only [\d.]+% \([\d.]+ ms\)/);
      const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
      const t = report.budgets[0].tokens!;
      note(`budget 0.5: r [${t.schedule}], tokens ${t.tokensPerLayer.join('→')}, share ${t.share}`);
      const { tab, problems } = await openReport(page, path.join(runDir, 'report.html'), 'dark');
      try {
        assert.ok(await chartDrawn(tab, 'neurons'), 'neurons/tokens per layer: no pixels drawn on its canvas within 30 s');
        assert.ok(await chartDrawn(tab, 'tradeoff'), 'trade-off: no pixels drawn on its canvas within 30 s');
        const card = tab.locator('.card', { has: tab.locator('[data-chart="neurons"]') });
        assert.match(await card.innerText(), /Neurons kept and tokens per layer[\s\S]*Tokens merge from 50 to \d+ \(r per layer [\d, ]+\)/);
        const table = await tab.locator('vscode-table').first().innerText();
        assert.match(table, /Tokens/);
        assert.ok(table.includes(`${t.tokensPerLayer[0]}→${t.tokensPerLayer.at(-1)}`), `the budgets table shows tokens 50→${t.tokensPerLayer.at(-1)}: ${table.slice(0, 400)}`);
        const csv = await download(tab, 'tradeoff', 'CSV');
        for (const series of ['tokens-only', 'units-only', 'magnitude']) assert.ok(csv.text.includes(`\r\n${series},0.5,`), `trade-off CSV has the ${series} curve at 0.5:\n${csv.text}`);
        await pageScreenshot(tab, 'report-html-tokens-dark', note);
        assert.deepStrictEqual(problems, []);
      } finally {
        await tab.close();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 'a run cancelled during scoring leaves a report.html that renders and says so',
    timeoutMs: 120_000,
    async run({ page, note }) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-report-ui-'));
      const runDir = path.join(dir, 'run');
      const result = await prune(writeConfig(dir), runDir, /» score/);
      assert.strictEqual(result.code, 130, result.stderr);
      const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
      assert.strictEqual(report.status, 'cancelled');
      const { tab, problems } = await openReport(page, path.join(runDir, 'report.html'), 'light');
      try {
        assert.strictEqual((await tab.locator('.status').innerText()).trim(), 'Cancelled');
        assert.ok((await tab.locator('.callout').innerText()).includes('cancelled by the user'));
        assert.ok((await tab.locator('.placeholder').first().innerText()).includes('no rankings'));
        await tab.screenshot({ path: path.join(OUT, 'report-html-cancelled.png'), fullPage: true });
        note(`cancelled at: ${report.phases.map((p) => `${p.name} ${p.status}`).join(', ')}`);
        assert.deepStrictEqual(problems, []);
      } finally {
        await tab.close();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  },
];
