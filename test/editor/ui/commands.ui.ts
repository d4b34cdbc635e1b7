/** The OPTIN commands as a user meets them: the palette, a notification, the Problems panel. */
import * as assert from 'assert';
import { UI_DEMO_CONFIG } from '../workspace';
import { clearNotifications, closeQuickInput, notificationToasts, openFile, quickInputLabels, runCommand, typeUntilRow, until, untilActiveConfig, type UiTest } from './workbench';

const COMMANDS = ['OPTIN: Validate Config', 'OPTIN: New Config', 'OPTIN: Prune', 'OPTIN: Open Results'];

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
      // A config with a name of its own (several files are called config.yaml).
      await openFile(page, UI_DEMO_CONFIG);
      await untilActiveConfig(page, UI_DEMO_CONFIG);
      await runCommand(page, 'OPTIN: Validate Config');
      // A toast is in the DOM before it has faded in; wait until it is shown in full.
      const toast = notificationToasts(page).and(page.locator('.notification-fade-in-done')).filter({ hasText: 'OPTIN' }).last();
      await until(toast, 'the Validate Config notification');
      const text = (await toast.locator('.notification-list-item-message').innerText()).trim();
      note(`notification: ${text}`);
      await shot('validate-config-notification');
      assert.strictEqual(text, `OPTIN: ${UI_DEMO_CONFIG}: 0 errors, 0 warnings; ready to run.`);
    },
  },
  {
    name: 'the Problems panel lists the problems of broken/config.yaml',
    async run({ page, shot, note }) {
      await clearNotifications(page);
      const row = await typeUntilRow(page, 'broken/config.yaml', 'config.yaml');
      await row.click();
      await until(page.locator('.tabs-container .tab[data-resource-name="config.yaml"]').first(), 'the editor tab of broken/config.yaml');
      await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
      const panel = page.locator('.markers-panel');
      await until(panel, 'the Problems panel');
      const rows = page.locator('.markers-panel .monaco-list-row');
      // The instant checks, then the disk check (the missing model folder).
      await until(rows.filter({ hasText: 'no-such-model does not exist' }).first(), 'the disk check (missing model folder) in the Problems panel');
      const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      note(`Problems panel: ${texts.length} rows: ${texts.join(' | ').slice(0, 600)}`);
      await shot('problems-panel');
      for (const expected of ['Unknown key `lamda_contribution`; did you mean `lambda_contribution`?', '`mac_constraint` must be a number in (0, 1], got 1.5.', '`eval_data` is missing']) {
        assert.ok(texts.some((t) => t.includes(expected)), `the Problems panel does not list "${expected}"`);
      }
    },
  },
];
