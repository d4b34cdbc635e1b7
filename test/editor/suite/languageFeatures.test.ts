/// <reference types="mocha" />
/**
 * Hovers, completions and quick fixes of OPTIN configs, through the same commands VS Code's
 * UI uses (vscode.executeHoverProvider, executeCompletionItemProvider, executeCodeActionProvider).
 */
import * as vscode from 'vscode';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_KEYS } from '../../../src/config';
import {
  at,
  closeAllEditors,
  describeDiagnostics,
  openConfig,
  optinDiagnostics,
  positionOf,
  quickFixes,
  removeSuiteFiles,
  replaceText,
  waitForDiagnostics,
  writeConfig,
} from './helpers';

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n---\n');
}

async function completions(uri: vscode.Uri, position: vscode.Position, trigger?: string): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position, trigger);
  return list?.items ?? [];
}

const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);

describe('OPTIN config hovers, completions and quick fixes', () => {
  after(async () => {
    await closeAllEditors();
    removeSuiteFiles();
  });

  describe('hovers', () => {
    it('document every key, on the key and on its value', async () => {
      const { document } = await openConfig('hover/config.yaml');
      const onKey = await hoverText(document.uri, positionOf(document, 'lambda_contribution', 3));
      assert.match(onKey, /\*\*lambda_contribution\*\*: a number > 0 · default `10` · key of the released OPTIN configs/);
      assert.match(onKey, /λ, the weight of the KD term/);
      const method = await hoverText(document.uri, positionOf(document, 'optin', 2));
      assert.match(method, /\*\*method\*\*/);
      for (const key of ['task_name', 'temp', 'device', 'output_dir']) {
        assert.match(await hoverText(document.uri, positionOf(document, `${key}:`, 1)), new RegExp(`\\*\\*${key}\\*\\*`), key);
      }
    });

    it('tell what a checkpoint and a data file hold on disk', async () => {
      const { document } = await openConfig('hover-disk/config.yaml');
      const model = await hoverText(document.uri, positionOf(document, 'bert-spam/model', 3));
      assert.match(model, /\*\*model_path\*\*/);
      assert.match(model, /\*\*On disk:\*\* bert \(BertForSequenceClassification\): 4 layers × 4 heads, hidden 96, FFN 384, 2 labels \(ham, spam\)\./);
      assert.match(model, /model\.safetensors \d+\.\d MiB · tokenizer/);
      const data = await hoverText(document.uri, positionOf(document, 'calibration.tsv', 2));
      assert.match(data, /\*\*On disk:\*\* TSV: 256 rows, columns sentence, label/);
      const runs = await hoverText(document.uri, positionOf(document, 'output_dir', 2));
      assert.match(runs, /does not exist yet; the first run creates it/);
    });

    it('tell the classes and images of an ImageFolder', async () => {
      const dir = path.dirname(writeConfig('hover-images/config.yaml', 'task_name: vision\nmac_constraint: 0.5\neval_data: images\n').fsPath);
      for (const [cls, n] of [['cat', 2], ['dog', 3]] as const) {
        fs.mkdirSync(path.join(dir, 'images', cls), { recursive: true });
        for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, 'images', cls, `${i}.png`), '');
      }
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(dir, 'config.yaml')));
      assert.match(await hoverText(doc.uri, positionOf(doc, 'images', 1)), /ImageFolder: 5 images in 2 classes \(cat, dog\)/);
    });
  });

  describe('completions', () => {
    it('offer the keys not yet set, with their default as a snippet and their documentation', async () => {
      const { document } = await openConfig('complete-keys/config.yaml');
      const end = document.positionAt(document.getText().length);
      const items = (await completions(document.uri, end)).filter((i) => i.kind === vscode.CompletionItemKind.Property);
      const labels = items.map(label);
      assert.ok(!labels.includes('mac_constraint'), 'offers mac_constraint, which the file sets');
      assert.ok(!labels.includes('model_path'), 'offers model_path, which the file sets');
      for (const k of ['batch_size', 'loss_type', 'seed', 'baselines', 'compat']) assert.ok(labels.includes(k), `no ${k} in ${labels.join(', ')}`);
      assert.ok(labels.every((l) => (CONFIG_KEYS as string[]).includes(l)), labels.join(', '));
      const batch = items.find((i) => label(i) === 'batch_size')!;
      assert.strictEqual((batch.insertText as vscode.SnippetString).value, 'batch_size: ${1:128}');
      assert.match((batch.documentation as vscode.MarkdownString).value, /Examples per forward pass/);
      const loss = items.find((i) => label(i) === 'loss_type')!;
      assert.strictEqual((loss.insertText as vscode.SnippetString).value, 'loss_type: ${1|MMD+KL,MMD,KL|}');
    });

    it('offer the values of an enum key after its colon', async () => {
      const { document } = await openConfig('complete-values/config.yaml');
      await replaceText(document, 'device: auto', 'device: ');
      const items = await completions(document.uri, positionOf(document, 'device: ', 8), ' ');
      const values = items.filter((i) => i.kind === vscode.CompletionItemKind.EnumMember).map(label);
      assert.deepStrictEqual(values.sort(), ['auto', 'cpu', 'cuda', 'webgpu']);
      await replaceText(document, 'method: optin', 'method: mag');
      const partial = await completions(document.uri, positionOf(document, 'method: mag', 11));
      assert.ok(partial.some((i) => label(i) === 'magnitude' && i.kind === vscode.CompletionItemKind.EnumMember), partial.map(label).join(', '));
    });
  });

  describe('quick fixes', () => {
    it('mac_constraint: 60 -> 0.6, and the diagnostic clears', async () => {
      const { document } = await openConfig('fix-budget/config.yaml');
      await replaceText(document, 'mac_constraint: 0.6', 'mac_constraint: 60');
      const [d] = await waitForDiagnostics(document.uri, (ds) => ds.length === 1, 'the out-of-range budget');
      const fixes = await quickFixes(document.uri, d.range);
      const fix = fixes.find((f) => f.title === 'Replace with 0.6');
      assert.ok(fix?.edit, `no "Replace with 0.6" among ${fixes.map((f) => f.title).join(' | ')}`);
      assert.strictEqual(fix.isPreferred, true);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.strictEqual(document.lineAt(6).text, 'mac_constraint: 0.6');
      await waitForDiagnostics(document.uri, (ds) => ds.length === 0, 'the fixed budget clears');
    });

    it('a misspelt key: rename it, or (a second action) remove it', async () => {
      const { document } = await openConfig('fix-key/config.yaml');
      await replaceText(document, 'lambda_contribution', 'lamda_contribution');
      const [d] = await waitForDiagnostics(document.uri, (ds) => ds.length === 1, 'the unknown key');
      assert.deepStrictEqual(at(d), [8, 0, 18]);
      const titles = (await quickFixes(document.uri, d.range)).map((f) => f.title);
      assert.ok(titles.includes('Change to `lambda_contribution`'), titles.join(' | '));
      assert.ok(titles.includes('Remove the unknown key `lamda_contribution`'), titles.join(' | '));
      const rename = (await quickFixes(document.uri, d.range)).find((f) => f.title === 'Change to `lambda_contribution`')!;
      assert.ok(await vscode.workspace.applyEdit(rename.edit!));
      assert.strictEqual(document.lineAt(8).text, 'lambda_contribution: 10');
      await waitForDiagnostics(document.uri, (ds) => ds.length === 0, 'the renamed key clears');

      await replaceText(document, 'temp: 4', 'tmperature_x: 4');
      const [unknown] = await waitForDiagnostics(document.uri, (ds) => ds.length === 1, 'a second unknown key');
      const remove = (await quickFixes(document.uri, unknown.range)).find((f) => f.title.startsWith('Remove the unknown key'));
      assert.ok(remove?.edit, 'no remove action');
      const lines = document.lineCount;
      assert.ok(await vscode.workspace.applyEdit(remove.edit));
      assert.strictEqual(document.lineCount, lines - 1);
      assert.ok(!document.getText().includes('tmperature_x'));
      await waitForDiagnostics(document.uri, (ds) => ds.length === 0, 'the removed key clears');
    });

    it('adds a missing required key with the data found next to the checkpoint', async () => {
      const { document } = await openConfig('fix-missing/config.yaml');
      await replaceText(document, 'eval_data: ../../bert-spam/data/eval.tsv\n', '');
      const [d] = await waitForDiagnostics(document.uri, (ds) => ds.some((x) => x.code === 'missing-key'), 'the missing eval_data');
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Information);
      const fixes = await quickFixes(document.uri, d.range);
      const add = fixes.find((f) => f.title.startsWith('Add `eval_data'));
      assert.ok(add?.edit, `no add action among ${fixes.map((f) => f.title).join(' | ')}`);
      assert.strictEqual(add.title, 'Add `eval_data: ../../bert-spam/data/eval.tsv`');
      assert.ok(await vscode.workspace.applyEdit(add.edit));
      assert.match(document.getText(), /\neval_data: \.\.\/\.\.\/bert-spam\/data\/eval\.tsv\n$/);
      await waitForDiagnostics(document.uri, (ds) => ds.length === 0, 'the added key clears the information');
      assert.deepStrictEqual(optinDiagnostics(document.uri), [], describeDiagnostics(optinDiagnostics(document.uri)));
    });
  });
});
