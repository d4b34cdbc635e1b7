/**
 * An OPTIN config in the real workbench: type a mistake, see the squiggle and the Problems
 * panel, hover a key, apply the quick fix from the light-bulb menu.
 */
import * as assert from 'assert';
import type { Page } from 'playwright-core';
import { UI_DEMO_CONFIG } from '../workspace';
import { closeQuickInput, openFile, openQuickInput, runCommand, until, type UiTest } from './workbench';

const EDITOR = '.editor-instance .monaco-editor';

/** Puts the cursor at a 1-based line and column through Go to Line (":line:column" in quick open). */
async function goTo(page: Page, line: number, column: number): Promise<void> {
  await openQuickInput(page, `:${line}:${column}`);
  // Enter only once Go to Line has read the text (on a busy machine it lags behind the typing).
  await until(page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`line ${line}\\b`, 'i') }).first(), `Go to Line offering line ${line}`);
  await page.keyboard.press('Enter');
  await until(page.locator('.quick-input-widget'), 'Go to Line closing on Enter', 30_000, 'hidden');
}

function squiggles(page: Page) {
  return page.locator(`${EDITOR} .view-overlays .squiggly-error`);
}

export const tests: UiTest[] = [
  {
    name: 'typing mac_constraint: 60 into a config shows an error squiggle',
    async run({ page, shot, note }) {
      await openFile(page, UI_DEMO_CONFIG);
      await until(page.locator(`${EDITOR} .view-line`, { hasText: 'mac_constraint: 0.6' }), `the text of ${UI_DEMO_CONFIG} in the editor`);
      assert.strictEqual(await squiggles(page).count(), 0, 'the config has errors before the edit');
      // Line 7 is `mac_constraint: 0.6`: go to its end, replace 0.6 by 60 as a user types.
      await goTo(page, 7, 20);
      for (let i = 0; i < 3; i++) await page.keyboard.press('Backspace');
      await page.keyboard.type('60', { delay: 60 });
      await page.keyboard.press('Escape');
      await until(squiggles(page).first(), 'the error squiggle under the typed 60');
      note(`squiggles: ${await squiggles(page).count()}`);
      await shot('config-squiggle');
    },
  },
  {
    name: 'the Problems panel lists the typed mistake with its message',
    async run({ page, shot, note }) {
      await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'did you mean 0.6 (60%)?' });
      await until(row.first(), 'the typed mistake in the Problems panel');
      const text = (await row.first().innerText()).replace(/\s+/g, ' ').trim();
      note(`Problems: ${text}`);
      assert.match(text, /`mac_constraint` must be a number in \(0, 1\], got 60; did you mean 0\.6 \(60%\)\?/);
      assert.match(text, /optin/);
      await shot('config-problems');
    },
  },
  {
    name: 'hovering a key shows its documentation',
    async run({ page, shot, note }) {
      const line = page.locator(`${EDITOR} .view-line`, { hasText: 'lambda_contribution: 10' }).first();
      await line.hover({ position: { x: 40, y: 8 } });
      const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'lambda_contribution' }).first();
      await until(hover, 'the hover of lambda_contribution');
      const text = (await hover.innerText()).replace(/\s+/g, ' ').trim();
      note(`hover: ${text.slice(0, 160)}…`);
      assert.match(text, /lambda_contribution: a number > 0 · default 10/);
      assert.match(text, /weight of the KD term/);
      await shot('config-hover');
      await page.mouse.move(5, 5);
    },
  },
  {
    name: 'hovering the model path shows what is on disk',
    async run({ page, shot, note }) {
      const line = page.locator(`${EDITOR} .view-line`, { hasText: 'model_path: ../bert-spam/model' }).first();
      await line.hover({ position: { x: 130, y: 8 } });
      const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'On disk' }).first();
      await until(hover, 'the hover of the model_path value (what is on disk)');
      const text = (await hover.innerText()).replace(/\s+/g, ' ').trim();
      note(`hover: ${text.slice(0, 200)}…`);
      assert.match(text, /bert \(BertForSequenceClassification\): 4 layers × 4 heads/);
      await shot('config-hover-model-path');
      await page.mouse.move(5, 5);
    },
  },
  {
    name: 'the quick fix from the light-bulb menu replaces 60 with 0.6 and the squiggle goes',
    async run({ page, shot }) {
      await goTo(page, 7, 18);
      await page.keyboard.press('Control+.');
      const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Replace with 0.6' }).first();
      await until(item, 'the quick fix "Replace with 0.6" after Ctrl+.');
      await shot('config-quick-fix');
      // The menu's pointer block takes clicks; choose with the keyboard, as the menu suggests.
      assert.strictEqual(await item.getAttribute('aria-label'), 'Replace with 0.6');
      for (let i = 0; i < 5 && !/\bfocused\b/.test((await item.getAttribute('class')) ?? ''); i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await until(page.locator(`${EDITOR} .view-line`, { hasText: 'mac_constraint: 0.6' }), 'the line fixed to mac_constraint: 0.6');
      await until(squiggles(page).first(), 'the squiggle going after the fix', 30_000, 'detached');
      await closeQuickInput(page);
      await runCommand(page, 'File: Revert File');
    },
  },
];
