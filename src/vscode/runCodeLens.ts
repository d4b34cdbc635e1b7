import * as vscode from 'vscode';
import type { ConfigDocuments } from './configDocuments';
import { YAML_SELECTOR } from './configDocuments';
import type { RunController } from './runController';

/**
 * "Prune" and "Sweep Budgets" above the first line of a config, or the running run's progress
 * with "Cancel" while one goes on. Hidden in untrusted workspaces, where runs are disabled.
 */
class RunCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private lastShown = '';

  constructor(private readonly docs: ConfigDocuments, private readonly controller: RunController) {
    // Progress events are frequent and lenses re-render lazily, so they show what runs, not a
    // percentage (the notification and the status bar do); refresh only when that changes.
    controller.onDidChange(() => {
      const now = controller.active.map((r) => `${r.id}:${r.state}`).join(',');
      if (now !== this.lastShown) {
        this.lastShown = now;
        this.changed.fire();
      }
    });
    docs.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.isTrusted || this.docs.kind(doc) !== 'config') return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const runs = this.controller.active.filter((r) => r.request.configFile === doc.uri.fsPath);
    const running = runs.find((r) => r.state === 'running');
    const lenses: vscode.CodeLens[] = [];
    if (running) {
      lenses.push(
        new vscode.CodeLens(top, { title: `$(sync~spin) ${running.request.label} running`, tooltip: 'Show the run log', command: 'optin.showRunLog' }),
        new vscode.CodeLens(top, { title: 'Cancel', command: 'optin.cancelRun', arguments: [running] }),
      );
      if (runs.length > 1) lenses.push(new vscode.CodeLens(top, { title: `${runs.length - 1} queued`, command: 'optin.showRunLog' }));
    }
    lenses.push(
      new vscode.CodeLens(top, { title: '$(play) Prune', tooltip: 'OPTIN: prune with this config', command: 'optin.prune', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: 'Sweep Budgets', tooltip: 'OPTIN: search and evaluate several MAC budgets, reusing the rankings', command: 'optin.sweep', arguments: [doc.uri] }),
    );
    return lenses;
  }
}

export function registerRunCodeLens(context: vscode.ExtensionContext, docs: ConfigDocuments, controller: RunController): void {
  // The editor title's run button shows only on configs (a context key: menus cannot look at content).
  const setContext = () => {
    const doc = vscode.window.activeTextEditor?.document;
    void vscode.commands.executeCommand('setContext', 'optin.activeEditorIsConfig', doc !== undefined && docs.kind(doc) === 'config');
  };
  setContext();
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(YAML_SELECTOR, new RunCodeLens(docs, controller)),
    vscode.window.onDidChangeActiveTextEditor(setContext),
    docs.onDidChange(setContext),
  );
}
