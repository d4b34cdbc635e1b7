import * as path from 'path';
import * as vscode from 'vscode';
import type { Job, RunEvent } from '../run/events';
import { describeProgress, initialProgress, nextProgress, type ProgressState } from '../run/progressModel';
import { startRunProcess, type RunOutcome, type RunProcess } from '../run/runProcess';

/**
 * Runs pruning jobs as child processes of the extension host (dist/child.js), one at a time per
 * config (later ones wait in a queue), with a cancellable progress notification, a status-bar
 * item and the full log in the "OPTIN" output channel. It knows nothing about configs: the
 * commands (runCommands.ts) validate and build the Job.
 */

export interface RunRequest {
  /** The config file (queue key and display name). */
  configFile: string;
  /** "Prune" or "Sweep 0.4, 0.5". */
  label: string;
  job: Job;
}

export interface ActiveRun {
  readonly id: number;
  readonly request: RunRequest;
  state: 'queued' | 'running';
  runDir?: string;
  progress: ProgressState;
  startedAt?: number;
  cancelRequested: boolean;
}

export interface RunFinished {
  run: ActiveRun;
  outcome: RunOutcome;
}

/** Seconds between SIGTERM (finish the current ONNX Runtime call, write a 'cancelled' report) and SIGKILL. */
const GRACE_MS = 15_000;

export class RunController implements vscode.Disposable {
  private readonly runs: ActiveRun[] = [];
  private readonly processes = new Map<number, RunProcess>();
  private readonly cancelWaiters = new Map<number, () => void>();
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly events = new vscode.EventEmitter<{ run: ActiveRun; event: RunEvent }>();
  private readonly finished = new vscode.EventEmitter<RunFinished>();
  /** A run was queued, started, progressed or ended. */
  readonly onDidChange = this.changed.event;
  readonly onDidEvent = this.events.event;
  readonly onDidFinish = this.finished.event;
  readonly output: vscode.OutputChannel;
  private readonly statusBar: vscode.StatusBarItem;

  constructor(private readonly childScript: string) {
    this.output = vscode.window.createOutputChannel('OPTIN');
    this.statusBar = vscode.window.createStatusBarItem('optin.run', vscode.StatusBarAlignment.Left, 50);
    this.statusBar.name = 'OPTIN run';
    this.statusBar.command = 'optin.showRunLog';
  }

  /** Running and queued runs, in start order. */
  get active(): readonly ActiveRun[] {
    return this.runs;
  }

  /**
   * Queues a run; resolves when it has ended (or was cancelled while queued: undefined).
   * The progress notification lives as long as the run, queued time included.
   */
  enqueue(request: RunRequest): { run: ActiveRun; finished: Promise<RunOutcome | undefined> } {
    const run: ActiveRun = { id: this.nextId++, request, state: 'queued', progress: initialProgress(), cancelRequested: false };
    this.runs.push(run);
    this.log(run, `queued: ${request.label} ${request.configFile}`);
    const finished = this.notify(run);
    this.pump();
    return { run, finished };
  }

  /** Stops a run: a queued one leaves the queue, a running one gets SIGTERM then SIGKILL. */
  cancel(run: ActiveRun): void {
    if (run.cancelRequested) {
      // A second cancel does not wait for the grace period.
      this.processes.get(run.id)?.cancel(0);
      return;
    }
    run.cancelRequested = true;
    this.log(run, run.state === 'queued' ? 'cancelled while queued' : 'cancelling: stopping after the current ONNX Runtime call');
    if (run.state === 'queued') {
      this.remove(run);
      this.cancelWaiters.get(run.id)?.();
    } else {
      this.processes.get(run.id)?.cancel(GRACE_MS);
    }
    this.update();
  }

