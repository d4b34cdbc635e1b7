import * as vscode from 'vscode';

/** Commands declared in package.json; each later issue replaces its placeholder with the real action. */
const PLACEHOLDERS: Record<string, string> = {
  'optin.validateConfig': 'Config validation',
  'optin.prune': 'Pruning from the editor',
  'optin.openResults': 'The results panel',
};

export function registerCommands(context: vscode.ExtensionContext): void {
  for (const [id, what] of Object.entries(PLACEHOLDERS)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, () =>
        vscode.window.showInformationMessage(`OPTIN: ${what} is not available yet in this version; use the \`optin\` CLI (optin --help).`),
      ),
    );
  }
}
