/**
 * "OPTIN: Download Model and Data": fetches what a config names on the Hugging Face Hub
 * (`model_name`, `dataset`) into the cache before a run, with progress and Cancel in a
 * notification; the quick fix "Download now" on a not-cached name runs it. Network I/O only, so
 * it runs in the extension host (checksums are computed as the bytes stream in).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { diagnoseConfig, resolveConfig, type RunConfig } from '../config';
import { hubSettings } from '../hub/settings';
import { jobFromConfig } from '../run/job';
import { describeDownload } from '../run/phases/download';
import { fetchSources } from '../run/sources';
import { activeConfig, pickConfig } from './configPicker';
import type { ConfigDocuments } from './configDocuments';
import type { ConfigDiagnostics } from './diagnostics';

export async function downloadNames(docs: ConfigDocuments, diagnostics: ConfigDiagnostics, arg?: vscode.Uri): Promise<string[] | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('OPTIN: downloads are disabled in Restricted Mode, because this workspace chooses what is downloaded. Trust the workspace to download.');
    return undefined;
  }
  const uri = arg ?? activeConfig(docs) ?? (await pickConfig('OPTIN: Download Model and Data', 'Download'));
  if (!uri) return undefined;
  const doc = await vscode.workspace.openTextDocument(uri);
  const file = uri.fsPath;
  const { validated } = await diagnoseConfig(doc.getText(), file, 'lint', false);
  const job = jobFromConfig(resolveConfig(validated.values, path.dirname(file)) as RunConfig, doc.getText());
  if (!job.hub) {
    void vscode.window.showInformationMessage(`OPTIN: ${path.basename(file)} names no Hub model or dataset to download (\`model_name\` without \`model_path\`, or \`dataset\` without data paths).`);
    return undefined;
  }
  const hub = job.hub;
  try {
    const lines = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `OPTIN: downloading for ${path.basename(file)}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        const got = await fetchSources(hub, {
          settings: hubSettings(),
          signal: abort.signal,
          onProgress: (p) => {
            const pct = p.total > 0 ? (100 * p.bytes) / p.total : 0;
            progress.report({ message: describeDownload(p), increment: Math.max(0, pct - shown) });
            shown = Math.max(shown, pct);
          },
        });
        return got.lines;
      },
    );
    void vscode.window.showInformationMessage(`OPTIN: ready to run ${path.basename(file)}: ${lines.join('; ')}.`);
    await diagnostics.validateFully(doc);
    return lines;
  } catch (e) {
    const cancelled = (e as Error).name === 'AbortError' || /abort/i.test((e as Error).message);
    void (cancelled
      ? vscode.window.showWarningMessage('OPTIN: download cancelled; the partial files are kept and the next download or run resumes them.')
      : vscode.window.showErrorMessage(`OPTIN: ${(e as Error).message}`));
    return undefined;
  }
}

export function registerDownloadCommand(context: vscode.ExtensionContext, docs: ConfigDocuments, diagnostics: ConfigDiagnostics): void {
  context.subscriptions.push(vscode.commands.registerCommand('optin.download', (arg?: vscode.Uri) => downloadNames(docs, diagnostics, arg)));
}