  private notify(run: ActiveRun): Promise<RunOutcome | undefined> {
    const name = path.basename(run.request.configFile);
    return new Promise((resolve) => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `OPTIN: ${run.request.label} ${name}`, cancellable: true },
        (progress, token) =>
          new Promise<void>((end) => {
            token.onCancellationRequested(() => this.cancel(run));
            let reported = 0;
            const sub = this.events.event(({ run: r }) => {
              if (r !== run) return;
              const increment = Math.max(0, run.progress.overall * 100 - reported);
              reported += increment;
              progress.report({ message: describeProgress(run.progress), increment });
            });
            if (run.state === 'queued') progress.report({ message: 'queued behind the running run of this config' });
            const close = (outcome: RunOutcome | undefined) => {
              sub.dispose();
              done.dispose();
              end();
              resolve(outcome);
            };
            const done = this.finished.event(({ run: r, outcome }) => {
              if (r === run) close(outcome);
            });
            this.cancelWaiters.set(run.id, () => close(undefined));
          }),
      );
    });
  }

  /** Starts every queued run whose config has no running run. */
  private pump(): void {
    const busy = new Set(this.runs.filter((r) => r.state === 'running').map((r) => r.request.configFile));
    for (const run of this.runs) {
      if (run.state !== 'queued' || busy.has(run.request.configFile)) continue;
      busy.add(run.request.configFile);
      this.start(run);
    }
    this.update();
  }

  private start(run: ActiveRun): void {
    run.state = 'running';
    run.startedAt = Date.now();
    this.log(run, `started: ${run.request.label} ${run.request.configFile}`);
    const proc = startRunProcess(this.childScript, run.request.job, {
      // In desktop VS Code process.execPath is the Electron binary: make the child plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      onEvent: (event) => {
        if (event.type === 'started') run.runDir = event.runDir;
        if (event.type === 'done') run.runDir = event.runDir;
        run.progress = nextProgress(run.progress, event);
        if (event.type === 'log') this.log(run, `${event.level === 'info' ? '' : `${event.level}: `}${event.message}`);
        if (event.type === 'error') this.log(run, `error: ${event.message}`);
        this.events.fire({ run, event });
        if (event.type !== 'log') this.update();
      },
    });
    this.processes.set(run.id, proc);
    void proc.done.then((outcome) => {
      this.processes.delete(run.id);
      this.cancelWaiters.delete(run.id);
      run.runDir ??= outcome.runDir;
      const secs = ((Date.now() - (run.startedAt ?? Date.now())) / 1000).toFixed(1);
      this.log(run, `${outcome.status} after ${secs} s${outcome.message ? `: ${outcome.message}` : ''}${run.runDir ? ` (${run.runDir})` : ''}`);
      if (outcome.status === 'crashed') {
        this.log(run, 'last lines before the crash:');
        for (const l of outcome.lastLines) this.output.appendLine(`    ${l}`);
      }
      this.remove(run);
      this.finished.fire({ run, outcome: { ...outcome, runDir: run.runDir } });
      this.pump();
    });
  }

  private remove(run: ActiveRun): void {
    const i = this.runs.indexOf(run);
    if (i >= 0) this.runs.splice(i, 1);
  }

  private update(): void {
    const running = this.runs.filter((r) => r.state === 'running');
    const queued = this.runs.length - running.length;
    if (running.length === 0 && queued === 0) {
      this.statusBar.hide();
    } else {
      const first = running[0];
      const pct = first ? ` ${Math.round(first.progress.overall * 100)}%` : '';
      this.statusBar.text = `$(sync~spin) OPTIN${pct}${running.length > 1 ? ` (+${running.length - 1})` : ''}${queued ? ` · ${queued} queued` : ''}`;
      this.statusBar.tooltip = new vscode.MarkdownString(
        [...running.map((r) => `**${path.basename(r.request.configFile)}** — ${r.request.label}: ${describeProgress(r.progress)}`),
          ...this.runs.filter((r) => r.state === 'queued').map((r) => `${path.basename(r.request.configFile)} — queued`),
          '', 'Click to show the run log.'].join('\n\n'),
      );
      this.statusBar.show();
    }
    this.changed.fire();
  }

  private log(run: ActiveRun, line: string): void {
    this.output.appendLine(`[${new Date().toLocaleTimeString()}] [${path.basename(run.request.configFile)} #${run.id}] ${line}`);
  }

  dispose(): void {
    // Closing the window ends the runs gracefully; report.json then says 'cancelled'.
    for (const p of this.processes.values()) p.cancel(GRACE_MS);
    this.output.dispose();
    this.statusBar.dispose();
    this.changed.dispose();
    this.events.dispose();
    this.finished.dispose();
  }
}
