/**
 * Pruning from the editor as a user does it, in dark and light themes: "OPTIN: Prune" on the
 * bundled example from the palette, the progress notification and status-bar item, "OPTIN:
 * Cancel Run", then a run to the end; the results panel opens beside the config with the head
 * heatmap and the trade-off curve; Sweep Budgets through its input box; the Runs view.
 * Screenshots of every step in test-output/editor/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import type { Locator, Page } from 'playwright-core';
import { UI_RUN_CONFIG } from '../workspace';
import { clearNotifications, closeQuickInput, notificationToasts, openFile, quickInputLabels, quickInputRow, quickInputTitled, resultsFrame, runCommand, typeUntilRow, until, untilActiveConfig, type UiContext, type UiTest } from './workbench';

type Theme = 'dark' | 'light' | 'high-contrast';
const THEME_LABEL: Record<Theme, string> = { dark: 'Dark Modern', light: 'Light Modern', 'high-contrast': 'Dark High Contrast' };
const WORKBENCH_CLASS: Record<Theme, string> = { dark: 'vs-dark', light: 'vs', 'high-contrast': 'hc-black' };
const QUICK_INPUT = '.quick-input-widget';

/**
 * The colour theme through its picker. Writing `workbench.colorTheme` into the profile's
 * settings.json would spare the picker, but code-server does not watch that file (tried: the
 * theme never changed). On a busy machine the picker can open before the themes are
 * registered, and then lists only "Browse Additional Color Themes..." and never updates: so
 * reopen it until it lists the themes, then filter (retyping if the filter ran early).
 */
async function setTheme(ctx: UiContext, theme: Theme): Promise<void> {
  const { page } = ctx;
  const label = THEME_LABEL[theme];
  const themeRows = quickInputRow(page, /(Modern|High Contrast)$/).first();
  const opened = Date.now();
  for (let attempt = 1; ; attempt++) {
    await (await typeUntilRow(page, '>Preferences: Color Theme', 'Preferences: Color Theme')).click();
    try {
      // Not a fixed sleep: how long this opening of the picker gets to list the themes.
      await themeRows.waitFor({ timeout: 5_000 });
      break;
    } catch {
      if (Date.now() - opened > 90_000) {
        throw new Error(`the Color Theme picker listed no themes in ${attempt} openings over 90 s (it lists: ${(await quickInputLabels(page)).join(' | ')})`);
      }
    }
    ctx.note(`${label}: the Color Theme picker listed no themes yet (opening ${attempt}); reopening it`);
    await closeQuickInput(page);
  }
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  const row = quickInputRow(page, label).first();
  const deadline = Date.now() + 30_000;
  for (;;) {
    await input.fill(label);
    try {
      // Not a fixed sleep: how long to wait for the filtered row before retyping.
      await row.waitFor({ timeout: 2_000 });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`the Color Theme picker lists no "${label}" after typing it for 30 s (it lists: ${(await quickInputLabels(page)).join(' | ')})`);
    }
    await input.fill('');
  }
  await row.click();
  await until(page.locator(QUICK_INPUT), 'the Color Theme picker closing', 30_000, 'hidden');
  await until(page.locator(`.monaco-workbench.${WORKBENCH_CLASS[theme]}`), `the workbench in the ${label} theme`);
}

/** The toast of our run's progress notification (its title names the config). */
function runToast(page: Page) {
  return notificationToasts(page).filter({ hasText: `OPTIN: Prune ${UI_RUN_CONFIG}` }).last();
}

async function waitForToast(page: Page, text: RegExp, timeoutMs: number) {
  const toast = notificationToasts(page).and(page.locator('.notification-fade-in-done')).filter({ hasText: text }).last();
  await until(toast, `a notification matching ${text}`, timeoutMs);
  return (await toast.locator('.notification-list-item-message').innerText()).trim();
}

/** How long a run may show no progress (notification text, status-bar percentage) before it counts as hung. */
const STALL_MS = 120_000;

