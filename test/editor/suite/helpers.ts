/** Shared by the in-editor suites (bundled into each compiled suite file). */
import * as vscode from 'vscode';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { OptinApi } from '../../../src/extension';

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

/**
 * Waits until OPTIN has linted the open document's current version (or found it is not a
 * config) and its disk checks are done: the condition to wait on before asserting that
 * something is *not* shown (instead of sleeping and hoping the linter was quick).
 */
export async function lintSettled(uri: vscode.Uri, timeoutMs = 30_000): Promise<void> {
  const ext = ourExtension();
  const api = (ext.isActive ? ext.exports : await ext.activate()) as OptinApi;
  await api.lintSettled(uri, timeoutMs);
}

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

// ---- configs opened by the suites ----

/**
 * A config that validates cleanly, with its paths pointing at the workspace's copy of the
 * BERT fixture from `suite-files/<name>/` (where writeConfig puts it).
 */
export const GOOD_CONFIG = [
  '# A clean config for the editor suites.',
  'task_name: language',
  'model_path: ../../bert-spam/model',
  'calibration_data: ../../bert-spam/data/calibration.tsv',
  'eval_data: ../../bert-spam/data/eval.tsv',
  'output_dir: runs',
  'mac_constraint: 0.6',
  'method: optin',
  'lambda_contribution: 10',
  'temp: 4',
  'device: auto',
  '',
].join('\n');

/** Writes `suite-files/<name>` in the workspace (a fresh folder per test keeps documents apart). */
export function writeConfig(name: string, text = GOOD_CONFIG): vscode.Uri {
  const file = path.join(workspaceDir(), 'suite-files', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

export function removeSuiteFiles(): void {
  fs.rmSync(path.join(workspaceDir(), 'suite-files'), { recursive: true, force: true });
}

export async function openConfig(name: string, text = GOOD_CONFIG): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(writeConfig(name, text));
  // Not a preview: the next file opened would replace its tab (and so clear its diagnostics).
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** OPTIN's diagnostics of a document now. */
export function optinDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'optin');
}

/** Waits until OPTIN's diagnostics of `uri` satisfy `check`; fails with what they were. */
export async function waitForDiagnostics(uri: vscode.Uri, check: (ds: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 10_000): Promise<vscode.Diagnostic[]> {
  const ok = await waitFor(() => check(optinDiagnostics(uri)), timeoutMs, 25);
  const now = optinDiagnostics(uri);
  assert.ok(ok, `${what}: not within ${timeoutMs} ms; OPTIN shows ${describeDiagnostics(now)}`);
  return now;
}

export function describeDiagnostics(ds: readonly vscode.Diagnostic[]): string {
  if (ds.length === 0) return 'nothing';
  return ds.map((d) => `[${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${String(d.code)}] ${d.message}`).join('; ');
}

/** [line, start, end] of a one-line range. */
export function at(d: vscode.Diagnostic | vscode.Range): [number, number, number] {
  const r = 'range' in d ? d.range : d;
  return [r.start.line, r.start.character, r.end.character];
}

/** The line and column where `needle` starts in the document. */
export function positionOf(doc: vscode.TextDocument, needle: string, offset = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `"${needle}" is not in ${doc.uri.fsPath}`);
  return doc.positionAt(i + offset);
}

/** Replaces the first `from` in the document with `to` through a WorkspaceEdit, as typing would. */
export async function replaceText(doc: vscode.TextDocument, from: string, to: string): Promise<void> {
  const start = positionOf(doc, from);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(start, start.translate(0, from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit), `the edit "${from}" -> "${to}" was not applied`);
}

/** Quick fixes VS Code offers at a range, from every provider (as the light bulb would). */
export async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value)) ?? [];
  return all.filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
}

/** Saves what the suites edited (only their own suite-files are edited) and closes every editor, without a save prompt. */
export async function closeAllEditors(): Promise<void> {
  await vscode.workspace.saveAll(false);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Sets a user setting and waits until the extension host sees it. */
export async function setSetting(section: string, value: unknown): Promise<void> {
  const [head, ...rest] = section.split('.');
  await vscode.workspace.getConfiguration(head).update(rest.join('.'), value, vscode.ConfigurationTarget.Global);
  await waitFor(() => JSON.stringify(vscode.workspace.getConfiguration(head).get(rest.join('.'))) === JSON.stringify(value ?? vscode.workspace.getConfiguration(head).inspect(rest.join('.'))?.defaultValue), 5_000, 25);
}
