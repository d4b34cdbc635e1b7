/**
 * Folds a run's events into one state for progress displays (notification, status bar, panel):
 * the phase, units done/total within it, its ETA, and an overall fraction. The phases take very
 * different times, so the overall fraction weights them by a typical run (scoring dominates);
 * a reused ranking skips its share at once.
 */
import type { RunEvent } from './events';

export const PHASES = ['download', 'load', 'calibrate', 'score', 'search', 'repair', 'export', 'evaluate'] as const;
const WEIGHT: Record<string, number> = { download: 2, load: 3, calibrate: 4, score: 70, search: 2, repair: 3, export: 6, evaluate: 15 };
const TOTAL = Object.values(WEIGHT).reduce((a, b) => a + b, 0);

export interface ProgressState {
  phase?: string;
  done?: number;
  total?: number;
  etaSeconds?: number;
  detail?: string;
  /** 0..1 over the whole run. */
  overall: number;
}

export function initialProgress(): ProgressState {
  return { overall: 0 };
}

function before(phase: string): number {
  const i = PHASES.indexOf(phase as (typeof PHASES)[number]);
  return i < 0 ? 0 : PHASES.slice(0, i).reduce((s, p) => s + WEIGHT[p], 0) / TOTAL;
}

export function nextProgress(s: ProgressState, e: RunEvent): ProgressState {
  if (e.type === 'phase') return { phase: e.phase, overall: Math.max(s.overall, before(e.phase)) };
  if (e.type === 'progress') {
    const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 1;
    const overall = before(e.phase) + (frac * (WEIGHT[e.phase] ?? 0)) / TOTAL;
    return { phase: e.phase, done: e.done, total: e.total, etaSeconds: e.etaSeconds, detail: e.detail, overall: Math.max(s.overall, overall) };
  }
  if (e.type === 'done') return { ...s, overall: 1 };
  return s;
}

/** "score 120/1,536 · ETA 1m20s" */
export function describeProgress(s: ProgressState): string {
  if (!s.phase) return 'starting';
  // Bytes read as "12.0/417 MiB · 8.1 MiB/s", which the detail says.
  if (s.phase === 'download' && s.detail) return `download ${s.detail}`;
  const units = s.total !== undefined ? ` ${s.done ?? 0}/${s.total.toLocaleString('en-US')}` : '';
  const eta = s.etaSeconds !== undefined && Number.isFinite(s.etaSeconds) ? ` · ETA ${formatDuration(s.etaSeconds)}` : '';
  return `${s.phase}${units}${eta}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const t = Math.round(seconds);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
