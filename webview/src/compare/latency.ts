/** Median latency per budget, one bar per run side by side (budgets aligned across runs). */
import type { Comparison } from '../../../src/run/compare';
import { axisStyle, baseOption, tooltipLines, type ChartSpec, type Option } from '../charts/chart';
import { toCsv } from '../csv';
import { budgetLabel, ms, pct, speedup } from '../format';
import type { Palette } from '../theme';
import { runColour } from './colours';

interface Cell {
  medianMs?: number;
  p90Ms?: number;
  speedup?: number;
  macFraction?: number;
  device?: string;
}

export function compareLatencySpec(c: Comparison): ChartSpec {
  const categories = ['unpruned', ...c.budgets.map((b) => budgetLabel(b.budget))];
  // cells[run][category]
  const cells: Cell[][] = c.runs.map((run, i) => [
    { ...run.report.unpruned?.latency, speedup: run.report.unpruned ? 1 : undefined, macFraction: 1, device: run.report.device.used },
    ...c.budgets.map((b) => {
      const x = b.results[i];
      return { ...x?.latency, speedup: x?.speedup, macFraction: x?.macFraction, device: run.report.device.used };
    }),
  ]);

  const option = (p: Palette): Option => ({
    ...baseOption(p),
    tooltip: {
      ...(baseOption(p).tooltip as object),
      trigger: 'item',
      formatter: (params: { seriesIndex: number; dataIndex: number }) => {
        const x = cells[params.seriesIndex][params.dataIndex];
        return tooltipLines(`${c.runs[params.seriesIndex].label} · ${categories[params.dataIndex]}`, [
          ['median', ms(x.medianMs)],
          ['p90', ms(x.p90Ms)],
          ['speedup', speedup(x.speedup)],
          ['MACs kept', pct(x.macFraction)],
          ['device', x.device ?? '—'],
        ]);
      },
    },
    legend: { type: 'scroll', top: 0, textStyle: { color: p.fg }, inactiveColor: p.grid, pageTextStyle: { color: p.muted } },
    grid: { left: 64, right: 24, top: 40, bottom: 44 },
    xAxis: { type: 'category', name: 'MAC budget', nameLocation: 'middle', nameGap: 28, data: categories, ...axisStyle(p) },
    yAxis: { type: 'value', name: 'median latency (ms)', nameLocation: 'middle', nameGap: 44, ...axisStyle(p) },
    series: c.runs.map((run, i) => ({
      type: 'bar',
      name: run.label,
      color: runColour(p, i),
      barMaxWidth: 40,
      data: cells[i].map((x) => x.medianMs ?? null),
    })),
  });

  return {
    title: 'Latency',
    name: 'compare-latency',
    caption: 'Median wall time of one ONNX Runtime run per budget, one bar per run (a gap: that run did not search or time the budget). Runs timed on different devices or batch sizes are not comparable.',
    height: 320,
    option,
    csv: () =>
      toCsv(
        ['run', 'budget', 'mac_fraction', 'median_ms', 'p90_ms', 'speedup', 'device'],
        cells.flatMap((row, i) => row.map((x, j) => [c.runs[i].label, j === 0 ? 'unpruned' : c.budgets[j - 1].budget, x.macFraction, x.medianMs, x.p90Ms, x.speedup, x.device])),
      ),
  };
}
