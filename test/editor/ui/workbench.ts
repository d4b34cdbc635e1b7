/**
 * Helpers for driving the VS Code workbench (code-server in headless Chromium) with
 * playwright-core, and the shape of a UI test file: `export const tests: UiTest[]`.
 * scripts/editor/run.ts runs every `test/editor/ui/*.ui.ts` in a fresh page, its tests in order.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';

export interface UiContext {
  page: Page;
  /** The workbench URL, with the test workspace open. */
  url: string;
  /** The test workspace folder (test/editor/workspace.ts). */
  workspace: string;
  /** Saves a screenshot of the page as test-output/editor/NAME.png and returns its path. */
  shot(name: string): Promise<string>;
  /** A line for the test log. */
  note(message: string): void;
}

export interface UiTest {
  name: string;
  run(ctx: UiContext): Promise<void>;
  timeoutMs?: number;
}

const QUICK_INPUT = '.quick-input-widget';

/**
 * Waits for `locator` to reach `state` (default visible); on timeout the error says `what`
 * was awaited (and for how long) before Playwright's own message.
 */
export async function until(locator: Locator, what: string, timeoutMs = 30_000, state: 'visible' | 'hidden' | 'attached' | 'detached' = 'visible'): Promise<Locator> {
  try {
    await locator.waitFor({ state, timeout: timeoutMs });
  } catch (err) {
    throw new Error(`${what}: not ${state === 'visible' ? 'shown' : state} within ${timeoutMs / 1000} s\n${err instanceof Error ? err.message : String(err)}`);
  }
  return locator;
}

export async function waitForWorkbench(page: Page, timeoutMs = 90_000): Promise<void> {
  await until(page.locator('.monaco-workbench'), 'the workbench', timeoutMs);
  await until(page.locator('.statusbar'), 'the status bar', timeoutMs);
  // The explorer lists the workspace once the file service and the extension host are up.
  await until(page.locator('.explorer-folders-view .monaco-list-row').first(), 'the workspace files in the explorer', timeoutMs);
}

/** Opens the quick input with F1 (the command palette) and replaces its text. */
export async function openQuickInput(page: Page, text: string): Promise<Locator> {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  const input = await until(page.locator(`${QUICK_INPUT} .quick-input-box input`), 'the command palette after F1');
  await input.fill(text);
  return input;
}

export async function closeQuickInput(page: Page): Promise<void> {
  if (await page.locator(QUICK_INPUT).isVisible()) {
    await page.keyboard.press('Escape');
    await until(page.locator(QUICK_INPUT), 'the quick input closing on Escape', 30_000, 'hidden');
  }
}

/** The rows the quick input shows now, as their labels. */
export function quickInputRows(page: Page): Locator {
  return page.locator(`${QUICK_INPUT} .monaco-list-row`);
}

export async function quickInputLabels(page: Page): Promise<string[]> {
  return quickInputRows(page).evaluateAll((rows) => rows.map((r) => r.querySelector('.label-name')?.textContent?.trim() ?? ''));
}

/** The rows whose label is `label` (a string matches the whole label). */
export function quickInputRow(page: Page, label: string | RegExp): Locator {
  const match = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
  return quickInputRows(page).filter({ has: page.locator('.label-name', { hasText: match }) });
}

/**
 * Types `text` into the quick input until a row labelled `label` shows. Right after a page
 * loads, the extension host may not have registered every extension's commands yet and the
 * palette answers "No matching commands"; it only filters again when the text changes, so
 * retype until the row is there.
 */
