/**
 * Runs one Job in a forked child process (dist/child.js) and reports its RunEvents. The editor
 * never runs ONNX Runtime on its own event loop, and never in a worker thread: terminating a
 * worker mid-session can abort the whole extension host, while a child process can always be
 * stopped (SIGTERM = finish the current ONNX Runtime call and write a 'cancelled' report; SIGKILL
 * after a grace period).
 */
import { fork } from 'child_process';
import type { Job, RunEvent } from './events';
import type { RunStatus } from './report';

export interface RunOutcome {
  /** complete / cancelled / failed as the run reported it, or 'crashed' when the process died without saying. */
  status: RunStatus | 'crashed';
  runDir?: string;
  /** Why it failed or crashed, for the user. */
  message?: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last log lines (events and stderr), to show with a crash. */
  lastLines: string[];
  /** The process ran out of memory (V8 heap or an allocation in ONNX Runtime). */
  outOfMemory: boolean;
}

export interface RunProcess {
  readonly pid: number | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly done: Promise<RunOutcome>;
  /** Graceful stop; the process is killed if it has not exited after `graceMs`. */
  cancel(graceMs?: number): void;
}

export interface RunProcessOptions {
  onEvent?: (e: RunEvent) => void;
  /** Extra arguments for the Node.js that runs the child (e.g. --max-old-space-size). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  lastLines?: number;
}

const OOM = /JavaScript heap out of memory|std::bad_alloc|Failed to allocate memory|Cannot allocate memory|ENOMEM/i;

export function startRunProcess(childScript: string, job: Job, opts: RunProcessOptions = {}): RunProcess {
  const keep = opts.lastLines ?? 30;
  const lines: string[] = [];
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > keep) lines.shift();
  };
  // stdio 'pipe' for stderr: native crashes and V8's out-of-memory message arrive there only.
  const child = fork(childScript, [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: opts.execArgv ?? [],
    env: opts.env ?? process.env,
    serialization: 'json',
  });
  let reported: { status: RunStatus; runDir: string } | undefined;
  let runDir: string | undefined;
  let error: string | undefined;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;

  child.on('message', (msg) => {
    const e = msg as RunEvent;
    if (e.type === 'log') remember(e.message);
    if (e.type === 'started' || e.type === 'done') runDir = e.runDir;
    if (e.type === 'done') {
      reported = { status: e.status, runDir: e.runDir };
      error ??= e.error;
    }
    if (e.type === 'error') error = e.message;
    opts.onEvent?.(e);
  });
  let stderrRest = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (stderrRest + chunk).split('\n');
    stderrRest = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) remember(p);
  });
  child.stdout?.resume();

  const done = new Promise<RunOutcome>((resolve) => {
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      if (stderrRest.trim()) remember(stderrRest);
      const outOfMemory = lines.some((l) => OOM.test(l)) || (error !== undefined && OOM.test(error));
      let status: RunOutcome['status'];
      let message = error;
      if (spawnError) {
        status = 'crashed';
        message = `the run process could not start: ${spawnError.message}`;
      } else if (reported) {
        status = reported.status;
      } else if (cancelled) {
        status = 'cancelled';
        message = 'stopped by the user (killed after the grace period)';
      } else if (error !== undefined) {
        status = 'failed';
      } else if (exitCode === 0) {
        // A job without a run folder (eval) ends with its result and exit code 0.
        status = 'complete';
      } else {
        status = 'crashed';
        message = outOfMemory
          ? 'the run process ran out of memory'
          : `the run process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${exitCode}`})`;
      }
      resolve({ status, runDir, message, exitCode, signal, lastLines: [...lines], outOfMemory });
    };
    child.on('exit', (code, signal) => finish(code, signal));
    child.on('error', (err) => finish(null, null, err));
  });

  child.send(job);
  return {
    pid: child.pid,
    done,
    cancel(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      cancelled = true;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), graceMs);
    },
  };
}
