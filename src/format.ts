/** Number formatting shared by the CLI, the editor's messages and views, and the results app. */

export const DASH = '—';

/** A fraction as a percentage ("0.9767" -> "97.7%"); a missing or non-finite value as a dash. */
export function pct(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? DASH : `${(x * 100).toFixed(digits)}%`;
}
