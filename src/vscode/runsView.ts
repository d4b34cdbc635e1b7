import * as path from 'path';
import * as vscode from 'vscode';
import { pct } from '../format';
import { describeProgress } from '../run/progressModel';
import type { RunSummary } from '../run/runData';
import type { ActiveRun, RunController } from './runController';
import type { RunHistory } from './runHistory';

/**
 * The "Runs" view in the OPTIN activity-bar container: runs going on or queued, then the run
 * history (status, budgets, metric). Inline actions come from package.json menus keyed on
 * contextValue (optin.run.active / optin.run.<status>).
 */

export type RunNode = { kind: 'active'; run: ActiveRun } | { kind: 'history'; run: RunSummary };

const STATUS_ICON: Record<string, vscode.ThemeIcon> = {
  complete: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  running: new vscode.ThemeIcon('question'),
};

export function describeRun(r: RunSummary): string {
  const budgets = r.budgets.length ? `@ ${r.budgets.join(', ')}` : '';
  const metrics = r.metrics.filter((m): m is number => m !== undefined);
  const metric = metrics.length && r.metricName ? `${r.metricName} ${metrics.map((m) => pct(m)).join(' / ')}` : '';
  // A 'running' report with no process behind it: the window closed or the process was killed.
  const status = r.status === 'running' ? 'interrupted' : r.status;
  return [budgets, metric, status].filter(Boolean).join(' · ');
}

export class RunsView implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly refreshed = new vscode.EventEmitter<readonly RunSummary[]>();
  /** The history was read again (the results panel's run list follows it). */
  readonly onDidRefresh = this.refreshed.event;
  private history: RunSummary[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly controller: RunController, private readonly runHistory: RunHistory) {
    // Runs started elsewhere (the CLI, another window) appear too: report.json is written at
    // every phase, so refresh on its changes, at most once a second.
    const watcher = vscode.workspace.createFileSystemWatcher('**/report.json');
    // A deleted run folder reports the folder, not its report.json: watch deletions of anything.
    const deletions = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
    const soon = () => {
      if (this.refreshTimer) return;
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
        void this.refresh();
      }, 1_000);
    };
    this.subscriptions.push(
      this.changed,
      this.refreshed,
      watcher,
      watcher.onDidCreate(soon),
      watcher.onDidChange(soon),
      deletions,
      deletions.onDidDelete(soon),
      controller.onDidChange(() => this.changed.fire(undefined)),
      controller.onDidFinish(({ outcome }) => {
        // Until the re-read below lands, the history still holds the 'running' report this run
        // wrote, and a re-render now (the controller starts the next run at once) would show it
        // as "interrupted": take the outcome's status meanwhile.
        const listed = this.history.find((r) => r.runDir === outcome.runDir);
        if (listed?.status === 'running') listed.status = outcome.status === 'crashed' ? 'failed' : outcome.status;
        void this.refresh();
      }),
      { dispose: () => clearTimeout(this.refreshTimer) },
    );
  }

  /** Re-reads the run folders. */
  async refresh(): Promise<RunSummary[]> {
    this.history = await this.runHistory.list();
    this.changed.fire(undefined);
    this.refreshed.fire(this.history);
    return this.history;
  }

  get runs(): readonly RunSummary[] {
    return this.history;
  }

  getChildren(node?: RunNode): RunNode[] {
    if (node) return [];
    const activeDirs = new Set(this.controller.active.map((r) => r.runDir).filter(Boolean));
    return [
      ...this.controller.active.map((run): RunNode => ({ kind: 'active', run })),
      ...this.history.filter((r) => !activeDirs.has(r.runDir)).map((run): RunNode => ({ kind: 'history', run })),
    ];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    if (node.kind === 'active') {
      const { run } = node;
      const item = new vscode.TreeItem(`${path.basename(run.request.configFile)} — ${run.request.label}`);
      item.id = `active-${run.id}`;
      item.description = run.state === 'queued' ? 'queued' : `${Math.round(run.progress.overall * 100)}% · ${describeProgress(run.progress)}`;
      item.iconPath = new vscode.ThemeIcon(run.state === 'queued' ? 'watch' : 'sync~spin');
      item.contextValue = 'optin.run.active';
      item.tooltip = `${run.request.configFile}\n${run.runDir ?? ''}`;
      if (run.runDir) item.command = { command: 'optin.openResults', title: 'Open Results', arguments: [run.runDir] };
      return item;
    }
    const { run } = node;
    const item = new vscode.TreeItem(run.id);
    item.id = run.runDir;
    item.description = describeRun(run);
    item.iconPath = STATUS_ICON[run.status] ?? STATUS_ICON.running;
    item.contextValue = `optin.run.${run.status}`;
    item.resourceUri = vscode.Uri.file(run.runDir);
    const when = new Date(run.createdAt);
    item.tooltip = new vscode.MarkdownString(
      `**${run.id}** (${run.method})\n\n${Number.isNaN(when.getTime()) ? '' : when.toLocaleString()}\n\n${describeRun(run)}` +
        `${run.model ? `\n\nModel: \`${run.model}\`` : ''}${run.data ? `\n\nData: \`${run.data}\`` : ''}\n\n\`${run.runDir}\``,
    );
    item.command = { command: 'optin.openResults', title: 'Open Results', arguments: [run.runDir] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
