/**
 * Neuron rankings: each layer's FFN neuron importances sorted high to low (one line per
 * layer), with the selected budget's cut-off marked. The mask search keeps a layer's neurons in
 * score order, so the marker at rank k is where that layer's kept neurons end: a steep curve
 * that is cut late is a layer the model leans on.
 */
import { toCsv } from '../csv';
import { budgetLabel, count, score } from '../format';
import { along, type Palette } from '../theme';
import { axisStyle, baseOption, tooltipLines, type ChartSpec, type Option } from './chart';
import type { View } from './view';

/** Lines longer than this are drawn from a largest-triangle sample (BERT-large: 4,096 per layer). */
const SAMPLE_ABOVE = 600;

export function neuronRankingSpec(v: View): ChartSpec {
  const scores = v.data.neuronScores ?? [];
  const sorted = scores.map((row) => [...row].sort((a, b) => b - a));
  const positive = sorted.every((row) => row.every((x) => x > 0));
  const kept = v.budget?.perLayer.map((l) => l.neurons);
  const layers = sorted.length;

  const option = (p: Palette): Option => {
    const stops = [p.blue, p.purple, p.orange];
    const colour = (l: number) => along(stops, layers > 1 ? l / (layers - 1) : 0);
    const lines = sorted.map((row, l) => ({
      type: 'line',
      name: `layer ${l}`,
      color: colour(l),
      showSymbol: false,
      sampling: row.length > SAMPLE_ABOVE ? 'lttb' : undefined,
      lineStyle: { width: 1.5 },
      emphasis: { focus: 'series' },
      data: row.map((x, i) => [i + 1, x]),
    }));
    const cuts = kept
      ? [{
          type: 'scatter',
          name: `cut-off at ${v.budget ? budgetLabel(v.budget.budget) : ''} MACs`,
          color: p.fg,
          symbol: 'diamond',
          symbolSize: 9,
          z: 5,
          data: kept.flatMap((k, l) => (k > 0 && sorted[l]?.length ? [{ value: [k, sorted[l][k - 1]], layer: l, kept: k, itemStyle: { color: colour(l), borderColor: p.fg, borderWidth: 1 } }] : [])),
        }]
      : [];
    return {
      ...baseOption(p),
      tooltip: {
        ...(baseOption(p).tooltip as object),
        trigger: 'item',
        formatter: (params: { seriesType: string; seriesName: string; value: number[]; data: { layer?: number; kept?: number } }) => {
          if (params.seriesType === 'scatter' && params.data.layer !== undefined) {
            const l = params.data.layer;
            return tooltipLines(`Layer ${l}`, [['kept', `${count(params.data.kept)} of ${count(sorted[l].length)}`], ['lowest kept importance', score(params.value[1])]]);
          }
          return tooltipLines(params.seriesName, [['rank', count(params.value[0])], ['importance', score(params.value[1])]]);
        },
      },
      legend: { type: 'scroll', top: 0, textStyle: { color: p.fg }, inactiveColor: p.grid, pageTextStyle: { color: p.muted } },
      grid: { left: 72, right: 24, top: 40, bottom: 44 },
      xAxis: { type: 'value', name: 'rank in its layer', nameLocation: 'middle', nameGap: 28, min: 1, max: Math.max(1, ...sorted.map((r) => r.length)), ...axisStyle(p) },
      yAxis: {
        type: positive ? 'log' : 'value',
        name: `importance${positive ? ' (log)' : ''}`,
        nameLocation: 'middle',
        nameGap: 56,
        ...axisStyle(p),
        axisLabel: { color: p.muted, formatter: (x: number) => score(x) },
      },
      series: [...lines, ...cuts],
    };
  };

  return {
    title: 'Neuron rankings',
    name: 'neuron-ranking',
    caption: kept
      ? `Each layer's neurons by importance, highest first; ◆ marks where the ${budgetLabel(v.budget!.budget)} mask cuts that layer.`
      : "Each layer's neurons by importance, highest first; no mask searched yet.",
    height: 320,
    option,
    csv: () => {
      const budgets = v.data.report.budgets;
      const header = ['layer', 'neuron', 'importance', 'rank_in_layer', ...budgets.map((b) => `kept_at_${b.budget}`)];
      const rows = scores.flatMap((row, l) => {
        // Rank by score within the layer; kept at a budget = rank below that layer's kept count.
        const order = row.map((_, j) => j).sort((a, b) => row[b] - row[a]);
        const rank = new Array<number>(row.length);
        order.forEach((j, r) => (rank[j] = r + 1));
        return row.map((x, j) => [l, j, x, rank[j], ...budgets.map((b) => (rank[j] <= (b.perLayer[l]?.neurons ?? 0) ? 1 : 0))]);
      });
      return toCsv(header, rows);
    },
  };
}
