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

/** Compare mode: one heatmap per run, named after it, with the heads whose status differs between runs marked. */
export interface HeatmapOptions {
  title?: string;
  name?: string;
  /** Per layer, the heads whose kept/pruned status differs from another compared run. */
  differs?: Array<Set<number>>;
  /** Said instead of "no mask searched yet" when the run has no mask at the compared budget. */
  noMask?: string;
}

export function heatmapSpec(v: View, o: HeatmapOptions = {}): ChartSpec {
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
        const differs = o.differs?.[layer]?.has(head) ?? false;
        return {
          value: [head, layer, toColour(x), x, isKept ? 1 : 0, differs ? 1 : 0],
          // Labels sit on every shade of the scale: pick the theme colour that contrasts with this cell.
          label: { color: contrastText(stops, (toColour(x) - lo) / span, p) },
          // A head whose status differs between compared runs gets a thick red frame, kept or not.
          itemStyle: differs
            ? { opacity: isKept ? 1 : 0.55, borderColor: p.red, borderWidth: 4, borderType: isKept ? 'solid' : 'dashed' }
            : isKept
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
          const [head, layer, , raw, isKept, differs] = params.value;
          const rows: Array<[string, string]> = [['importance', score(raw)]];
          if (v.budget) rows.push([`at ${budgetLabel(v.budget.budget)} MACs`, isKept ? 'kept' : 'pruned']);
          if (differs) rows.push(['compared runs', 'status differs']);
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

  const nDiffer = o.differs?.reduce((a, s) => a + s.size, 0) ?? 0;
  const marked = o.differs ? ` Red frame: ${nDiffer === 1 ? '1 head whose' : `${nDiffer} heads whose`} kept/pruned status differs between the runs.` : '';
  return {
    title: o.title ?? 'Head importance',
    name: o.name ?? 'head-importance',
    caption: v.budget
      ? `Colour: importance (${positive ? 'log scale' : 'linear'}). Outlined: kept at ${budgetLabel(v.budget.budget)} MACs; faded and dashed: pruned.${marked}`
      : `Colour: importance (${positive ? 'log scale' : 'linear'}); ${o.noMask ?? 'no mask searched yet'}.`,
    height: Math.max(320, layers * 30 + 70),
    option,
    sizeDependent: labels,
    csv: () => {
      const budgets = v.data.report.budgets;
      const header = ['layer', 'head', 'importance', ...budgets.map((b) => `kept_at_${b.budget}`), ...(o.differs ? ['status_differs'] : [])];
      const rows = scores.flatMap((row, layer) =>
        row.map((x, head) => [layer, head, x, ...budgets.map((b) => (b.perLayer[layer]?.heads.includes(head) ? 1 : 0)), ...(o.differs ? [o.differs[layer]?.has(head) ? 1 : 0] : [])]),
      );
      return toCsv(header, rows);
    },
  };
}
