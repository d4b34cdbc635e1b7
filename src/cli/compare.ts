import * as path from 'path';
import { parseArgs } from 'util';
import { DASH, pct } from '../format';
import { loadComparison, type Comparison } from '../run/compare';
import { writeCompareHtml } from '../run/reportHtml';
import { UsageError } from './usage';

export const COMPARE_HELP = `optin compare RUN_DIR RUN_DIR... [options]   compare runs side by side

RUN_DIR     a run folder (holds report.json), as written by \`optin prune\` or the editor.

Prints what differs between the runs (config.yaml keys, method, device, scoring inputs, and
the model and data fingerprints), every budget of every run side by side (metric, MACs kept,
latency), and the heads whose kept/pruned status differs.

  --html FILE           also write the comparison as a self-contained page (like report.html:
                        the trade-off curves of every run on one chart, latency, heatmaps)
  --json                print the comparison as JSON instead of text`;

/** Long values lose their middle: a path keeps its start and its file name. */
function cutMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`;
}

/** Fixed-width columns, values cut at `max` characters. */
function table(rows: string[][], max = 96): string[] {
  const cut = rows.map((r) => r.map((c) => cutMiddle(c, max)));
  const widths = cut[0].map((_, i) => Math.max(...cut.map((r) => (r[i] ?? '').length)));
  return cut.map((r) => `  ${r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()}`);
}

function metricText(c: Comparison, i: number, x: number | undefined): string {
  const m = c.runs[i].report.metric;
  if (x === undefined) return DASH;
  return m === undefined || m === 'accuracy' || m === 'f1' ? pct(x, 2) : x.toFixed(4);
}

export function compareSummary(c: Comparison): string {
  const n = c.runs.length;
  const ids = c.runs.map((_, i) => `#${i + 1}`);
  const out = [`comparing ${n} runs${c.sameModel ? ' of the same model' : ' of DIFFERENT models'}`];
  out.push(...table(c.runs.map((r, i) => [ids[i], r.label, r.report.status, r.report.method, r.runDir]), 200));

  out.push('', 'what differs:');
  out.push(...table([['', ...ids], ...c.differences.map((d) => [`${d.key}${d.differs ? '' : ' (same)'}`, ...d.values.map((v) => v ?? DASH)])]));

  const metricName = c.runs.find((r) => r.report.metric)?.report.metric ?? 'metric';
  out.push('', `budgets (${metricName} · MACs kept · median latency):`);
  const unpruned = ['unpruned', ...c.runs.map((r, i) => (r.report.unpruned ? `${metricText(c, i, r.report.unpruned.metric)} · 100% · ${ms(r.report.unpruned.latency?.medianMs)}` : DASH))];
  const rows = c.budgets.map((b) => [
    `${+(b.budget * 100).toFixed(1)}%`,
    ...b.results.map((x, i) => (x ? `${metricText(c, i, x.metric)} · ${pct(x.macFraction)} · ${ms(x.latency?.medianMs)}${x.speedup ? ` (${x.speedup.toFixed(2)}×)` : ''}` : DASH)),
  ]);
  out.push(...table([['budget', ...ids], unpruned, ...rows]));

  out.push('', 'heads whose kept/pruned status differs:');
  if (!c.sameModel) out.push('  not compared: the runs are of different models.');
  for (const d of c.headDiffs) {
    const list = d.heads.map((h) => `L${h.layer}H${h.head} (${h.kept.map((k, i) => `${ids[i]} ${k === undefined ? DASH : k ? 'kept' : 'pruned'}`).join(', ')})`);
    out.push(`  ${+(d.budget * 100).toFixed(1)}%: ${list.length ? `${list.length} — ${list.join('; ')}` : 'none'}`);
  }
  return `${out.join('\n')}\n`;
}

function ms(x: number | undefined): string {
  return x === undefined ? DASH : `${x.toFixed(2)} ms`;
}

export async function compareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { html: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  if (positionals.length < 2) throw new UsageError(`compare takes at least two RUN_DIRs (got ${positionals.length}).`);
  const comparison = loadComparison(positionals);
  if (values.json) process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else process.stdout.write(compareSummary(comparison));
  if (values.html) {
    const file = writeCompareHtml(path.resolve(values.html), comparison);
    (values.json ? process.stderr : process.stdout).write(`compare page: ${file}\n`);
  }
  return 0;
}
