/** Measured latency per budget (median, with p90 in the tooltip) next to the unpruned model. */
import { toCsv } from '../csv';
import { budgetLabel, ms, pct, speedup } from '../format';
import { withAlpha, type Palette } from '../theme';
import { axisStyle, baseOption, tooltipLines, type ChartSpec, type Option } from './chart';
import type { View } from './view';

interface Row {
  label: string;
  budget?: number;
  macFraction: number;
  medianMs?: number;
  p90Ms?: number;
  runs?: number;
  batchSize?: number;
  speedup?: number;
}

export function latencySpec(v: View): ChartSpec {
  const r = v.data.report;
  const rows: Row[] = [];
  if (r.unpruned) rows.push({ label: 'unpruned', macFraction: 1, ...r.unpruned.latency, speedup: 1 });
  for (const b of r.budgets) rows.push({ label: budgetLabel(b.budget), budget: b.budget, macFraction: b.macFraction, ...b.latency, speedup: b.speedup });

  const option = (p: Palette): Option => ({
    ...baseOption(p),
    tooltip: {
      ...(baseOption(p).tooltip as object),
      trigger: 'item',
      formatter: (params: { dataIndex: number }) => {
        const x = rows[params.dataIndex];
        return tooltipLines(x.budget === undefined ? 'Unpruned' : `Budget ${x.label}`, [
          ['median', ms(x.medianMs)],
          ['p90', ms(x.p90Ms)],
          ['speedup', speedup(x.speedup)],
          ['MACs kept', pct(x.macFraction)],
          ['timed runs', x.runs === undefined ? '—' : `${x.runs} × batch ${x.batchSize}`],
        ]);
      },
    },
    grid: { left: 64, right: 24, top: 28, bottom: 44 },
    xAxis: { type: 'category', name: 'MAC budget', nameLocation: 'middle', nameGap: 28, data: rows.map((x) => x.label), ...axisStyle(p) },
    yAxis: { type: 'value', name: 'median latency (ms)', nameLocation: 'middle', nameGap: 44, ...axisStyle(p) },
    series: [
      {
        type: 'bar',
        barMaxWidth: 56,
        data: rows.map((x) => ({
          value: x.medianMs ?? null,
          itemStyle: {
            color: x.budget === undefined ? withAlpha(p.muted, 0.6) : x.budget === v.budget?.budget ? p.blue : withAlpha(p.blue, 0.55),
            borderColor: x.budget !== undefined && x.budget === v.budget?.budget ? p.fg : 'transparent',
            borderWidth: 1.5,
          },
        })),
        label: {
          show: true,
          position: 'top',
          color: p.fg,
          formatter: (params: { dataIndex: number }) => {
            const x = rows[params.dataIndex];
            return x.medianMs === undefined ? '' : x.budget === undefined ? ms(x.medianMs) : `${ms(x.medianMs)} · ${speedup(x.speedup)}`;
          },
        },
      },
    ],
  });

  return {
    title: 'Latency',
    name: 'latency',
    caption: rows.some((x) => x.medianMs !== undefined)
      ? `Median wall time of one ONNX Runtime run on ${r.device.used ?? 'the device'}${rows[0]?.batchSize ? ` (batch ${rows[0].batchSize})` : ''}; the label gives the speedup over the unpruned model.`
      : 'Latency is measured in the evaluate phase; not yet.',
    height: 300,
    option,
    csv: () =>
      toCsv(
        ['model', 'budget', 'mac_fraction', 'median_ms', 'p90_ms', 'runs', 'batch_size', 'speedup'],
        rows.map((x) => [x.budget === undefined ? 'unpruned' : 'pruned', x.budget ?? '', x.macFraction, x.medianMs, x.p90Ms, x.runs, x.batchSize, x.speedup]),
      ),
  };
}
