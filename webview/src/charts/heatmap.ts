/**
 * Head importance: layers × heads, colour = score. Scores span orders of magnitude (the first
 * layer's heads often dwarf the rest), so colour follows log10 when every score is positive.
 * Kept heads at the selected budget are outlined; pruned ones are faded.
 */
import { toCsv } from '../csv';
import { budgetLabel, compactScore, labelFits, score } from '../format';
import { contrastText, mix, type Palette } from '../theme';
import { axisStyle, baseOption, tooltipLines, type ChartSpec, type Option } from './chart';
import { keptHeads, type View } from './view';

function headCounts(v: View): number[] {
  const s = v.data.headScores;
  if (s) return s.map((row) => row.length);
  return v.budget?.perLayer.map((l) => l.headsTotal) ?? [];
}

export function heatmapSpec(v: View): ChartSpec {
  const scores = v.data.headScores ?? [];
  const layers = scores.length;
  const maxHeads = Math.max(1, ...headCounts(v));
  const positive = scores.every((row) => row.every((x) => x > 0));
  const toColour = (x: number) => (positive ? Math.log10(x) : x);
  const kept = keptHeads(v.budget);
  const flat = scores.flat();
  const lo = flat.length ? Math.min(...flat.map(toColour)) : 0;
  const hi = flat.length ? Math.max(...flat.map(toColour)) : 1;
  // Numbers in the cells help on small models; on BERT-base sizes they turn into noise (hover instead).
  const labels = layers * maxHeads <= 64;
  const grid = { left: 64, right: 96, top: 16, bottom: 44 };
  const fontSize = 11;

  const option = (p: Palette, size: { width: number; height: number }): Option => {
    // A label that would run over its cell's edges is left out (the tooltip has every score).
    const cellWidth = (size.width - grid.left - grid.right) / maxHeads;
    const cellLabel = (x: number) => {
      const text = compactScore(x);
      return labelFits(text, cellWidth, fontSize) ? text : '';
    };
    const stops = [mix(p.bg, p.blue, 0.12), p.blue, mix(p.blue, p.dark ? '#fff' : '#000', 0.45)];
    const span = hi === lo ? 1 : hi - lo;
    const data = scores.flatMap((row, layer) =>
      row.map((x, head) => {
        const isKept = kept ? kept[layer]?.has(head) ?? false : true;
        return {
          value: [head, layer, toColour(x), x, isKept ? 1 : 0],
          // Labels sit on every shade of the scale: pick the theme colour that contrasts with this cell.
          label: { color: contrastText(stops, (toColour(x) - lo) / span, p) },
          itemStyle: isKept
            ? { borderColor: kept ? p.fg : p.bg, borderWidth: kept ? 2 : 1 }
            : { opacity: 0.3, borderColor: p.muted, borderWidth: 1, borderType: 'dashed' },
        };
      }),
    );
    return {
      ...baseOption(p),
      tooltip: {
        ...(baseOption(p).tooltip as object),
        formatter: (params: { value: number[] }) => {
          const [head, layer, , raw, isKept] = params.value;
          const rows: Array<[string, string]> = [['importance', score(raw)]];
          if (v.budget) rows.push([`at ${budgetLabel(v.budget.budget)} MACs`, isKept ? 'kept' : 'pruned']);
          return tooltipLines(`Layer ${layer} · head ${head}`, rows);
        },
      },
      grid,
      xAxis: {
        type: 'category',
        name: 'head',
        nameLocation: 'middle',
        nameGap: 28,
        data: Array.from({ length: maxHeads }, (_, i) => String(i)),
        ...axisStyle(p),
        splitArea: { show: false },
      },
      yAxis: {
        type: 'category',
        name: 'layer',
        nameLocation: 'middle',
        nameGap: 40,
        inverse: true,
        data: Array.from({ length: layers }, (_, i) => String(i)),
        ...axisStyle(p),
      },
      visualMap: {
        type: 'continuous',
        dimension: 2,
        min: lo,
        max: hi === lo ? lo + 1 : hi,
        calculable: false,
        orient: 'vertical',
        right: 8,
        top: 'middle',
        itemHeight: 160,
        text: [positive ? 'high (log)' : 'high', 'low'],
        textStyle: { color: p.muted },
        formatter: (x: number) => score(positive ? 10 ** x : x),
        inRange: { color: stops },
      },
      series: [
        {
          type: 'heatmap',
          data,
          label: {
            show: labels,
            fontSize,
            formatter: (params: { value: number[] }) => cellLabel(params.value[3]),
          },
          emphasis: { itemStyle: { borderColor: p.accent, borderWidth: 2 } },
        },
      ],
    };
  };

  return {
    title: 'Head importance',
    name: 'head-importance',
    caption: v.budget
      ? `Colour: importance (${positive ? 'log scale' : 'linear'}). Outlined: kept at ${budgetLabel(v.budget.budget)} MACs; faded and dashed: pruned.`
      : `Colour: importance (${positive ? 'log scale' : 'linear'}); no mask searched yet.`,
    height: Math.max(320, layers * 30 + 70),
    option,
    sizeDependent: labels,
    csv: () => {
      const budgets = v.data.report.budgets;
      const header = ['layer', 'head', 'importance', ...budgets.map((b) => `kept_at_${b.budget}`)];
      const rows = scores.flatMap((row, layer) =>
        row.map((x, head) => [layer, head, x, ...budgets.map((b) => (b.perLayer[layer]?.heads.includes(head) ? 1 : 0))]),
      );
      return toCsv(header, rows);
    },
  };
}
