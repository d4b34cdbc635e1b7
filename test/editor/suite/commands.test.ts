/// <reference types="mocha" />
/** "OPTIN: Validate Config" and "OPTIN: New Config" in the real editor. */
import * as vscode from 'vscode';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ValidationSummary } from '../../../src/vscode/validateCommand';
import { closeAllEditors, describeDiagnostics, lintSettled, optinDiagnostics, removeSuiteFiles, waitForDiagnostics, workspaceDir, writeConfig } from './helpers';

// Type only: the suite talks to the installed extension, whose command returns this shape.
type Summary = ValidationSummary;

describe('OPTIN commands', () => {
  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    await closeAllEditors();
    removeSuiteFiles();
  });

  it('optin.validateConfig checks the active config, disk included, and the Problems panel lists the same', async () => {
    const uri = vscode.Uri.file(path.join(workspaceDir(), 'broken', 'config.yaml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const summary = await vscode.commands.executeCommand<Summary>('optin.validateConfig');
    assert.ok(summary, 'no summary');
    assert.strictEqual(summary.file, uri.fsPath);
    assert.deepStrictEqual([summary.errors, summary.warnings, summary.information], [3, 0, 1], summary.message);
    assert.strictEqual(summary.message, 'OPTIN: config.yaml: 3 errors, 0 warnings, 1 info.');
    const shown = optinDiagnostics(uri);
    assert.strictEqual(shown.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length, 3, describeDiagnostics(shown));
    assert.strictEqual(shown.length, 4, describeDiagnostics(shown));
  });

  it('optin.validateConfig with a file argument validates it even when its name matches no glob, and says what a run still needs', async () => {
    const uri = writeConfig('validate-arg/experiment.yaml', 'model_path: ../../bert-spam/model\nmac_constraint: 0.5\n');
    const summary = await vscode.commands.executeCommand<Summary>('optin.validateConfig', uri);
    assert.deepStrictEqual([summary.errors, summary.warnings], [0, 0], summary.message);
    assert.deepStrictEqual(summary.missingToRun, ['calibration_data', 'eval_data']);
    assert.strictEqual(summary.message, 'OPTIN: experiment.yaml: 0 errors, 0 warnings, 2 info; to run it, set calibration_data, eval_data.');
    // From now on it is linted live like any config.
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(2, 0), 'batch_size: 0\n');
    await vscode.workspace.applyEdit(edit);
    await waitForDiagnostics(uri, (ds) => ds.some((d) => d.code === 'out-of-range'), 'the live check of the picked file');
  });

  it('an empty file: no diagnostics while it is a new config.yaml; picked for optin.validateConfig it is one not-a-config error', async () => {
    const fresh = writeConfig('validate-empty/config.yaml', '');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fresh));
    await lintSettled(fresh);
    assert.deepStrictEqual(optinDiagnostics(fresh), [], `a new, empty config.yaml is being written: ${describeDiagnostics(optinDiagnostics(fresh))}`);
    const picked = writeConfig('validate-empty/notes.yaml', '# nothing yet\n');
    const summary = await vscode.commands.executeCommand<Summary>('optin.validateConfig', picked);
    assert.strictEqual(summary.errors, 1, summary.message);
    const ds = await waitForDiagnostics(picked, (d) => d.length === 1, 'the not-a-config error of the picked file');
    assert.strictEqual(ds[0].code, 'not-a-config', describeDiagnostics(ds));
    assert.match(ds[0].message, /^The file is empty, so it is not an OPTIN config: .*`model_path`/);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('optin.newConfig writes a commented config for a checkpoint, with the data next to it, and opens it', async () => {
    const checkpoint = vscode.Uri.file(path.join(workspaceDir(), 'bert-spam', 'model'));
    const target = vscode.Uri.file(path.join(workspaceDir(), 'suite-files', 'new-config', 'optin-bert-spam.yaml'));
    fs.mkdirSync(path.dirname(target.fsPath), { recursive: true });
    const written = await vscode.commands.executeCommand<vscode.Uri>('optin.newConfig', { checkpoint, configFile: target, pick: 'best' });
    assert.strictEqual(written?.fsPath, target.fsPath);
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(text, /^# OPTIN pruning config for bert-spam\/model\n# bert \(BertForSequenceClassification\): 4 layers × 4 heads, hidden 96, FFN 384, 2 labels \(ham, spam\)\n/);
    assert.match(text, /\ntask_name: language\nmodel_path: \.\.\/\.\.\/bert-spam\/model\ncalibration_data: \.\.\/\.\.\/bert-spam\/data\/calibration\.tsv\neval_data: \.\.\/\.\.\/bert-spam\/data\/eval\.tsv\n/);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, target.fsPath, 'the new config is not the active editor');
    // Clean: nothing from the instant checks or the disk checks.
    await lintSettled(target);
    assert.deepStrictEqual(optinDiagnostics(target), [], describeDiagnostics(optinDiagnostics(target)));
    // It never overwrites.
    const again = await vscode.commands.executeCommand<vscode.Uri | undefined>('optin.newConfig', { checkpoint, configFile: target, pick: 'best' });
    assert.strictEqual(again, undefined);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('optin.newConfig with a Hugging Face model id and a dataset name writes a config that names them; the linter says a run downloads them', async () => {
    const target = vscode.Uri.file(path.join(workspaceDir(), 'suite-files', 'new-config', 'optin-hub.yaml'));
    fs.mkdirSync(path.dirname(target.fsPath), { recursive: true });
    const written = await vscode.commands.executeCommand<vscode.Uri>('optin.newConfig', { model: 'someone/bert-tiny-mnli', dataset: 'mnli', configFile: target });
    assert.strictEqual(written?.fsPath, target.fsPath);
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(text, /^# OPTIN pruning config for someone\/bert-tiny-mnli \(Hugging Face Hub\)\n/);
    assert.match(text, /\nmodel_name: someone\/bert-tiny-mnli\ndataset: mnli\n/);
    await lintSettled(target);
    const ds = optinDiagnostics(target);
    // Nothing missing (the names stand in for the paths); both names noted as not cached yet.
    assert.deepStrictEqual(ds.map((d) => [d.code, d.severity]).sort(), [['not-downloaded', vscode.DiagnosticSeverity.Information], ['not-downloaded', vscode.DiagnosticSeverity.Information]], describeDiagnostics(ds));
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('optin.newConfig refuses a folder without config.json', async () => {
    const dir = vscode.Uri.file(path.join(workspaceDir(), 'bert-spam', 'data'));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('optin.newConfig', { checkpoint: dir, pick: 'best' });
    assert.strictEqual(written, undefined);
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});