/**
 * Waits for the notification that a run finished for as long as the run shows progress (its
 * notification's text or the status-bar item changes); fails, saying what it showed last, once
 * nothing has moved for STALL_MS. A run takes minutes on a busy machine, seconds on an idle one.
 */
async function waitForRunEnd(page: Page, text: RegExp, what: string): Promise<string> {
  const finished = notificationToasts(page).and(page.locator('.notification-fade-in-done')).filter({ hasText: text }).last();
  const status = page.locator('.statusbar-item').filter({ hasText: /OPTIN \d+%/ }).first();
  // allInnerTexts does not wait for the element (innerText would, up to the page's default
  // timeout, while the finished toast comes and goes unseen).
  const texts = async (l: Locator) => (await l.allInnerTexts()).join(' ').replace(/\s+/g, ' ').trim();
  const progress = async () => `${await texts(runToast(page))} | ${await texts(status)}`;
  let last = await progress();
  let since = Date.now();
  while (!(await finished.isVisible())) {
    // A poll interval, not a wait for something: the loop checks again.
    await page.waitForTimeout(250);
    const now = await progress();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > STALL_MS) {
      throw new Error(`${what}: no notification matching ${text}, and no progress for ${STALL_MS / 1000} s (last shown: "${now}")`);
    }
  }
  return (await finished.locator('.notification-list-item-message').innerText()).trim();
}

async function pruneAndCancel(ctx: UiContext, theme: Theme): Promise<void> {
  const { page, shot, note } = ctx;
  await setTheme(ctx, theme);
  await clearNotifications(page);
  await openFile(page, UI_RUN_CONFIG);
  // The same selector finds no lens in Restricted Mode (runs.restricted.ts).
  await until(page.locator('.codelens-decoration', { hasText: 'Prune' }).first(), `the Prune CodeLens above ${UI_RUN_CONFIG}`);
  await untilActiveConfig(page, UI_RUN_CONFIG);
  await runCommand(page, 'OPTIN: Prune');
  // The notification shows the phase, units done/total and the ETA once scoring reports.
  const toast = runToast(page);
  await until(toast.filter({ hasText: /score \d+\/\d+/ }), 'the progress notification in the scoring phase (score N/M)', 90_000);
  const progress = (await toast.innerText()).replace(/\s+/g, ' ').trim();
  const status = (await page.locator('.statusbar-item').filter({ hasText: /OPTIN \d+%/ }).first().innerText().catch(() => '')).trim();
  note(`${theme}: progress notification "${progress}", status bar "${status}"`);
  await shot(`run-progress-${theme}`);
  assert.match(progress, /score \d+\/\d+/);
  assert.match(status, /OPTIN \d+%/);
  await runCommand(page, 'OPTIN: Cancel Run');
  const cancelled = await waitForToast(page, /run of optin-example\.yaml cancelled/, 60_000);
  note(`${theme}: ${cancelled}`);
  await shot(`run-cancelled-${theme}`);
  assert.match(cancelled, /what finished is kept in .*ui-runs/);
}

