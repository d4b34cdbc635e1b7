/**
 * Comparing runs: two real `optin prune` runs of the bundled spam classifier that differ in λ
 * and calibration size, written into the workspace's run folder. `optin compare --html` writes
 * a static page (checked in light and dark, with its exports); in the editor the two runs are
 * selected in the Runs view and compared from its context menu, then "Compare with…" adds a
 * third, the panel removes it, follows a run written by someone else, and survives a reload.
 * Screenshots in test-output/editor/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { loadComparison, type Comparison } from '../../../src/run/compare';
import type { Report } from '../../../src/run/report';
import { optin, prune, writeFixtureConfig } from './optinCli';
import { chartDrawn, download, openReport, pageScreenshot } from './staticPage';
import { clearNotifications, closeQuickInput, notificationToasts, quickInputRow, resultsFrame, runCommand, setTheme, typeUntilRow, type UiTest } from './workbench';

const QUICK_INPUT = '.quick-input-widget';
/** Folder names in the Runs view; neither is a substring of the other (rows are found by text). */
const RUN_A = 'cmp-a-lambda1';
const RUN_B = 'cmp-b-lambda10';
const RUN_C = 'cmp-c-copy';

/** Run folders the tests share (made by the first test). */
const made: { a?: string; b?: string } = {};

function writeConfig(dir: string, name: string, lambda: number, calibrationSize: number, budgets: string): string {
  return writeFixtureConfig(path.join(dir, `${name}.yaml`), [
    // 30% prunes heads, so the heatmaps have something to differ in; the other budget differs so
    // that neither run's curve can hide the other's entirely.
    `mac_constraint: ${budgets}`,
    'baselines: [magnitude]',
    `calibration_size: ${calibrationSize}`,
    `lambda_contribution: ${lambda}`,
    'max_seq_length: 64',
    'latency_runs: 3',
    'device: cpu',
  ]);
}

