/** Shared by the in-editor suites (bundled into each compiled suite file). */
import * as vscode from 'vscode';
import * as assert from 'assert';

export const EXTENSION_ID = 'optin-tools.optin-vscode';

export function ourExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this editor`);
  return ext;
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the editor tests need a workspace folder (test/editor/workspace.ts)');
  return folder.uri.fsPath;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}

/** Settles with the promise's outcome, or 'pending' if it has not settled after `ms`. */
export async function stateAfter<T>(p: Thenable<T>, ms: number): Promise<{ state: 'fulfilled'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' }> {
  return Promise.race([
    Promise.resolve(p).then(
      (value) => ({ state: 'fulfilled' as const, value }),
      (error: unknown) => ({ state: 'rejected' as const, error }),
    ),
    sleep(ms).then(() => ({ state: 'pending' as const })),
  ]);
}
