/** Neurons (FFN units) kept per layer at the selected budget, stacked on those pruned. */
import { toCsv } from '../csv';
import { budgetLabel, count } from '../format';
import { withAlpha, type Palette } from '../theme';
import { axisStyle, baseOption, tooltipLines, type ChartSpec, type Option } from './chart';
import type { View } from './view';

export function neuronsSpec(v: View): ChartSpec {
  const layers = v.budget?.perLayer ?? [];
  const merging = layers.some((l) => l.tokens !== undefined);
  const option = (p: Palette): Option => ({
    ...baseOption(p),
    tooltip: {
      ...(baseOption(p).tooltip as object),
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: Array<{ dataIndex: number }>) => {
        const l = layers[params[0]?.dataIndex ?? 0];
        if (!l) return '';
        return tooltipLines(`Layer ${l.layer}`, [
          ['neurons kept', `${count(l.neurons)} of ${count(l.neuronsTotal)}`],
          ['heads kept', `${l.heads.length} of ${l.headsTotal}${l.heads.length ? ` (${l.heads.join(', ')})` : ''}`],
          ...(l.tokens !== undefined ? [['tokens', `${l.tokens} in, ${l.merged ?? 0} merged after attention`] as [string, string]] : []),
        ]);
      },
    },
    legend: { top: 0, textStyle: { color: p.fg }, inactiveColor: p.grid },
    grid: { left: 64, right: merging ? 56 : 24, top: 36, bottom: 44 },
    xAxis: { type: 'category', name: 'layer', nameLocation: 'middle', nameGap: 28, data: layers.map((l) => String(l.layer)), ...axisStyle(p) },
    yAxis: [
      { type: 'value', name: 'neurons', nameLocation: 'middle', nameGap: 44, ...axisStyle(p) },
      // Token merging: the tokens each layer's attention runs on, on an axis of their own.
      ...(merging ? [{ type: 'value', name: 'tokens', nameLocation: 'middle', nameGap: 36, min: 0, ...axisStyle(p), splitLine: { show: false } }] : []),
    ],
    series: [
      { type: 'bar', name: 'kept', stack: 'n', color: p.green, data: layers.map((l) => l.neurons), barMaxWidth: 48 },
      { type: 'bar', name: 'pruned', stack: 'n', color: withAlpha(p.muted, 0.35), data: layers.map((l) => l.neuronsTotal - l.neurons), barMaxWidth: 48 },
      ...(merging ? [{ type: 'line', name: 'tokens', yAxisIndex: 1, color: p.red, symbol: 'circle', data: layers.map((l) => l.tokens ?? null) }] : []),
    ],
  });
  return {
    title: merging ? 'Neurons kept and tokens per layer' : 'Neurons kept per layer',
    name: 'neurons',
    caption: v.budget
      ? `At ${budgetLabel(v.budget.budget)} MACs: ${count(v.budget.neurons)} neurons and ${v.budget.heads} heads kept.${v.budget.tokens ? ` Tokens merge from ${v.budget.tokens.tokensPerLayer[0]} to ${v.budget.tokens.tokensPerLayer.at(-1)} (r per layer ${v.budget.tokens.schedule.join(', ')}).` : ''}`
      : 'No mask searched yet.',
    height: 300,
    option,
    csv: () =>
      toCsv(
        ['budget', 'layer', 'neurons_kept', 'neurons_total', 'heads_kept', 'heads_total', 'kept_heads', 'tokens', 'merged'],
        v.data.report.budgets.flatMap((b) => b.perLayer.map((l) => [b.budget, l.layer, l.neurons, l.neuronsTotal, l.heads.length, l.headsTotal, l.heads.join(' '), l.tokens ?? '', l.merged ?? ''])),
      ),
  };
}