/** The two runs, in the folder the workspace's example config writes to (so the Runs view lists them). */
async function makeRuns(workspace: string, note: (m: string) => void): Promise<{ a: string; b: string }> {
  if (made.a && made.b) return { a: made.a, b: made.b };
  const configs = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-compare-ui-'));
  const runs = path.join(workspace, 'ui-runs');
  const a = path.join(runs, RUN_A);
  const b = path.join(runs, RUN_B);
  for (const [dir, cfg] of [[a, writeConfig(configs, 'a', 1, 8, '[0.3, 0.5]')], [b, writeConfig(configs, 'b', 10, 12, '[0.3, 0.4]')]]) {
    fs.rmSync(dir, { recursive: true, force: true });
    const t = Date.now();
    const r = await prune(cfg, dir);
    assert.strictEqual(r.code, 0, r.stderr);
    note(`${path.basename(dir)}: pruned in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  fs.rmSync(configs, { recursive: true, force: true });
  made.a = a;
  made.b = b;
  return { a, b };
}

/** Canvas pixels near each run's colour (its swatch's, from the theme): > 0 means that run's series was drawn. */
async function pixelsPerRun(canvas: Locator, swatches: Locator): Promise<number[]> {
  const colours = await swatches.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  return canvas.evaluate((c: HTMLCanvasElement, cols: string[]) => {
    const rgb = cols.map((s) => (/rgba?\(([^)]+)\)/.exec(s)?.[1] ?? '0,0,0').split(/[\s,]+/).map(Number));
    const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    const counts = rgb.map(() => 0);
    if (!px) return counts;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] < 200) continue;
      rgb.forEach(([r, g, b], k) => {
        if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 30) counts[k]++;
      });
    }
    return counts;
  }, colours);
}

function headsSummary(c: Comparison, budget: number): RegExp {
  const i = c.budgets.findIndex((b) => b.budget === budget);
  const n = c.headDiffs[i].heads.length;
  return n === 0 ? /Every head has the same kept\/pruned status in every run at 30% MACs/ : new RegExp(`^${n} heads? (is|are) kept in one run and pruned in another at 30% MACs`);
}

async function waitForToast(page: Page, text: RegExp, timeoutMs: number): Promise<string> {
  const toast = notificationToasts(page).and(page.locator('.notification-fade-in-done')).filter({ hasText: text }).last();
  await toast.waitFor({ timeout: timeoutMs });
  return (await toast.locator('.notification-list-item-message').innerText()).trim();
}

/** Shows the OPTIN Runs view (a focus command: clicking the activity bar would hide it when it shows already). */
async function showRunsView(page: Page): Promise<void> {
  await (await typeUntilRow(page, '>Focus on Runs View', /Focus on Runs View/)).click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
}

function runRow(page: Page, id: string): Locator {
  return page.locator('.pane-body .monaco-list-row').filter({ hasText: id }).first();
}

/**
 * Clicks a run in the Runs view. A click also opens its results: wait until the panel shows
 * it, or the panel's loading takes the focus and closes a context menu opened meanwhile.
 */
async function clickRun(page: Page, id: string): Promise<void> {
  await runRow(page, id).click();
  const frame = await resultsFrame(page);
  await frame.locator('.page-head h1', { hasText: id }).waitFor({ timeout: 30_000 });
}

/** The compare page checks shared by the static page and the panel. */
async function checkComparison(frame: FrameLocator | Page, c: Comparison): Promise<void> {
  await frame.locator('[data-chart="compare-tradeoff"] canvas').first().waitFor({ timeout: 30_000 });
  await frame.locator('[data-chart="compare-latency"] canvas').first().waitFor();
  // The panel keeps the order the runs were selected in: read it from the chips.
  const chips = await frame.locator('.chip .chip-label').allInnerTexts();
  assert.deepStrictEqual([...chips].sort(), c.runs.map((r) => r.label).sort());
  const value = (label: string, key: string) => c.differences.find((d) => d.key === key)?.values[c.runs.findIndex((r) => r.label === label)];
  const lambda = (await frame.locator('[data-table="differences"] tr[data-key="lambda_contribution"] td').allInnerTexts()).map((t) => t.trim());
  assert.deepStrictEqual(lambda.slice(1), chips.map((l) => value(l, 'lambda_contribution')), `lambda row: ${lambda.join(' | ')}`);
  assert.deepStrictEqual([...lambda.slice(1)].sort(), ['1', '10']);
  const cal = (await frame.locator('[data-table="differences"] tr[data-key="calibration_size"] td').allInnerTexts()).map((t) => t.trim());
  assert.deepStrictEqual(cal.slice(1), chips.map((l) => value(l, 'calibration_size')));
  assert.deepStrictEqual([...cal.slice(1)].sort(), ['12', '8']);
  // The same model: its fingerprint row is there and says so; no key that is the same is listed as differing.
  assert.strictEqual(await frame.locator('[data-table="differences"] tr.same[data-key="model"]').count(), 1);
  assert.strictEqual(await frame.locator('[data-table="differences"] tr.differs[data-key="model_path"]').count(), 0);
  const pixels = await pixelsPerRun(frame.locator('[data-chart="compare-tradeoff"] canvas').first(), frame.locator('.chip .swatch'));
  assert.ok(pixels.every((n) => n > 20), `each run's curve is drawn in its colour: pixels per run ${pixels.join(', ')}`);
  await frame.locator('[data-chart="compare-heads-1"] canvas').first().waitFor();
  await frame.locator('[data-chart="compare-heads-2"] canvas').first().waitFor();
}

export const tests: UiTest[] = [
  {
    name: 'optin compare --html on two real runs writes a page that shows both curves and what differs, in light and dark, with exports and no CSP violation',
    timeoutMs: 600_000,
    async run({ page, workspace, note }) {
      const { a, b } = await makeRuns(workspace, note);
      const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optin-compare-html-')), 'compare.html');
      const r = await optin(['compare', a, b, '--html', html]);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(r.stdout, /^comparing 2 runs of the same model\n/);
      assert.match(r.stdout, /lambda_contribution +1 +10\n/);
      assert.ok(r.stdout.includes(`compare page: ${html}`), r.stdout);
      const c = loadComparison([a, b]);
      for (const scheme of ['light', 'dark'] as const) {
        const { tab, problems } = await openReport(page, html, scheme);
        try {
          assert.strictEqual(await tab.evaluate(() => document.body.className), `vscode-${scheme}`);
          assert.strictEqual((await tab.locator('h1').innerText()).trim(), 'Comparing 2 runs');
          await checkComparison(tab, c);
          assert.ok(await chartDrawn(tab, 'compare-latency'), 'latency drawn');
          assert.ok(await chartDrawn(tab, 'compare-heads-1'), 'heatmap drawn');
          // A static page has no editor to add or remove runs with.
          assert.strictEqual(await tab.locator('.chip vscode-button').count(), 0);
          // Pick the 30% budget: the heatmaps show it and the summary counts the heads that differ.
          await tab.locator('[data-table="budgets"] tr[data-budget="0.3"]').click();
          await tab.locator('.heads-summary').filter({ hasText: headsSummary(c, 0.3) }).waitFor();
          note(`${scheme}: ${(await tab.locator('.heads-summary').innerText()).trim()}`);
          await pageScreenshot(tab, `compare-html-${scheme}`, note);
          if (scheme === 'light') {
            const csv = await download(tab, 'compare-tradeoff', 'CSV');
            assert.match(csv.name, /^optin-compare-tradeoff\.csv$/);
            assert.match(csv.text, /^run,series,budget,mac_fraction,metric\r\n/);
            for (const label of [RUN_A, RUN_B]) assert.match(csv.text, new RegExp(`\\r\\n${label},optin,0\\.3,`), `${label}'s curve is in the CSV`);
            const svg = await download(tab, 'compare-heads-2', 'SVG');
            assert.match(svg.text, /^<svg[\s\S]*<\/svg>$/);
            const png = await download(tab, 'compare-latency', 'PNG');
            assert.match(png.name, /compare-latency\.png$/);
            note(`downloads: ${csv.name}, ${svg.name}, ${png.name}`);
          }
          assert.deepStrictEqual(problems, []);
        } finally {
          await tab.close();
        }
      }
    },
  },
  {
    name: 'select two runs in the Runs view, Compare Runs from the context menu: both curves, the differing keys, heatmaps side by side (light and dark)',
    timeoutMs: 600_000,
    async run({ page, workspace, shot, note }) {
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
      });
      const { a, b } = await makeRuns(workspace, note);
      const c = loadComparison([a, b]);
      await runCommand(page, 'View: Close All Editors');
      await clearNotifications(page);
      await setTheme(page, 'light');
      await showRunsView(page);
      // The view refreshes on report.json changes: the CLI's runs appear by themselves.
      await runRow(page, RUN_A).waitFor({ timeout: 30_000 });
      await runRow(page, RUN_B).waitFor({ timeout: 30_000 });
      await clickRun(page, RUN_A);
      await runRow(page, RUN_B).click({ modifiers: ['Control'] });
      await page.locator('.pane-body .monaco-list-row.selected').nth(1).waitFor();
      await runRow(page, RUN_B).click({ button: 'right' });
      const item = page.getByRole('menuitem', { name: 'Compare Runs', exact: true });
      await item.waitFor();
      await shot('compare-runs-view-menu');
      await item.click();

      const frame = await resultsFrame(page);
      await frame.locator('.page-head h1', { hasText: 'Comparing 2 runs' }).waitFor({ timeout: 30_000 });
      await checkComparison(frame, c);
      assert.ok(await frame.locator('body.vscode-light').count(), 'the panel does not follow the light theme');
      await shot('compare-panel-light');
      await frame.locator('[data-table="budgets"] tr[data-budget="0.3"]').click();
      await frame.locator('.heads-summary').filter({ hasText: headsSummary(c, 0.3) }).waitFor();
      note(`heatmaps: ${(await frame.locator('.heads-summary').innerText()).trim()}`);
      await frame.locator('[data-chart="compare-heads-1"]').scrollIntoViewIfNeeded();
      await shot('compare-panel-heatmaps-light');

      await setTheme(page, 'dark');
      await frame.locator('body.vscode-dark').waitFor({ timeout: 10_000 });
      await frame.locator('[data-chart="compare-tradeoff"]').scrollIntoViewIfNeeded();
      const pixels = await pixelsPerRun(frame.locator('[data-chart="compare-tradeoff"] canvas').first(), frame.locator('.chip .swatch'));
      assert.ok(pixels.every((n) => n > 20), `dark: pixels per run ${pixels.join(', ')}`);
      await shot('compare-panel-dark');
      await frame.locator('[data-table="differences"]').scrollIntoViewIfNeeded();
      await shot('compare-panel-differences-dark');
      await frame.locator('[data-chart="compare-heads-1"]').scrollIntoViewIfNeeded();
      await shot('compare-panel-heatmaps-dark');

      // Baselines off: the trade-off chart keeps one line per run (the caption says so).
      await frame.locator('vscode-button', { hasText: 'Hide baselines' }).click();
      await frame.locator('.chart-card:has([data-chart="compare-tradeoff"]) .caption', { hasText: 'baselines hidden' }).waitFor();
      await frame.locator('vscode-button', { hasText: 'Show baselines' }).click();

      // An export goes through the editor's save dialog, as in single-run mode.
      await clearNotifications(page);
      await frame.locator('.chart-card:has([data-chart="compare-tradeoff"])').getByText('CSV', { exact: true }).click();
      await page.locator(`${QUICK_INPUT} .quick-input-box input`).waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
      const saved = await waitForToast(page, /OPTIN: saved /, 15_000);
      const file = saved.replace(/^OPTIN: saved /, '').replace(/\.$/, '');
      assert.ok(file.endsWith('optin-compare-tradeoff.csv'), saved);
      const csv = fs.readFileSync(file, 'utf8');
      for (const label of [RUN_A, RUN_B]) assert.match(csv, new RegExp(`\\r\\n${label},optin,`), `${label} in ${file}`);
      assert.deepStrictEqual(refused, [], 'the compare panel broke its Content Security Policy');
    },
  },
  {
    name: 'Compare with… adds a run through a quick pick; the panel removes one, follows a run written elsewhere, and survives a reload',
    timeoutMs: 200_000,
    async run({ page, workspace, shot, note }) {
      const { a, b } = await makeRuns(workspace, note);
      // A third run folder as the CLI or another window would leave it (a copy, newer).
      const copy = path.join(path.dirname(a), RUN_C);
      fs.rmSync(copy, { recursive: true, force: true });
      fs.cpSync(a, copy, { recursive: true });
      const report = JSON.parse(fs.readFileSync(path.join(copy, 'report.json'), 'utf8')) as Report;
      fs.writeFileSync(path.join(copy, 'report.json'), JSON.stringify({ ...report, runDir: copy, createdAt: new Date().toISOString() }));

      await showRunsView(page);
      await runRow(page, RUN_C).waitFor({ timeout: 30_000 });
      await clickRun(page, RUN_A);
      // A quick pick of the other runs, several may be picked. Code-server's context menu here
      // ignored mouse clicks on the item for up to a minute (the item highlighted, the menu stayed
      // open, no command ran; probed at 0.3 s and 2 s after each click), so choose the item as
      // a keyboard user does: hover focuses it, Enter runs it. Should that be lost too, open the
      // menu again, within a deadline that names what it waited for.
      const deadline = Date.now() + 90_000;
      for (;;) {
        await runRow(page, RUN_A).click({ button: 'right' });
        const item = page.getByRole('menuitem', { name: 'Compare with…', exact: true });
        await item.hover();
        await page.locator('.monaco-menu .action-item.focused', { has: item }).waitFor({ timeout: 15_000 });
        await page.keyboard.press('Enter');
        try {
          await quickInputRow(page, RUN_B).first().waitFor({ timeout: 15_000 });
          break;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`the "Compare with…" quick pick listing ${RUN_B} did not open within 90 s: ${(e as Error).message}`);
          await page.keyboard.press('Escape');
        }
      }
      assert.strictEqual(await quickInputRow(page, RUN_A).count(), 0, 'the run itself is not offered');
      await quickInputRow(page, RUN_B).first().click();
      await quickInputRow(page, RUN_C).first().click();
      await shot('compare-with-quick-pick');
      await page.keyboard.press('Enter');
      await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });

      const frame = await resultsFrame(page);
      await frame.locator('.page-head h1', { hasText: 'Comparing 3 runs' }).waitFor({ timeout: 30_000 });
      // The run first, then the picks in the quick pick's order (newest first).
      assert.deepStrictEqual(await frame.locator('.chip .chip-label').allInnerTexts(), [RUN_A, RUN_C, RUN_B]);
      await shot('compare-panel-three-runs');
      // Remove B: a, copy remain.
      await frame.locator(`.chip[data-run="${b}"] vscode-button`, { hasText: 'Remove' }).click();
      await frame.locator('.page-head h1', { hasText: 'Comparing 2 runs' }).waitFor({ timeout: 15_000 });
      assert.deepStrictEqual(await frame.locator('.chip .chip-label').allInnerTexts(), [RUN_A, RUN_C]);
      assert.strictEqual(await frame.locator('.chip vscode-button', { hasText: 'Remove' }).count(), 0, 'the last two runs cannot be removed');

      // The copy's report.json changes (as a run's does at every phase): the panel follows it.
      fs.writeFileSync(path.join(copy, 'report.json'), JSON.stringify({ ...report, runDir: copy, status: 'cancelled', error: 'cancelled by the user', budgets: report.budgets.slice(0, 1) }));
      await frame.locator(`.chip[data-run="${copy}"] .chip-status`, { hasText: 'cancelled' }).waitFor({ timeout: 20_000 });
      note('the panel followed the copy to "cancelled"');

      // After a window reload the serializer brings the comparison back. Reload Window, as a user
      // does: a browser reload may end the page before the workbench has stored the panel's latest state.
      const reloaded = page.waitForEvent('load', { timeout: 90_000 });
      await runCommand(page, 'Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench .statusbar').waitFor({ timeout: 90_000 });
      const restored = await resultsFrame(page, 60_000);
      await restored.locator('.page-head h1', { hasText: 'Comparing 2 runs' }).waitFor({ timeout: 30_000 });
      assert.deepStrictEqual(await restored.locator('.chip .chip-label').allInnerTexts(), [RUN_A, RUN_C]);
      await restored.locator('[data-chart="compare-tradeoff"] canvas').first().waitFor({ timeout: 30_000 });
      await shot('compare-panel-restored');
      await closeQuickInput(page);
      fs.rmSync(copy, { recursive: true, force: true });
    },
  },
];
