import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { registerConfigLanguage } from './vscode/configLanguage';

/** Registers the editor pieces; all logic lives in the plain-Node core under src/. */
export function activate(context: vscode.ExtensionContext): void {
  const { docs, diagnostics } = registerConfigLanguage(context);
  registerCommands(context, docs, diagnostics);
}

export function deactivate(): void {
  // Nothing to tear down: subscriptions are disposed by VS Code.
}
