/// <reference types="mocha" />
/**
 * The JSON Schema for Red Hat's YAML extension, and no duplicate reports when it is active:
 * where it validates a file against our schema (or parses any YAML), OPTIN leaves those
 * reports to it. It is not installed in the test editor, so the decision is tested directly.
 */
import * as vscode from 'vscode';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { configJsonSchemaText, validateText } from '../../../src/config';
import { NO_COVERAGE, schemaFileMatch, withoutYamlExtensionDuplicates, yamlExtensionCoverage, YAML_EXTENSION_ID } from '../../../src/vscode/yamlExtension';
import { closeAllEditors, ourExtension, removeSuiteFiles, writeConfig } from './helpers';

const codes = (text: string, coverage: { parser: boolean; schema: boolean }) =>
  withoutYamlExtensionDuplicates(validateText(text).diagnostics, coverage).map((d) => d.code).sort();

describe('OPTIN and Red Hat YAML', () => {
  after(async () => {
    await closeAllEditors();
    removeSuiteFiles();
  });

  it('contributes schemas/optin-config.schema.json as yamlValidation, shipped and up to date', () => {
    const ext = ourExtension();
    const entries = (ext.packageJSON as { contributes: { yamlValidation: { url: string }[] } }).contributes.yamlValidation;
    assert.deepStrictEqual(entries.map((e) => e.url), ['./schemas/optin-config.schema.json']);
    const shipped = fs.readFileSync(path.join(ext.extensionPath, 'schemas', 'optin-config.schema.json'), 'utf8');
    assert.strictEqual(shipped, configJsonSchemaText());
  });

  it('its fileMatch covers OPTIN-named files only, never any config.yaml (the schema cannot look at content)', async () => {
    const fileMatch = schemaFileMatch(ourExtension().packageJSON);
    assert.deepStrictEqual(fileMatch, ['*optin*.yaml', '*optin*.yml']);
    const matches = async (rel: string) => {
      const doc = await vscode.workspace.openTextDocument(writeConfig(rel, 'mac_constraint: 0.5\n'));
      return fileMatch.some((p) => vscode.languages.match({ pattern: `**/${p}` }, doc) > 0);
    };
    assert.strictEqual(await matches('schema/optin-bert.yaml'), true);
    assert.strictEqual(await matches('schema/mnli.optin.yml'), true);
    assert.strictEqual(await matches('schema/config.yaml'), false);
    assert.strictEqual(await matches('schema/configs/mnli_bert.yaml'), false);
  });

  it('without the YAML extension (as here) OPTIN reports everything', async () => {
    assert.strictEqual(vscode.extensions.getExtension(YAML_EXTENSION_ID), undefined, 'this test editor has redhat.vscode-yaml installed');
    const doc = await vscode.workspace.openTextDocument(writeConfig('schema/optin-x.yaml', 'mac_constraint: 60\n'));
    assert.deepStrictEqual(yamlExtensionCoverage(doc, ['*optin*.yaml']), NO_COVERAGE);
  });

  it('with it, OPTIN leaves syntax and duplicate keys to its parser, and schema checks to its schema validation', () => {
    const text = ['mac_constraint: 60', 'lamda_contribution: 1', 'loss_type: mmd', 'batch_size: "8"', 'seed:', 'seed: 2', 'fine_tune: true', 'temp: [', ''].join('\n');
    const all = codes(text, NO_COVERAGE);
    assert.deepStrictEqual(all, ['duplicate-key', 'empty-value', 'enum', 'missing-key', 'missing-key', 'missing-key', 'not-acted-on', 'out-of-range', 'unknown-key', 'wrong-type', 'yaml-syntax']);
    assert.deepStrictEqual(codes(text, { parser: true, schema: false }), ['empty-value', 'enum', 'missing-key', 'missing-key', 'missing-key', 'not-acted-on', 'out-of-range', 'unknown-key', 'wrong-type']);
    assert.deepStrictEqual(codes(text, { parser: true, schema: true }), ['missing-key', 'missing-key', 'missing-key', 'not-acted-on']);
  });
});
