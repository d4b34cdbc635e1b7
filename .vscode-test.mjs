// @vscode/test-cli configuration: the same in-editor suites (test/editor/suite/*.test.ts)
// in desktop VS Code, where VS Code can be downloaded (not on this project's offline
// machines: there `npm run test:editor` runs them in code-server). Run with
// `npm run test:vscode` (builds dist/, compiles the suites into out/editor-tests/, then
// `vscode-test`). The extension loads from this folder (extensionDevelopmentPath).
import { defineConfig } from '@vscode/test-cli';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const workspace = path.join(root, '.vscode-test', 'workspace');
// The same workspace the code-server run opens (a config.yaml, the BERT fixture, ...).
execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'editor', 'workspace.ts'), workspace], { stdio: 'inherit' });

export default defineConfig({
  label: 'editor',
  files: 'out/editor-tests/suite/*.test.js',
  // The version code-server 4.100.3 embeds; engines.vscode is ^1.100.0.
  version: '1.100.3',
  extensionDevelopmentPath: root,
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  mocha: { ui: 'bdd', timeout: 60_000 },
});
