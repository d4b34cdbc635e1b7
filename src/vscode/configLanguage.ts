import * as vscode from 'vscode';
import { ConfigCompletions, TRIGGER_CHARACTERS } from './completions';
import { ConfigDocuments, YAML_SELECTOR } from './configDocuments';
import { ConfigDiagnostics } from './diagnostics';
import { ConfigHovers } from './hovers';
import { ConfigQuickFixes } from './quickFixes';
import { schemaFileMatch } from './yamlExtension';

/** OPTIN configs as a language: which documents, diagnostics, hovers, completions, quick fixes. */
export function registerConfigLanguage(context: vscode.ExtensionContext): { docs: ConfigDocuments; diagnostics: ConfigDiagnostics } {
  const docs = new ConfigDocuments();
  const diagnostics = new ConfigDiagnostics(docs, schemaFileMatch(context.extension.packageJSON));
  context.subscriptions.push(
    docs,
    diagnostics,
    vscode.languages.registerHoverProvider(YAML_SELECTOR, new ConfigHovers(docs)),
    vscode.languages.registerCompletionItemProvider(YAML_SELECTOR, new ConfigCompletions(docs), ...TRIGGER_CHARACTERS),
    vscode.languages.registerCodeActionsProvider(YAML_SELECTOR, new ConfigQuickFixes(docs, diagnostics), ConfigQuickFixes.metadata),
  );
  return { docs, diagnostics };
}
