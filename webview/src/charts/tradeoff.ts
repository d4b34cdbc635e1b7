/**
 * The FLOPs–metric trade-off over every budget: x = encoder MACs kept, y = task metric, for
 * the run's method and the baselines at the same budgets, against the unpruned
 * model (a dashed line at its metric and a point at 100%). With repair on, the run's method is
 * the repaired model and a dashed line of the same colour is the same masks without repair.
 */
import type { Report } from '../../../src/run/report';
import { toCsv } from '../csv';
import { budgetLabel, isPercentMetric, metric, metricName, pct } from '../format';
import type { Palette } from '../theme';
import { baseOption, tooltipLines, tradeoffAxes, type ChartSpec, type Option } from './chart';
import type { View } from './view';

interface Point {
  series: string;
  budget?: number;
  macFraction: number;
  metric: number;
  perSeed?: number[];
}

function points(r: Report): Point[] {
  const out: Point[] = [];
  for (const b of r.budgets) {
    if (b.metric !== undefined) out.push({ series: r.method, budget: b.budget, macFraction: b.macFraction, metric: b.metric });
    if (b.unrepaired) out.push({ series: UNREPAIRED, budget: b.budget, macFraction: b.macFraction, metric: b.unrepaired.metric });
    // Token merging: the same budget spent on tokens alone and on heads/neurons alone.
    for (const [series, split] of [[TOKENS_ONLY, b.tokens?.curves?.tokensOnly], [UNITS_ONLY, b.tokens?.curves?.unitsOnly]] as const) {
      if (split?.metric !== undefined) out.push({ series, budget: b.budget, macFraction: split.macFraction, metric: split.metric });
    }
    for (const x of b.baselines) {
      out.push({ series: x.method, budget: b.budget, macFraction: x.macFraction, metric: x.metric, perSeed: x.perSeed });
      if (x.repaired) out.push({ series: `${x.method}${REPAIRED}`, budget: b.budget, macFraction: x.macFraction, metric: x.repaired.metric, perSeed: x.repaired.perSeed });
    }
  }
  if (r.unpruned) out.push({ series: 'unpruned', macFraction: 1, metric: r.unpruned.metric });
  return out;
}

/** The tooltip rows of one metric-vs-MACs point (this chart's and the compare page's). */
export function pointRows(r: Report, x: { budget?: number; macFraction: number; metric: number; perSeed?: number[] }): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    [metricName(r), metric(r, x.metric)],
    ['MACs kept', pct(x.macFraction)],
  ];
  if (x.budget !== undefined) rows.unshift(['budget', budgetLabel(x.budget)]);
  if (x.perSeed) rows.push(['per seed', x.perSeed.map((s) => metric(r, s)).join(', ')]);
  return rows;
}

const UNREPAIRED = 'unrepaired';
const TOKENS_ONLY = 'tokens-only';
const UNITS_ONLY = 'units-only';
/** Suffix of a baseline's repaired series (`magnitude+repair`). */
const REPAIRED = '+repair';
const LABEL: Record<string, string> = { optin: 'OPTIN', magnitude: 'Magnitude', random: 'Random (mean of seeds)', unpruned: 'Unpruned' };

function seriesLabel(r: Report, name: string): string {
  const method = LABEL[r.method] ?? r.method;
  if (name === UNREPAIRED) return `${method} without repair`;
  if (name === TOKENS_ONLY) return 'Tokens only (merging)';
  if (name === UNITS_ONLY) return `${method}: heads/neurons only`;
  if (name === r.method && r.budgets.some((b) => b.tokens)) return `${method}: tokens + heads/neurons${r.budgets.some((b) => b.unrepaired) ? ' + repair' : ''}`;
  if (name === r.method && r.budgets.some((b) => b.unrepaired)) return `${method} + repair`;
  if (name.endsWith(REPAIRED)) return `${(LABEL[name.slice(0, -REPAIRED.length)] ?? name).replace(' (mean of seeds)', '')} + repair${name.startsWith('random') ? ' (mean of seeds)' : ''}`;
  return LABEL[name] ?? name;
}