export const tests: UiTest[] = [
  {
    name: 'Prune the example from the palette: progress notification and status bar, then Cancel Run (dark and light)',
    // A backstop: the waits fail a run that stops making progress long before this.
    timeoutMs: 600_000,
    async run(ctx) {
      await runCommand(ctx.page, 'View: Close All Editors');
      await pruneAndCancel(ctx, 'dark');
      await pruneAndCancel(ctx, 'light');
    },
  },
  {
    name: 'a run to the end opens the results panel beside the config: heatmap, trade-off curve, summary (light, then dark)',
    // A backstop: the waits fail a run that stops making progress long before this.
    timeoutMs: 900_000,
    async run(ctx) {
      const { page, shot, note } = ctx;
      // Console messages of every frame, the webview's included: a CSP refusal shows there.
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
      });
      await clearNotifications(page);
      await openFile(page, UI_RUN_CONFIG);
      await untilActiveConfig(page, UI_RUN_CONFIG);
      await runCommand(page, 'OPTIN: Prune');
      const done = await waitForRunEnd(page, /optin-example\.yaml pruned/, 'the run to the end');
      note(`finished: ${done}`);
      const frame = await resultsFrame(page);
      await until(frame.locator('[data-chart="head-importance"] canvas').first(), 'the heatmap in the results panel');
      await until(frame.locator('[data-chart="tradeoff"] canvas').first(), 'the trade-off chart in the results panel');
      const status = (await frame.locator('.page-head .status').innerText()).trim();
      assert.strictEqual(status, 'Complete');
      assert.ok(await frame.locator('body.vscode-light').count(), 'the panel does not follow the light theme');
      // The panel sits beside the config: two editor groups.
      assert.ok((await page.locator('.editor-group-container').count()) >= 2, 'the results did not open beside the config');
      await shot('results-panel-light');
      await clearNotifications(page);
      await frame.locator('[data-chart="head-importance"]').scrollIntoViewIfNeeded();
      await shot('results-panel-heatmap-light');
      await frame.locator('[data-chart="tradeoff"]').scrollIntoViewIfNeeded();
      await shot('results-panel-tradeoff-light');
      await setTheme(ctx, 'dark');
      await until(frame.locator('body.vscode-dark'), 'the results panel in the dark theme');
      await until(frame.locator('[data-chart="head-importance"] canvas').first(), 'the heatmap redrawn in the dark theme');
      await frame.locator('[data-chart="head-importance"]').scrollIntoViewIfNeeded();
      await shot('results-panel-heatmap-dark');
      await frame.locator('[data-chart="tradeoff"]').scrollIntoViewIfNeeded();
      await shot('results-panel-tradeoff-dark');
      // Hover a heatmap cell: the tooltip names the layer, the head and its score.
      await frame.locator('[data-chart="head-importance"]').hover({ position: { x: 120, y: 40 } });
      const tip = frame.locator('[data-chart="head-importance"] div').filter({ hasText: /layer \d+.*head \d+/i }).last();
      await until(tip, 'the heatmap tooltip of the hovered cell');
      const tipText = (await tip.innerText()).replace(/\s+/g, ' ').trim();
      note(`heatmap tooltip: ${tipText}`);
      await shot('results-panel-heatmap-tooltip-dark');
      assert.match(tipText, /^Layer 0 · head 0 importance:? [\d.e+]+ at \d+% MACs:? (kept|pruned)$/);
      assert.deepStrictEqual(refused, [], 'the results panel broke its Content Security Policy');
      await setTheme(ctx, 'high-contrast');
      await until(frame.locator('body.vscode-high-contrast'), 'the results panel in the high-contrast theme');
      await frame.locator('[data-chart="head-importance"]').scrollIntoViewIfNeeded();
      await shot('results-panel-heatmap-high-contrast');
      await setTheme(ctx, 'dark');

      // Exports go through the editor's save dialog (a webview cannot download): SVG and PNG.
      for (const [chart, kind, magic] of [['head-importance', 'SVG', '<svg'], ['tradeoff', 'PNG', '\x89PNG']] as const) {
        await clearNotifications(page);
        const card = frame.locator('section.chart-card', { has: frame.locator(`[data-chart="${chart}"]`) });
        await card.getByText(kind, { exact: true }).click();
        const input = await until(page.locator(`${QUICK_INPUT} .quick-input-box input`), `the save dialog of the ${kind} export`);
        const target = (await input.inputValue()).trim();
        await shot(`results-panel-export-${kind.toLowerCase()}`);
        await page.keyboard.press('Enter');
        const saved = await waitForToast(page, /OPTIN: saved /, 15_000);
        note(`${kind}: ${saved}`);
        const file = saved.replace(/^OPTIN: saved /, '').replace(/\.$/, '');
        assert.ok(file.endsWith(`${chart}.${kind.toLowerCase()}`), `${saved} (dialog proposed ${target})`);
        assert.strictEqual(fs.readFileSync(file).subarray(0, magic.length).toString('latin1'), magic);
      }
    },
  },
  {
    name: 'Sweep Budgets asks for budgets in an input box, the open panel follows the run live; the Runs view lists the history; the panel survives a reload',
    // A backstop: the waits fail a run that stops making progress long before this.
    timeoutMs: 600_000,
    async run({ page, shot, note }) {
      await clearNotifications(page);
      // The last clicks were in the results panel: open the config in the first group again.
      await runCommand(page, 'View: Focus First Editor Group');
      await openFile(page, UI_RUN_CONFIG);
      await untilActiveConfig(page, UI_RUN_CONFIG);
      await runCommand(page, 'OPTIN: Sweep Budgets');
      const input = await quickInputTitled(page, 'OPTIN: Sweep Budgets');
      note(`sweep input suggests "${await input.inputValue()}"`);
      await input.fill('0.4, 0.8');
      await shot('sweep-input');
      await page.keyboard.press('Enter');
      // The open results panel follows the new run live: its progress line moves with the run.
      const frame = await resultsFrame(page);
      const live = frame.locator('.progress .progress-text').filter({ hasText: /phase (search|export|evaluate)/ });
      await until(live.first(), 'the open panel following the sweep live (phase search/export/evaluate)', 90_000);
      note(`panel while running: "${(await live.first().innerText()).trim()}"`);
      await shot('results-panel-live');
      const done = await waitForRunEnd(page, /optin-example\.yaml pruned/, 'the sweep');
      note(`sweep finished: ${done}`);
      assert.match(done, /0\.4: .*0\.8: /);
      await until(frame.locator('.page-head .status', { hasText: 'Complete' }), 'the panel saying Complete after the sweep');
      const heading = (await frame.locator('.page-head h1').innerText()).trim();
      // The Runs view in the OPTIN activity-bar container.
      await page.locator('.activitybar .action-item a[aria-label^="OPTIN"]').first().click();
      const rows = page.locator('.pane-body .monaco-list-row').filter({ hasText: /-optin/ });
      await until(rows.first(), 'the runs in the Runs view');
      // The view follows the run folders: right after the sweep it may still list the sweep as it
      // was mid-write ("interrupted") until its next refresh. Wait for the history, up to 30 s.
      const read = async () => (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      const listed = (texts: string[]) => texts.filter((t) => /complete/.test(t)).length >= 2 && texts.filter((t) => /cancelled/.test(t)).length >= 2;
      let texts = await read();
      for (const end = Date.now() + 30_000; !listed(texts) && Date.now() < end; texts = await read()) await page.waitForTimeout(250); // poll interval
      note(`Runs view: ${texts.join(' | ')}`);
      await shot('runs-view');
      assert.ok(texts.filter((t) => /complete/.test(t)).length >= 2, `the Runs view does not list two complete runs within 30 s: ${texts.join(' | ')}`);
      assert.ok(texts.filter((t) => /cancelled/.test(t)).length >= 2, `the Runs view does not list two cancelled runs within 30 s: ${texts.join(' | ')}`);
      await closeQuickInput(page);

      // After a window reload the serializer brings the panel back on the same run.
      await page.reload();
      // The side bar shows the OPTIN container now, so wait for the workbench, not the explorer.
      await until(page.locator('.monaco-workbench .statusbar'), 'the workbench after the reload', 90_000);
      const restored = await resultsFrame(page, 60_000);
      await until(restored.locator('.page-head h1').filter({ hasText: heading }), `the restored panel on the same run (${heading})`);
      await until(restored.locator('[data-chart="head-importance"] canvas').first(), 'the heatmap in the restored panel');
      note(`restored after reload: ${heading}`);
      await shot('results-panel-restored');
    },
  },
];
