/**
 * Reaching content inside a webview (iframe.webview.ready -> #active-frame).
 *
 * OPTIN contributes no webview yet (the results panel is a later issue), so this proves the
 * helper on a real webview of the same editor: VS Code's built-in Markdown preview of the
 * workspace README. When the results panel exists, add its test here with the same helper.
 */
import * as assert from 'assert';
import { README_HEADING } from '../workspace';
import { openFile, runCommand, until, webviewContent, type UiTest } from './workbench';

export const tests: UiTest[] = [
  {
    name: 'webviewContent() reads the heading inside the built-in Markdown preview webview',
    async run({ page, shot, note }) {
      await openFile(page, 'README.md');
      await runCommand(page, 'Markdown: Open Preview');
      const heading = webviewContent(page).locator('h1');
      await until(heading, 'the h1 inside the Markdown preview webview');
      const text = (await heading.innerText()).trim();
      note(`h1 inside the webview: "${text}"`);
      await shot('webview-markdown-preview');
      assert.strictEqual(text, README_HEADING);
    },
  },
];
