/** Number and text formatting shared by the summary, the charts and the exports. */
import type { Report } from '../../src/run/report';

// One formatting of fractions for the CLI, the editor and this app.
import { DASH, pct } from '../../src/format';

export { DASH, pct };

/** A budget as users write it in mac_constraint (0.5 -> "50%"). */
export function budgetLabel(b: number): string {
  return `${+(b * 100).toFixed(1)}%`;
}

export function count(n: number | undefined): string {
  return n === undefined ? DASH : n.toLocaleString('en-US');
}

export function bytes(n: number | undefined): string {
  if (n === undefined || !(n > 0)) return DASH;
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : v < 10 ? 2 : 1)} ${units[i]}`;
}

/** Compact MAC counts (31.2 M). */
export function macs(n: number | undefined): string {
  if (n === undefined) return DASH;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return n.toFixed(0);
}

export function ms(x: number | undefined): string {
  return x === undefined ? DASH : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
}

export function seconds(s: number | undefined): string {
  if (s === undefined) return DASH;
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 90 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function speedup(x: number | undefined): string {
  return x === undefined ? DASH : `${x.toFixed(2)}×`;
}

/** Importance scores span orders of magnitude: three significant digits, exponent when tiny/huge. */
export function score(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-2 ? x.toExponential(2) : x.toPrecision(3);
}

/**
 * A score short enough for a heatmap cell: at most two significant digits and a suffix
 * (32_800 -> "33k", 1_234_000 -> "1.2M", 3.28 -> "3.3", 0.0041 -> "0.0041", 3.2e-5 -> "3.2e-5").
 * The tooltip keeps the fuller `score`.
 */
export function compactScore(x: number): string {
  if (!Number.isFinite(x)) return DASH;
  if (x === 0) return '0';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  // Two significant digits, without trailing zeros ("1.0" -> "1").
  const two = (v: number) => (v >= 10 ? Math.round(v).toString() : String(+v.toFixed(1)));
  // 999.6 rounds to 1000: that is "1k".
  if (a >= 999.5) {
    const units = ['k', 'M', 'G', 'T', 'P', 'E'];
    let i = 0;
    let v = a / 1e3;
    // Round first: 999_600 is "1M", not "1000k".
    while (i < units.length - 1 && Number(two(v)) >= 1000) {
      v /= 1e3;
      i++;
    }
    return `${sign}${two(v)}${units[i]}`;
  }
  if (a >= 1) return sign + (a >= 100 ? Math.round(a).toString() : two(a));
  if (a >= 9.995e-4) return sign + String(+a.toPrecision(2));
  // 3.2e-5: one or two significant digits and a short exponent.
  const [m, e] = a.toExponential(1).split('e');
  return `${sign}${+m}e${e}`;
}

/** Whether a label fits in a cell of the given width (px) at this font size, with a little padding. */
export function labelFits(label: string, cellWidth: number, fontSize: number): boolean {
  return label.length * fontSize * LABEL_EM_PER_CHAR + 4 <= cellWidth;
}

/** Width of a digit in em in the UI fonts the panel uses (about 0.55 em), rounded up for safety. */
const LABEL_EM_PER_CHAR = 0.62;

const METRIC_NAMES: Record<string, string> = {
  accuracy: 'Accuracy',
  f1: 'F1',
  matthews: 'Matthews corr.',
  pearson: 'Pearson r',
  spearman: 'Spearman ρ',
};

export function metricName(r: Report): string {
  return r.metric ? METRIC_NAMES[r.metric] ?? r.metric : 'Metric';
}

/** Accuracy and F1 read as percentages; correlations as coefficients in [-1, 1]. */
export function isPercentMetric(r: Report): boolean {
  return r.metric === undefined || r.metric === 'accuracy' || r.metric === 'f1';
}

export function metric(r: Report, x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return DASH;
  return isPercentMetric(r) ? pct(x, 2) : x.toFixed(4);
}

/** Difference to the unpruned metric, in points for percentages. */
export function metricDelta(r: Report, x: number | undefined): string | undefined {
  const base = r.unpruned?.metric;
  if (x === undefined || base === undefined) return undefined;
  const d = x - base;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  return isPercentMetric(r) ? `${sign}${Math.abs(d * 100).toFixed(2)} pts` : `${sign}${Math.abs(d).toFixed(4)}`;
}

/** ECharts tooltips take HTML strings; every value we put in one goes through this (labels are untrusted). */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function title(r: Report): string {
  const id = r.runDir.split(/[\\/]/).filter(Boolean).pop() ?? r.runDir;
  return `${r.model.architecture || 'OPTIN run'} · ${id}`;
}
