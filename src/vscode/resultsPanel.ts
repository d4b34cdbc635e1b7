import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { loadComparison } from '../run/compare';
import type { HostMessage, PanelMessage, PanelState } from '../run/panelProtocol';
import { renderPanelHtml } from '../run/reportHtml';
import { loadPanelData, readReport, summarizeRun } from '../run/runData';
import type { RunController } from './runController';
import type { RunsView } from './runsView';

/**
 * Hosts the results app (dist/webview.js) in one webview panel beside the config: posts the run
 * list and the selected run's data, forwards live progress, saves exports through a save dialog,
 * and is restored after a window reload by a serializer (the app keeps the shown run in its state).
 * In compare mode it shows two or more runs side by side instead, and follows those that run.
 */
export const RESULTS_VIEW_TYPE = 'optin.results';

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private selected: string | undefined;
  /** Compare mode: the compared run folders (two or more); undefined shows `selected` alone. */
  private compared: string[] | undefined;
  /** The compared runs' history lines as last posted: a refresh re-reads the comparison only when they changed. */
  private lastComparedKey = '';
  private readonly subscriptions: vscode.Disposable[] = [];
  /** When report.json was last posted, so progress bursts re-read it at most every 2 s. */
  private lastDataPost = 0;
  /** The run list as last posted: the history is re-read often (file watcher), the list changes rarely. */
  private lastRunsPosted = '';

  constructor(private readonly extensionUri: vscode.Uri, controller: RunController, private readonly runs: RunsView) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: PanelState | undefined) => this.attach(panel, state?.runDir, state?.compared),
      }),
      controller.onDidEvent(({ run, event }) => {
        if (!this.panel) return;
        if (this.compared) {
          // A comparison stays put when a new run starts (the run list offers it); compared runs update live.
          if (event.type === 'started') void this.postRuns();
          else if (run.runDir && this.compared.includes(run.runDir) && (event.type === 'phase' || (event.type === 'progress' && Date.now() - this.lastDataPost > 2_000))) this.postCompare();
          return;
        }
        // A new run takes over the panel while it runs (live updates); others keep theirs.
        if (event.type === 'started') {
          this.selected = event.runDir;
          void this.postRuns();
          this.postData();
          return;
        }
        if (!run.runDir || run.runDir !== this.selected) return;
        if (event.type === 'progress') {
          void this.post({ type: 'progress', runDir: run.runDir, phase: event.phase, done: event.done, total: event.total, etaSeconds: event.etaSeconds });
          if (Date.now() - this.lastDataPost > 2_000) this.postData();
        } else if (event.type === 'phase') {
          this.postData();
        }
      }),
      // The end of a run, however it ended (a crash sends no 'done'): its final report.
      controller.onDidFinish(({ run }) => {
        if (!this.panel || !run.runDir) return;
        if (this.compared?.includes(run.runDir)) this.postCompare();
        else if (!this.compared && run.runDir === this.selected) this.postData();
      }),
      // The Runs view re-reads the history (after each run, on report.json changes): the run list follows.
      runs.onDidRefresh((history) => {
        if (!this.panel) return;
        // Compared runs written by someone else (the CLI, another window) change their history line.
        if (this.compared && this.comparedKey(history) !== this.lastComparedKey) this.postCompare();
        if (!this.compared && !this.selected && history.length > 0) {
          this.selected = history[0].runDir;
          this.postData();
        }
        void this.postRuns();
      }),
    );
  }

  get visible(): boolean {
    return this.panel !== undefined;
  }

  get shownRun(): string | undefined {
    return this.compared ? undefined : this.selected;
  }

  get comparedRuns(): readonly string[] | undefined {
    return this.compared;
  }

  /** Opens (or reveals) the panel in compare mode on these run folders (two or more). */
  async showCompare(runDirs: string[], preserveFocus = false): Promise<void> {
    const dirs = [...new Set(runDirs)];
    if (dirs.length < 2) throw new Error('compare needs two or more runs');
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, 'OPTIN Results', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
      this.attach(panel, undefined, dirs);
    } else {
      this.panel.reveal(undefined, preserveFocus);
      this.compared = dirs;
      void this.postRuns();
      this.postCompare();
    }
  }

  /** Opens (or reveals) the panel beside the active editor, showing `runDir` (default: the newest run). */
  async show(runDir?: string, preserveFocus = false): Promise<void> {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, 'OPTIN Results', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
      this.attach(panel, runDir);
    } else {
      this.panel.reveal(undefined, preserveFocus);
      if (runDir && (runDir !== this.selected || this.compared)) {
        this.compared = undefined;
        this.selected = runDir;
        void this.postRuns();
        this.postData();
      }
    }
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel, runDir: string | undefined, compared?: string[]): void {
    this.panel = panel;
    this.selected = runDir;
    this.compared = compared && compared.length >= 2 ? compared : undefined;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'optin.svg');
    panel.webview.options = this.options();
    const webview = panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    webview.html = renderPanelHtml({
      title: 'OPTIN Results',
      nonce,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.css')).toString(),
    });
    const subs = [
      webview.onDidReceiveMessage((m: PanelMessage) => void this.onMessage(m)),
      panel.onDidDispose(() => {
        for (const s of subs) s.dispose();
        if (this.panel === panel) this.panel = undefined;
      }),
    ];
  }

  private async onMessage(m: PanelMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        // A (re)loaded page has no list yet.
        this.lastRunsPosted = '';
        if (!this.compared && !this.selected && m.compared && m.compared.length >= 2) this.compared = m.compared;
        if (this.compared) {
          await this.postRuns();
          this.postCompare();
          return;
        }
        // Before the history is first read, the list comes with onDidRefresh.
        this.selected ??= m.runDir ?? this.runs.runs[0]?.runDir;
        await this.postRuns();
        this.postData();
        return;
      }
      case 'select':
        this.compared = undefined;
        this.selected = m.runDir;
        void this.postRuns();
        this.postData();
        return;
      case 'compare':
        if (m.runDirs.length >= 2) {
          this.compared = [...new Set(m.runDirs)];
          void this.postRuns();
          this.postCompare();
        }
        return;
      case 'export':
        await this.saveExport(m.fileName, m.encoding === 'base64' ? Buffer.from(m.content, 'base64') : Buffer.from(m.content, 'utf8'));
        return;
      case 'command': {
        const id = { revealRunFolder: 'optin.revealRunFolder', exportModel: 'optin.exportModel', openConfig: 'optin.openRunConfig' }[m.command];
        if (id) await vscode.commands.executeCommand(id, m.runDir, m.budget);
        return;
      }
    }
  }

  private async saveExport(fileName: string, bytes: Buffer): Promise<void> {
    const base = this.compared?.[0] ?? this.selected ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    // The app names the file; the user picks where (default: the run folder).
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(base, path.basename(fileName))), title: 'OPTIN: Export' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`OPTIN: saved ${target.fsPath}`);
  }

  private async postRuns(): Promise<void> {
    const history = this.runs.runs;
    // The app lists every run; a selected run that is not in the history (moved folder) still shows.
    const runs = [...history];
    if (this.selected && !runs.some((r) => r.runDir === this.selected)) {
      const report = readReport(this.selected);
      if (report) runs.unshift({ ...summarizeRun(report), runDir: this.selected, id: path.basename(this.selected) });
    }
    const message: HostMessage = { type: 'runs', runs, selected: this.compared ? undefined : this.selected, compared: this.compared };
    const key = JSON.stringify(message);
    if (key === this.lastRunsPosted) return;
    this.lastRunsPosted = key;
    await this.post(message);
  }

  private postData(): void {
    if (!this.selected) return;
    this.lastDataPost = Date.now();
    if (!fs.existsSync(this.selected)) {
      void vscode.window.showWarningMessage(`OPTIN: the run folder ${this.selected} no longer exists.`);
      return;
    }
    const data = loadPanelData(this.selected);
    if (data) void this.post({ type: 'data', data });
  }

  private comparedKey(history: readonly { runDir: string }[]): string {
    return JSON.stringify((this.compared ?? []).map((d) => history.find((r) => r.runDir === d) ?? d));
  }

  /** Reads the compared run folders again and posts the comparison; folders that went away leave it. */
  private postCompare(): void {
    if (!this.compared) return;
    this.lastDataPost = Date.now();
    this.lastComparedKey = this.comparedKey(this.runs.runs);
    const gone = this.compared.filter((d) => !fs.existsSync(path.join(d, 'report.json')));
    if (gone.length) {
      void vscode.window.showWarningMessage(`OPTIN: ${gone.join(', ')} no longer ${gone.length === 1 ? 'holds' : 'hold'} a report.json; left out of the comparison.`);
      this.compared = this.compared.filter((d) => !gone.includes(d));
      if (this.compared.length < 2) {
        // One run left: show it alone.
        this.selected = this.compared[0] ?? this.selected;
        this.compared = undefined;
        void this.postRuns();
        this.postData();
        return;
      }
    }
    try {
      void this.post({ type: 'compare', comparison: loadComparison(this.compared) });
    } catch (e) {
      void vscode.window.showWarningMessage(`OPTIN: cannot compare the runs: ${(e as Error).message}`);
    }
  }

  private post(message: HostMessage): Thenable<boolean> {
    return this.panel?.webview.postMessage(message) ?? Promise.resolve(false);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
