/// <reference types="mocha" />
/** The `optin.*` settings are honoured: optin.lint.enable, optin.lint.checkPaths, optin.configGlobs. */
import * as vscode from 'vscode';
import * as assert from 'assert';
import { closeAllEditors, describeDiagnostics, lintSettled, openConfig, optinDiagnostics, removeSuiteFiles, setSetting, waitForDiagnostics } from './helpers';

/** A config with one disk problem (line 0) and one instant problem (line 3). */
const TEXT = 'model_path: ../../no-such-model\ncalibration_data: ../../bert-spam/data/calibration.tsv\neval_data: ../../bert-spam/data/eval.tsv\nmac_constraint: 60\n';
const codes = (uri: vscode.Uri) => optinDiagnostics(uri).map((d) => String(d.code)).sort();

describe('OPTIN settings', () => {
  afterEach(async () => {
    await setSetting('optin.lint.enable', undefined);
    await setSetting('optin.lint.checkPaths', undefined);
    await setSetting('optin.configGlobs', undefined);
  });
  after(async () => {
    await closeAllEditors();
    removeSuiteFiles();
  });

  it('contributes optin.configGlobs, optin.lint.enable and optin.lint.checkPaths with their defaults', () => {
    const c = vscode.workspace.getConfiguration('optin');
    assert.strictEqual(c.get('lint.enable'), true);
    assert.strictEqual(c.get('lint.checkPaths'), true);
    const globs = c.get<string[]>('configGlobs') ?? [];
    for (const g of ['**/config.yaml', '**/configs/**/*.yaml', '**/*optin*.yaml']) assert.ok(globs.includes(g), globs.join(', '));
  });

  it('optin.lint.enable: false clears the diagnostics; true brings them back', async () => {
    const { document } = await openConfig('settings-enable/config.yaml', TEXT);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 2, 'both problems');
    await setSetting('optin.lint.enable', false);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 0, 'cleared with lint.enable false');
    // Typing does not bring them back while it is off.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(4, 0), 'temp: 0\n');
    await vscode.workspace.applyEdit(edit);
    await lintSettled(document.uri);
    assert.deepStrictEqual(optinDiagnostics(document.uri), [], describeDiagnostics(optinDiagnostics(document.uri)));
    await setSetting('optin.lint.enable', true);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 3, 'back with lint.enable true');
  });

  it('optin.lint.checkPaths: false skips the disk checks only', async () => {
    const { document } = await openConfig('settings-paths/config.yaml', TEXT);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 2, 'both problems');
    assert.deepStrictEqual(codes(document.uri), ['missing-path', 'out-of-range']);
    await setSetting('optin.lint.checkPaths', false);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 1, 'only the instant problem');
    assert.deepStrictEqual(codes(document.uri), ['out-of-range']);
    await setSetting('optin.lint.checkPaths', true);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 2, 'the disk problem back');
  });

  it('optin.configGlobs decides which files may be configs', async () => {
    const { document } = await openConfig('settings-globs/config.yaml', TEXT);
    const other = await openConfig('settings-globs/pruning.yml', TEXT);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 2, 'config.yaml linted by default');
    await lintSettled(other.document.uri);
    assert.deepStrictEqual(optinDiagnostics(other.document.uri), [], 'pruning.yml matches no default glob');
    await setSetting('optin.configGlobs', ['**/pruning.yml']);
    await waitForDiagnostics(document.uri, (ds) => ds.length === 0, 'config.yaml no longer matches');
    await waitForDiagnostics(other.document.uri, (ds) => ds.length === 2, 'pruning.yml now matches');
  });
});
