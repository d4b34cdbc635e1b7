import type { EvalResult } from '../eval/evaluate';

/** A job the extension (or a test) hands to the run child process. */
export type Job = { kind: 'eval'; modelDir: string; dataPath: string; batchSize?: number; device?: 'cpu' | 'webgpu' | 'cuda' | 'auto'; threads?: number };

/** Typed messages the child sends back over the IPC channel. */
export type RunEvent =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; result: EvalResult }
  | { type: 'error'; message: string; userError: boolean };
