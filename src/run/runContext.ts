/**
 * What every phase of a run shares: the job, the run folder, the report being built, and the
 * log/event/phase bookkeeping. report.json is saved atomically after every step, so a cancelled
 * or failed run states what finished.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from './atomic';
import type { RunEvent } from './events';
import type { PruneJob, RunHooks } from './pruneJob';
import { tryWriteReportHtml } from './reportHtml';
import { PhaseTiming, Report, REPORT_VERSION } from './report';

export const TOOL_VERSION = '0.1.0';

export interface RunContext {
  job: PruneJob;
  runDir: string;
  hooks: RunHooks;
  report: Report;
  emit(e: RunEvent): void;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
  /** Writes report.json (atomically) with the peak RSS so far. */
  save(): void;
  /** Starts a phase: event, log line, timer. */
  phase(name: PhaseTiming['name']): void;
  /** Ends the current phase with a status and saves the report. */
  endPhase(status?: PhaseTiming['status']): void;
  /** Records the current phase as cancelled or failed (the run is ending). */
  failPhase(status: 'cancelled' | 'failed'): void;
  /** The final report.json, and the same report as a page (report.html only warns on failure). */
  finish(): void;
  throwIfAborted(): void;
}

/** A data path, or the first shard of a Parquet split (report.json keeps one path per data set). */
export function firstPath(data: string | readonly string[]): string {
  return typeof data === 'string' ? data : data[0] ?? '';
}

export function createRunContext(job: PruneJob, runDir: string, hooks: RunHooks): RunContext {
  const emit = (e: RunEvent) => hooks.onEvent?.(e);
  const logFile = path.join(runDir, 'log.txt');
  const report: Report = {
    schema: 'optin-report',
    version: REPORT_VERSION,
    status: 'running',
    tool: { name: 'optin-vscode', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    runDir,
    method: job.method,
    device: { requested: job.device, notes: [] },
    model: { dir: job.modelPath, family: '', architecture: '', layers: 0, heads: 0, hidden: 0, intermediate: 0, labels: [], parameters: 0 },
    data: { calibration: { path: firstPath(job.calibrationData), examples: job.calibrationSize, paddedLength: 0, realTokens: 0 } },
    budgets: [],
    phases: [],
    peakRssBytes: 0,
  };
  let phaseStart = performance.now();
  let phaseName: PhaseTiming['name'] = 'load';
  const ctx: RunContext = {
    job, runDir, hooks, report, emit,
    log(message, level = 'info') {
      try {
        fs.appendFileSync(logFile, `${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`);
      } catch {
        // A log line that cannot be written (disk full) must not end the run; the event still goes out.
      }
      emit({ type: 'log', level, message });
    },
    save() {
      report.peakRssBytes = process.resourceUsage().maxRSS * 1024;
      writeJsonAtomic(path.join(runDir, 'report.json'), report);
    },
    phase(name) {
      phaseName = name;
      phaseStart = performance.now();
      emit({ type: 'phase', phase: name });
      ctx.log(`phase ${name}`);
    },
    endPhase(status = 'done') {
      report.phases.push({ name: phaseName, seconds: (performance.now() - phaseStart) / 1000, status });
      ctx.save();
    },
    failPhase(status) {
      report.phases.push({ name: phaseName, seconds: (performance.now() - phaseStart) / 1000, status });
    },
    finish() {
      report.finishedAt = new Date().toISOString();
      ctx.save();
      tryWriteReportHtml(runDir, (m) => ctx.log(m, 'warn'));
    },
    throwIfAborted() {
      hooks.signal?.throwIfAborted();
    },
  };
  return ctx;
}
