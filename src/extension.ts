import * as vscode from 'vscode';
import type { RunSummary } from './run/runData';
import { registerCommands } from './vscode/commands';
import { registerConfigLanguage } from './vscode/configLanguage';
import { registerDownloadCommand } from './vscode/downloadCommand';
import { ResultsPanel } from './vscode/resultsPanel';
import { registerRunCodeLens } from './vscode/runCodeLens';
import { registerRunCommands } from './vscode/runCommands';
import { RunController } from './vscode/runController';
import { RunHistory } from './vscode/runHistory';
import { RunsView } from './vscode/runsView';

/** What activate() returns to other extensions (and the in-editor tests): a read-only view of runs and the panel. */
export interface OptinApi {
  activeRuns(): Array<{ configFile: string; label: string; state: 'queued' | 'running'; runDir?: string; phase?: string; overall: number }>;
  /** The shown run, or in compare mode the compared runs. */
  resultsPanel(): { visible: boolean; runDir?: string; compared?: string[] };
  /** The Runs view's history as last read (newest first). */
  runHistory(): readonly RunSummary[];
  /**
   * Resolves once OPTIN has linted the open document's current version (or found that it is
   * not a config) and its disk checks are done; rejects, saying what is pending, after `timeoutMs`.
   */
  lintSettled(uri: vscode.Uri, timeoutMs?: number): Promise<void>;
}

/** Registers the editor pieces; all logic lives in the plain-Node core under src/. */
export function activate(context: vscode.ExtensionContext): OptinApi {
  const { docs, diagnostics } = registerConfigLanguage(context);
  registerCommands(context, docs, diagnostics);
  registerDownloadCommand(context, docs, diagnostics);

  const controller = new RunController(context.asAbsolutePath('dist/child.js'));
  const history = new RunHistory(context.workspaceState);
  const view = new RunsView(controller, history);
  const panel = new ResultsPanel(context.extensionUri, controller, view);
  context.subscriptions.push(controller, view, panel, vscode.window.createTreeView('optin.runs', { treeDataProvider: view, showCollapseAll: false, canSelectMany: true }));
  registerRunCommands(context, { docs, diagnostics, controller, history, view, panel });
  registerRunCodeLens(context, docs, controller);
  void view.refresh();
  return {
    activeRuns: () =>
      controller.active.map((r) => ({ configFile: r.request.configFile, label: r.request.label, state: r.state, runDir: r.runDir, phase: r.progress.phase, overall: r.progress.overall })),
    resultsPanel: () => ({ visible: panel.visible, runDir: panel.shownRun, compared: panel.comparedRuns ? [...panel.comparedRuns] : undefined }),
    runHistory: () => view.runs,
    lintSettled: async (uri, timeoutMs) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (!doc) throw new Error(`${uri.fsPath} is not open`);
      await diagnostics.settled(doc, timeoutMs);
    },
  };
}

export function deactivate(): void {
  // Nothing to tear down: subscriptions are disposed by VS Code (running runs get SIGTERM).
}
