/**
 * The test workspace opened untrusted (Restricted Mode; scripts/editor/run.ts starts a second
 * code-server with workspace trust on): the extension still lints configs, and refuses runs
 * with a message that says why and how to trust the workspace.
 */
import * as assert from 'assert';
import { UI_RUN_CONFIG } from '../workspace';
import { notificationToasts, openFile, runCommand, until, type UiTest } from './workbench';

export const tests: UiTest[] = [
  {
    name: 'Restricted Mode: configs are still linted, "OPTIN: Prune" is refused with the reason, no Prune CodeLens',
    timeoutMs: 90_000,
    async run({ page, shot, note }) {
      await until(page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first(), 'the Restricted Mode status-bar item');
      await openFile(page, UI_RUN_CONFIG);
      // Linting works: a typo gets its squiggle.
      await page.locator('.view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('lamda_contribution: 3\n');
      await until(page.locator('.squiggly-error').first(), 'the error squiggle of the typo (linting works untrusted)');
      await runCommand(page, 'OPTIN: Prune');
      const toast = notificationToasts(page).and(page.locator('.notification-fade-in-done')).filter({ hasText: 'Restricted Mode' }).last();
      await until(toast, 'the notification refusing the run in Restricted Mode');
      const text = (await toast.locator('.notification-list-item-message').innerText()).trim();
      note(`notification: ${text}`);
      await shot('restricted-mode-prune-refused');
      assert.match(text, /runs are disabled in Restricted Mode/);
      assert.ok(await toast.getByRole('button', { name: 'Manage Workspace Trust' }).count(), 'no way to trust the workspace from the message');
      const lenses = await page.locator('.codelens-decoration').allInnerTexts();
      note(`CodeLens: ${JSON.stringify(lenses)}`);
      assert.ok(!lenses.some((l) => /Prune/.test(l)), `a Prune CodeLens shows in Restricted Mode: ${lenses.join(' | ')}`);
      // Leave the file as it was (the workspace is shared with nothing after this, but keep it clean).
      await runCommand(page, 'File: Revert File');
    },
  },
];
