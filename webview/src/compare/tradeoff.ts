/**
 * Metric vs MACs kept for every compared run on one chart: one colour per run, its method as
 * a solid line, its baselines (when shown) dashed in the same colour, its unpruned model as a
 * diamond. Legend entries toggle single series as in any ECharts legend.
 */
import type { Comparison } from '../../../src/run/compare';
import type { Report } from '../../../src/run/report';
import { baseOption, tooltipLines, tradeoffAxes, type ChartSpec, type Option } from '../charts/chart';
import { toCsv } from '../csv';
import { isPercentMetric, metricName } from '../format';
import { pointRows } from '../charts/tradeoff';
import type { Palette } from '../theme';
import { runColour } from './colours';

interface Point {
  run: number;
  series: string;
  budget?: number;
  macFraction: number;
  metric: number;
}

const SYMBOL: Record<string, string> = { magnitude: 'triangle', random: 'rect', unpruned: 'diamond' };

function points(r: Report, run: number): Point[] {
  const out: Point[] = [];
  for (const b of r.budgets) {
    if (b.metric !== undefined) out.push({ run, series: r.method, budget: b.budget, macFraction: b.macFraction, metric: b.metric });
    for (const x of b.baselines) out.push({ run, series: x.method, budget: b.budget, macFraction: x.macFraction, metric: x.metric });
  }
  if (r.unpruned) out.push({ run, series: 'unpruned', macFraction: 1, metric: r.unpruned.metric });
  return out;
}

export function compareTradeoffSpec(c: Comparison, showBaselines: boolean, selectedBudget: number | undefined): ChartSpec {
  const reports = c.runs.map((r) => r.report);
  const all = reports.flatMap((r, i) => points(r, i));
  const first = reports[0];
  const percent = isPercentMetric(first);
  // The series drawn: each run's method and unpruned point; its baselines only when shown.
  const groups = c.runs.flatMap((run, i) => {
    const names = [...new Set(all.filter((x) => x.run === i).map((x) => x.series))];
    return names
      .filter((n) => showBaselines || n === run.report.method || n === 'unpruned')
      // The run's own curve is named after the run; its baselines and unpruned point after both.
      .map((n) => ({ run: i, series: n, name: n === run.report.method ? run.label : `${run.label} · ${n}`, pts: all.filter((x) => x.run === i && x.series === n).sort((a, b) => a.macFraction - b.macFraction) }));
  });

  // The unpruned diamonds stay out of the legend (the caption explains them): fewer, shorter lines.
  const legendNames = groups.filter((g) => g.series !== 'unpruned').map((g) => g.name);
  // A plain legend wraps; estimate its lines (icon + ~7 px a character, ~480 px a line) to leave it room.
  const legendLines = Math.max(1, Math.ceil(legendNames.reduce((w, n) => w + 40 + 7 * n.length, 0) / 480));

  const option = (p: Palette): Option => ({
    ...baseOption(p),
    tooltip: {
      ...(baseOption(p).tooltip as object),
      trigger: 'item',
      formatter: (params: { seriesName: string; data: { point: Point } }) => {
        const x = params.data.point;
        return tooltipLines(params.seriesName, pointRows(reports[x.run], x));
      },
    },
    // A plain legend wraps onto more lines: every series stays visible and clickable.
    legend: { data: legendNames, top: 0, left: 8, right: 8, textStyle: { color: p.fg }, inactiveColor: p.grid },
    grid: { left: 64, right: 24, top: 28 + legendLines * 22, bottom: 44 },
    ...tradeoffAxes(p, metricName(first), percent, percent ? 2 : 4),
    series: groups.map((g) => {
      const main = g.series === reports[g.run].method;
      return {
        type: g.series === 'unpruned' ? 'scatter' : 'line',
        name: g.name,
        color: runColour(p, g.run),
        symbol: main ? 'circle' : SYMBOL[g.series] ?? 'emptyCircle',
        symbolSize: (_: unknown, params: { dataIndex: number }) => (main && g.pts[params.dataIndex]?.budget === selectedBudget ? 13 : 8),
        lineStyle: { width: main ? 3 : 1.5, type: main ? 'solid' : 'dashed' },
        z: main ? 3 : 2,
        data: g.pts.map((x) => ({ value: [x.macFraction, x.metric], point: x })),
      };
    }),
  });

  return {
    title: `${metricName(first)} vs MACs kept`,
    name: 'compare-tradeoff',
    caption: `One colour per run: its ${[...new Set(reports.map((r) => r.method))].join('/')} curve solid${showBaselines ? ', its baselines dashed (▲ magnitude, ■ random)' : ' (baselines hidden)'}, ◆ its unpruned model. Click a legend entry to hide a series.`,
    height: 320 + legendLines * 22,
    option,
    csv: () => toCsv(['run', 'series', 'budget', 'mac_fraction', 'metric'], all.map((x) => [c.runs[x.run].label, x.series, x.budget ?? '', x.macFraction, x.metric])),
  };
}