export async function typeUntilRow(page: Page, text: string, label: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
  const row = quickInputRow(page, label).first();
  const input = await openQuickInput(page, text);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // Not a fixed sleep: how long to wait before retyping (the palette may have filtered too early).
      await row.waitFor({ timeout: 2_000 });
      return row;
    } catch (err) {
      if (Date.now() > deadline) {
        const shown = await quickInputLabels(page).catch(() => []);
        throw new Error(`no quick input row "${String(label)}" after typing "${text}" for ${timeoutMs / 1000} s (it lists: ${shown.join(' | ') || 'nothing'})\n${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await input.fill('');
    await input.pressSequentially(text, { delay: 10 });
  }
}

/**
 * Runs a command from the palette by its label ("Category: Title"), as a user would, and waits
 * until the palette is gone: the quick input hides, or the command reuses it for its own
 * input (Sweep Budgets' input box, Open Results' pick), so the palette's text is no longer in it.
 */
export async function runCommand(page: Page, label: string, timeoutMs = 30_000): Promise<void> {
  const typed = `>${label}`;
  const row = await typeUntilRow(page, typed, label);
  await row.click();
  try {
    await page.waitForFunction(
      ([selector, text]) => {
        const widget = document.querySelector<HTMLElement>(selector);
        if (!widget || getComputedStyle(widget).display === 'none' || widget.offsetParent === null) return true;
        return widget.querySelector<HTMLInputElement>('.quick-input-box input')?.value !== text;
      },
      [QUICK_INPUT, typed] as const,
      { timeout: timeoutMs, polling: 50 },
    );
  } catch {
    const value = await page.locator(`${QUICK_INPUT} .quick-input-box input`).inputValue().catch(() => '(unreadable)');
    throw new Error(`the command palette still shows "${value}" ${timeoutMs / 1000} s after choosing "${label}": the command did not run`);
  }
}

/** A quick input opened by a command (not the palette): visible, with `title` in its title bar. */
export async function quickInputTitled(page: Page, title: string, timeoutMs = 30_000): Promise<Locator> {
  const widget = page.locator(QUICK_INPUT).filter({ has: page.locator('.quick-input-title', { hasText: title }) });
  try {
    await widget.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await page.locator(`${QUICK_INPUT} .quick-input-title`).innerText().catch(() => '(no quick input)');
    throw new Error(`no quick input titled "${title}" within ${timeoutMs / 1000} s (the quick input shows "${shown}")`);
  }
  return widget.locator('.quick-input-box input');
}

/** Opens a workspace file by name through quick open. */
export async function openFile(page: Page, name: string): Promise<void> {
  const row = await typeUntilRow(page, name, name);
  await row.click();
  // .first(): the same file may be open in two editor groups.
  await until(page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).first(), `the editor tab of ${name}`);
}

/**
 * Waits until the extension host, not only the renderer, has the config open in the active
 * editor: the editor title's run button shows only once the extension has set its
 * `optin.activeEditorIsConfig` context from `activeTextEditor`. A command run before that
 * (right after the tab opens, on a busy machine) sees no active config and asks which one.
 */
export async function untilActiveConfig(page: Page, name: string): Promise<void> {
  const runButton = page.locator('.editor-actions .action-item a[aria-label*="Prune"]').first();
  await until(runButton, `the editor title's Prune button for ${name} (the extension host seeing it as the active config)`);
}

/** The toasts shown now (bottom right), newest last. */
export function notificationToasts(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-toast');
}

export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
}

/**
 * The document inside a webview: VS Code puts each webview in an outer
 * `iframe.webview.ready` whose page hosts the content in `#active-frame`.
 * `index` picks among several visible webviews (0 = first in the DOM).
 *
 * The OPTIN results panel (a later issue) will be read through this; today OPTIN has no
 * webview, so tests/editor/ui/webview.ui.ts proves it on VS Code's built-in Markdown preview.
 */
export function webviewContent(page: Page, index = 0): FrameLocator {
  return page.locator('iframe.webview.ready').nth(index).contentFrame().locator('#active-frame').contentFrame();
}

export type Theme = 'dark' | 'light' | 'high-contrast';
const THEME_LABEL: Record<Theme, string> = { dark: 'Dark Modern', light: 'Light Modern', 'high-contrast': 'Dark High Contrast' };
const WORKBENCH_CLASS: Record<Theme, string> = { dark: 'vs-dark', light: 'vs', 'high-contrast': 'hc-black' };

export async function setTheme(page: Page, theme: Theme): Promise<void> {
  const label = THEME_LABEL[theme];
  await (await typeUntilRow(page, '>Preferences: Color Theme', 'Preferences: Color Theme')).click();
  // The same quick input now lists the themes.
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.fill(label);
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  await row.waitFor();
  await row.click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
  await page.locator(`.monaco-workbench.${WORKBENCH_CLASS[theme]}`).waitFor({ timeout: 10_000 });
}

/** The results panel's document among the open webviews (the Markdown preview may be one too). */
export async function resultsFrame(page: Page, timeoutMs = 30_000): Promise<FrameLocator> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const n = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < n; i++) {
      const frame = webviewContent(page, i);
      if ((await frame.locator('.page-head').count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > end) throw new Error(`no results panel among ${n} webviews within ${timeoutMs / 1000} s`);
    // A poll interval (the frames are looked up again), not a wait for something to happen.
    await page.waitForTimeout(250);
  }
}

