/**
 * Static pages (report.html, the `optin compare --html` page) in their own browser tab next to
 * the workbench: open one with console errors, page errors and CSP violations recorded, check
 * that a chart drew, download an export.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { ROOT } from '../workspace';
import { until } from './workbench';

/** A fresh tab that records console errors, page errors and CSP violations from the first script on. */
export async function openReport(page: Page, file: string, scheme: 'light' | 'dark'): Promise<{ tab: Page; problems: string[] }> {
  const tab = await page.context().newPage();
  const problems: string[] = [];
  tab.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await tab.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await tab.setViewportSize({ width: 1280, height: 900 });
  await tab.emulateMedia({ colorScheme: scheme });
  await tab.goto(`file://${file}`);
  await until(tab.locator('h1'), `the heading of ${file}`);
  return { tab, problems };
}

/** True once the chart's canvas has drawn pixels (waits for it, up to `timeoutMs`: a busy machine draws late). */
export async function chartDrawn(tab: Page, name: string, timeoutMs = 30_000): Promise<boolean> {
  const drawn = tab.waitForFunction(
    (chart) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-chart="${chart}"] canvas`);
      if (!c || !c.width || !c.height) return false;
      const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      if (!px) return false;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
      return false;
    },
    name,
    { timeout: timeoutMs, polling: 100 },
  );
  return drawn.then(
    () => true,
    () => false,
  );
}

export async function download(tab: Page, card: string, label: string): Promise<{ name: string; text: string }> {
  const [d] = await Promise.all([tab.waitForEvent('download'), tab.locator(`.chart-card:has([data-chart="${card}"]) vscode-button`, { hasText: label }).click()]);
  const file = await d.path();
  return { name: d.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}


/** A full-page screenshot of the tab as test-output/editor/<name>.png, noted in the test's output. */
export async function pageScreenshot(tab: Page, name: string, note: (m: string) => void): Promise<void> {
  const out = path.join(ROOT, 'test-output', 'editor');
  const file = path.join(out, `${name}.png`);
  fs.mkdirSync(out, { recursive: true });
  await tab.screenshot({ path: file, fullPage: true });
  note(`screenshot ${path.relative(ROOT, file)}`);
}
