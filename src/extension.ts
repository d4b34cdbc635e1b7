import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';

/** Registers the editor pieces; all logic lives in the plain-Node core under src/. */
export function activate(context: vscode.ExtensionContext): void {
  registerCommands(context);
}

export function deactivate(): void {
  // Nothing to tear down: subscriptions are disposed by VS Code.
}
