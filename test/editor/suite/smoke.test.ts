/// <reference types="mocha" />
/**
 * Smoke suite: the installed extension is there, activates through its activation event in a
 * workspace with a config.yaml, registers its commands, and its commands run.
 */
import * as vscode from 'vscode';
import * as assert from 'assert';
import * as path from 'path';
import { EXTENSION_ID, ourExtension, stateAfter, waitFor, workspaceDir } from './helpers';

const COMMANDS = ['optin.validateConfig', 'optin.newConfig', 'optin.prune', 'optin.openResults'];

describe('OPTIN extension smoke', () => {
  it(`is installed as ${EXTENSION_ID}`, () => {
    const ext = ourExtension();
    const manifest = ext.packageJSON as { name: string; publisher: string; main: string };
    assert.strictEqual(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
    assert.strictEqual(manifest.main, './dist/extension.js');
  });

  it('activates by itself in a workspace that contains a config.yaml', async () => {
    const ext = ourExtension();
    const active = await waitFor(() => ext.isActive, 20_000);
    assert.ok(active, 'not active 20 s after startup: the workspaceContains:**/config.yaml activation event did not fire');
  });

  it('activate() resolves and leaves it active', async () => {
    const ext = ourExtension();
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers optin.validateConfig, optin.newConfig, optin.prune and optin.openResults', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = COMMANDS.filter((c) => !all.has(c));
    assert.deepStrictEqual(missing, [], `not registered: ${missing.join(', ')}`);
  });

  it('registers every command its package.json contributes', async () => {
    const contributed = ((ourExtension().packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length >= COMMANDS.length, `package.json contributes ${contributed.length} commands`);
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !all.has(c));
    assert.deepStrictEqual(missing, [], `contributed in package.json but no handler registered (running them from the palette fails with "command not found"): ${missing.join(', ')}`);
  });

  for (const command of ['optin.validateConfig', 'optin.openResults']) {
    it(`${command} runs without throwing`, async () => {
      // With a config active, Validate Config checks it rather than asking which one.
      const config = vscode.Uri.file(path.join(workspaceDir(), 'config.yaml'));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(config));
      const run = vscode.commands.executeCommand(command);
      if (command === 'optin.validateConfig') {
        // It resolves with its summary (the notification is not awaited): wait for that, however busy the machine.
        assert.ok(await run, 'optin.validateConfig resolved without a summary');
      } else {
        // Open Results waits for the user's pick: it must not have failed in its first 2 s.
        const state = await stateAfter(run, 2_000);
        if (state.state === 'rejected') throw state.error;
      }
      // Open Results asks which run when there are runs (a quick pick): close it.
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await vscode.commands.executeCommand('notifications.clearAll');
    });
  }
});