export function tradeoffSpec(v: View): ChartSpec {
  const r = v.data.report;
  const all = points(r);
  const names = [...new Set(all.map((x) => x.series))];
  const percent = isPercentMetric(r);
  // Axis labels need as many decimals as the tick step (about a fifth of the range) has:
  // metrics that differ in the third decimal must not read "96.7%, 96.7%".
  const ys = all.map((x) => x.metric);
  const step = ys.length > 1 ? (Math.max(...ys) - Math.min(...ys)) / 5 : 0;
  const digits = step > 0 ? Math.min(4, Math.max(0, Math.ceil(-Math.log10(step * (percent ? 100 : 1))))) : 1;

  const option = (p: Palette): Option => {
    const colour: Record<string, string> = { optin: p.blue, magnitude: p.orange, random: p.purple, unpruned: p.muted, [UNREPAIRED]: p.green, [TOKENS_ONLY]: p.red, [UNITS_ONLY]: p.yellow };
    const series = names.map((name) => {
      const pts = all.filter((x) => x.series === name).sort((a, b) => a.macFraction - b.macFraction);
      const isMain = name === r.method;
      return {
        type: name === 'unpruned' ? 'scatter' : 'line',
        name: seriesLabel(r, name),
        color: colour[name] ?? colour[name.replace(REPAIRED, '')] ?? p.green,
        symbol: name === 'unpruned' ? 'diamond' : isMain ? 'circle' : 'triangle',
        symbolSize: (_: unknown, params: { dataIndex: number }) => (isMain && pts[params.dataIndex]?.budget === v.budget?.budget ? 14 : 8),
        // A baseline's repaired curve: its colour, solid; unrepaired baselines stay dashed.
        lineStyle: { width: isMain ? 3 : 2, type: isMain || name.endsWith(REPAIRED) ? 'solid' : 'dashed' },
        z: isMain ? 3 : 2,
        data: pts.map((x) => ({ value: [x.macFraction, x.metric], point: x })),
        markLine:
          name === 'unpruned'
            ? { silent: true, symbol: 'none', lineStyle: { color: p.muted, type: 'dotted' }, label: { color: p.muted, position: 'insideEndTop', formatter: 'unpruned' }, data: [{ yAxis: r.unpruned?.metric ?? 0 }] }
            : undefined,
      };
    });
    return {
      ...baseOption(p),
      tooltip: {
        ...(baseOption(p).tooltip as object),
        trigger: 'item',
        formatter: (params: { seriesName: string; data: { point: Point } }) => {
          return tooltipLines(params.seriesName, pointRows(r, params.data.point));
        },
      },
      legend: { top: 0, textStyle: { color: p.fg }, inactiveColor: p.grid },
      grid: { left: 64, right: 24, top: 40, bottom: 44 },
      ...tradeoffAxes(p, metricName(r), percent, digits),
      series,
    };
  };

  return {
    title: `${metricName(r)} vs MACs kept`,
    name: 'tradeoff',
    caption: all.length ? `The larger point is the selected budget. ${baselineCaption(r)}` : 'No budget has been evaluated yet.',
    height: 320,
    option,
    csv: () => toCsv(['series', 'budget', 'mac_fraction', 'metric', 'per_seed'], all.map((x) => [x.series, x.budget ?? '', x.macFraction, x.metric, x.perSeed?.join(' ') ?? ''])),
  };
}


/** How the baselines were made (report.json `baselines[].counts`; older reports used the search). */
function baselineCaption(r: Report): string {
  const counts = r.budgets.flatMap((b) => b.baselines)[0]?.counts ?? 'search';
  if (counts === 'global') return "Baselines keep the method's numbers of heads and neurons, chosen by their own rankings.";
  if (counts === 'per_layer') return "Baselines keep the method's numbers of heads and neurons in every layer, chosen by their own rankings.";
  return 'Baselines use the same mask search with their own rankings.';
}
