import * as path from 'path';
import * as vscode from 'vscode';
import { validateText } from '../config';
import type { ConfigDocuments } from './configDocuments';
import { activeConfig, pickConfig } from './configPicker';
import type { ConfigDiagnostics } from './diagnostics';

/**
 * "OPTIN: Validate Config": the full check (instant and disk) of the active config, or of one
 * the user picks, published to the Problems panel and summarised in a notification.
 */

export interface ValidationSummary {
  file: string;
  errors: number;
  warnings: number;
  information: number;
  /** Keys a run still needs (a run checks in `run` mode: every path set). */
  missingToRun: string[];
  message: string;
}

export async function validateConfigCommand(
  docs: ConfigDocuments,
  diagnostics: ConfigDiagnostics,
  arg?: vscode.Uri | { uri?: vscode.Uri },
): Promise<ValidationSummary | undefined> {
  const uri = (arg instanceof vscode.Uri ? arg : arg?.uri) ?? activeConfig(docs) ?? (await pickConfig('OPTIN: Validate Config', 'Validate'));
  if (!uri) return undefined;
  docs.choose(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  const shown = await diagnostics.validateFully(doc);
  const count = (s: string) => shown.filter((d) => d.severity === s).length;
  const missingToRun = validateText(doc.getText(), { mode: 'run' })
    .diagnostics.filter((d) => d.code === 'missing-key' && d.key)
    .map((d) => d.key!);
  const [errors, warnings, information] = [count('error'), count('warning'), count('information')];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const ready = errors > 0 ? '' : missingToRun.length ? `; to run it, set ${missingToRun.join(', ')}` : '; ready to run';
  const message = `OPTIN: ${path.basename(uri.fsPath)}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${information ? `, ${information} info` : ''}${ready}.`;
  const notification = errors > 0 ? vscode.window.showWarningMessage(message, 'Show Problems') : vscode.window.showInformationMessage(message, 'Show Problems');
  // Not awaited: the command resolves with the summary while the notification stays up.
  void Promise.resolve(notification).then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
  });
  return { file: uri.fsPath, errors, warnings, information, missingToRun, message };
}
