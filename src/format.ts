/** Number formatting shared by the CLI, the editor's messages and views, and the results app. */

export const DASH = '—';

/** A fraction as a percentage ("0.9767" -> "97.7%"); a missing or non-finite value as a dash. */
export function pct(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? DASH : `${(x * 100).toFixed(digits)}%`;
}

/** A size in bytes as people read it: "512 B", "3.2 KiB", "417.0 MiB", "1.25 GiB". */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
