import * as vscode from 'vscode';
import type { ConfigDocuments } from './configDocuments';
import type { ConfigDiagnostics } from './diagnostics';
import { newConfigCommand, type NewConfigArgs } from './newConfig';
import { validateConfigCommand } from './validateCommand';

/** The config commands; the run commands are in runCommands.ts. */
export function registerCommands(context: vscode.ExtensionContext, docs: ConfigDocuments, diagnostics: ConfigDiagnostics): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('optin.validateConfig', (arg?: vscode.Uri | { uri?: vscode.Uri }) => validateConfigCommand(docs, diagnostics, arg)),
    vscode.commands.registerCommand('optin.newConfig', (args?: NewConfigArgs) => newConfigCommand(args instanceof vscode.Uri ? { checkpoint: args } : args)),
  );
}
