import * as path from 'path';
import * as vscode from 'vscode';
import { keySpec, parseConfig, resolveConfigPath } from '../config';
import type { ConfigEntry, ConfigKey, Diagnostic } from '../config';
import { checkpointModality, findCheckpointsNear, findDataNear, summariseCheckpoint } from '../config/disk';
import { relativePath, yamlString } from '../config/template';
import type { ConfigDocuments } from './configDocuments';
import { isSameDiagnostic, toVscodeRange, type ConfigDiagnostics } from './diagnostics';

/**
 * Quick fixes from the `data` of OPTIN's diagnostics: the replacement a diagnostic carries
 * (a misspelt key, `mac_constraint: 60` -> `0.6`, an enum value, a default for an empty
 * value), adding a missing key (with a checkpoint or data file found nearby as its value),
 * and removing an unknown or duplicate key. Fixes are found by range, so they also apply on
 * the squiggles of Red Hat's YAML extension where OPTIN leaves those reports to it.
 */
export class ConfigQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly docs: ConfigDocuments,
    private readonly diagnostics: ConfigDiagnostics,
  ) {}

  async provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix) && !vscode.CodeActionKind.QuickFix.contains(context.only)) return [];
    if (this.docs.kind(doc) !== 'config') return [];
    const all = this.diagnostics.diagnosticsFor(doc);
    const relevant = all.filter((d) => context.diagnostics.some((v) => isSameDiagnostic(v, d)) || toVscodeRange(d.range).intersection(range) !== undefined);
    const actions: vscode.CodeAction[] = [];
    for (const d of relevant) {
      const shown = context.diagnostics.find((v) => isSameDiagnostic(v, d));
      const add = (action: vscode.CodeAction | undefined) => {
        if (!action) return;
        if (shown) action.diagnostics = [shown];
        actions.push(action);
      };
      if (d.data?.replacement !== undefined) add(replaceAction(doc, d));
      if (d.data?.insertKey) add(await insertKeyAction(doc, d.data.insertKey as ConfigKey));
      if (d.code === 'unknown-key' || d.code === 'duplicate-key') add(removeAction(doc, d));
      if (d.code === 'not-downloaded') add(downloadAction(doc));
    }
    return actions;
  }
}

function replaceAction(doc: vscode.TextDocument, d: Diagnostic): vscode.CodeAction {
  const replacement = d.data!.replacement!;
  const title =
    d.code === 'unknown-key'
      ? `Change to \`${replacement}\``
      : d.code === 'empty-value'
        ? `Set to the default, ${replacement.trim()}`
        : `Replace with ${replacement.trim()}`;
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.edit = new vscode.WorkspaceEdit();
  action.edit.replace(doc.uri, toVscodeRange(d.data!.replaceRange ?? d.range), replacement);
  action.isPreferred = true;
  return action;
}

/** The entry whose key the diagnostic is on. */
function entryOf(doc: vscode.TextDocument, d: Diagnostic): ConfigEntry | undefined {
  const r = toVscodeRange(d.range);
  return parseConfig(doc.getText()).entries.find((e) => toVscodeRange(e.keyRange).isEqual(r));
}

/** The lines of an entry: its key line through the last line of its value. */
function entryLines(doc: vscode.TextDocument, entry: ConfigEntry): vscode.Range {
  const first = entry.keyRange.start.line;
  const last = Math.max(entry.keyRange.end.line, entry.value.range.end.line);
  return last + 1 < doc.lineCount ? new vscode.Range(first, 0, last + 1, 0) : new vscode.Range(first, 0, last, doc.lineAt(last).text.length);
}

function removeAction(doc: vscode.TextDocument, d: Diagnostic): vscode.CodeAction | undefined {
  const entry = entryOf(doc, d);
  if (!entry) return undefined;
  const title = d.code === 'unknown-key' ? `Remove the unknown key \`${entry.key}\`` : `Remove this second \`${entry.key}\``;
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.edit = new vscode.WorkspaceEdit();
  action.edit.delete(doc.uri, entryLines(doc, entry));
  return action;
}

async function insertKeyAction(doc: vscode.TextDocument, key: ConfigKey): Promise<vscode.CodeAction> {
  const parsed = parseConfig(doc.getText());
  const value = doc.uri.scheme === 'file' ? await proposePath(doc.uri.fsPath, key, parsed.byKey.get('model_path')) : undefined;
  const line = `${key}: ${value !== undefined ? yamlString(value) : ''}`;
  // Next to the released-config key it replaces (model_name -> model_path), else at the end.
  const replaced = keySpec(key).replaces ? parsed.byKey.get(keySpec(key).replaces!) : undefined;
  const edit = new vscode.WorkspaceEdit();
  if (replaced) {
    const lines = entryLines(doc, replaced);
    const atLineStart = lines.end.character === 0 && lines.end.line > lines.start.line;
    edit.insert(doc.uri, lines.end, atLineStart ? `${line}\n` : `\n${line}`);
  } else {
    const text = doc.getText();
    const end = doc.positionAt(text.length);
    edit.insert(doc.uri, end, `${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
  }
  const action = new vscode.CodeAction(value !== undefined ? `Add \`${line}\`` : `Add \`${key}:\``, vscode.CodeActionKind.QuickFix);
  action.edit = edit;
  return action;
}

/** A checkpoint or data path near the config for a missing path key, relative to the config. */
async function proposePath(configFile: string, key: ConfigKey, modelEntry: ConfigEntry | undefined): Promise<string | undefined> {
  const dir = path.dirname(configFile);
  if (key === 'model_path') {
    const found = await findCheckpointsNear(dir, 3, 1);
    return found[0] !== undefined ? relativePath(dir, found[0]) : undefined;
  }
  if (key !== 'calibration_data' && key !== 'eval_data') return undefined;
  const model = modelEntry?.value.kind === 'scalar' && typeof modelEntry.value.value === 'string' ? resolveConfigPath(modelEntry.value.value, dir) : undefined;
  if (!model) return undefined;
  const modality = checkpointModality(await summariseCheckpoint(model));
  const found = await findDataNear(model, modality);
  const best = key === 'calibration_data' ? found.calibration[0] : found.eval[0];
  return best ? relativePath(dir, best.path) : undefined;
}

/** "Download now": fetches what `model_name` / `dataset` name into the Hugging Face cache. */
function downloadAction(doc: vscode.TextDocument): vscode.CodeAction {
  const action = new vscode.CodeAction('Download now', vscode.CodeActionKind.QuickFix);
  action.command = { command: 'optin.download', title: 'Download now', arguments: [doc.uri] };
  action.isPreferred = true;
  return action;
}
