/** The OPTIN commands as a user meets them: the palette, a notification, the Problems panel. */
import * as assert from 'assert';
import { clearNotifications, closeQuickInput, notificationToasts, openFile, quickInputLabels, runCommand, typeUntilRow, type UiTest } from './workbench';

const COMMANDS = ['OPTIN: Validate Config', 'OPTIN: Prune', 'OPTIN: Open Results'];

export const tests: UiTest[] = [
  {
    name: 'the command palette lists the OPTIN commands when you type "OPTIN"',
    async run({ page, shot, note }) {
      // F1 opens the palette with ">"; type OPTIN after it (again if the extension host had
      // not registered the commands yet when the palette first filtered).
      await typeUntilRow(page, '>OPTIN', /^OPTIN: /);
      const labels = await quickInputLabels(page);
      note(`palette shows: ${labels.join(' | ')}`);
      const missing = COMMANDS.filter((c) => !labels.includes(c));
      await shot('palette');
      assert.deepStrictEqual(missing, [], `missing from the palette: ${missing.join(', ')}`);
      await closeQuickInput(page);
    },
  },
  {
    name: '"OPTIN: Validate Config" from the palette shows a notification',
    async run({ page, shot, note }) {
      await openFile(page, 'config.yaml');
      await runCommand(page, 'OPTIN: Validate Config');
      // A toast is in the DOM before it has faded in; wait until it is shown in full.
      const toast = notificationToasts(page).and(page.locator('.notification-fade-in-done')).filter({ hasText: 'OPTIN' }).last();
      await toast.waitFor({ timeout: 15_000 });
      const text = (await toast.locator('.notification-list-item-message').innerText()).trim();
      note(`notification: ${text}`);
      await shot('validate-config-notification');
      assert.match(text, /^OPTIN: /);
    },
  },
  {
    name: 'the Problems panel opens (OPTIN publishes no diagnostics yet)',
    async run({ page, shot, note }) {
      await clearNotifications(page);
      await openFile(page, 'config.yaml');
      await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
      const panel = page.locator('.markers-panel');
      await panel.waitFor({ state: 'visible', timeout: 15_000 });
      // OPTIN publishes no diagnostics yet (the live-diagnostics issue adds them; then
      // broken/config.yaml in the workspace should show here). Record what is shown.
      const rows = await page.locator('.markers-panel .monaco-list-row').count();
      const message = (await page.locator('.markers-panel .message-box-container').innerText().catch(() => '')).trim();
      note(`Problems panel: ${rows} rows${message ? `, "${message}"` : ''}`);
      await shot('problems-panel');
    },
  },
];
