import * as vscode from 'vscode';
import type { ConfigDocuments } from './configDocuments';
import type { ConfigDiagnostics } from './diagnostics';
import { newConfigCommand, type NewConfigArgs } from './newConfig';
import { validateConfigCommand } from './validateCommand';

/** Commands declared in package.json that later issues will implement. */
const PLACEHOLDERS: Record<string, string> = {
  'optin.prune': 'Pruning from the editor',
  'optin.openResults': 'The results panel',
};

export function registerCommands(context: vscode.ExtensionContext, docs: ConfigDocuments, diagnostics: ConfigDiagnostics): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('optin.validateConfig', (arg?: vscode.Uri | { uri?: vscode.Uri }) => validateConfigCommand(docs, diagnostics, arg)),
    vscode.commands.registerCommand('optin.newConfig', (args?: NewConfigArgs) => newConfigCommand(args instanceof vscode.Uri ? { checkpoint: args } : args)),
  );
  for (const [id, what] of Object.entries(PLACEHOLDERS)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, () =>
        vscode.window.showInformationMessage(`OPTIN: ${what} is not available yet in this version; use the \`optin\` CLI (optin --help).`),
      ),
    );
  }
}
