import type { EvalResult } from '../eval/evaluate';
import type { PruneJob } from './pruneJob';
import type { RunStatus } from './report';

/** A job the extension (or a test) hands to the run child process. */
export type Job =
  | { kind: 'eval'; modelDir: string; dataPath: string; batchSize?: number; device?: 'cpu' | 'webgpu' | 'cuda' | 'auto'; threads?: number }
  | { kind: 'prune'; job: PruneJob };

/** Typed messages a run reports (over IPC from the child process, or to the CLI's callback). */
export type RunEvent =
  /** The run folder exists (report.json with status 'running' is there). */
  | { type: 'started'; runDir: string }
  | { type: 'phase'; phase: string }
  | { type: 'progress'; phase: string; done: number; total: number; etaSeconds?: number; detail?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; result: EvalResult }
  | { type: 'done'; status: RunStatus; runDir: string; error?: string }
  | { type: 'error'; message: string; userError: boolean };
