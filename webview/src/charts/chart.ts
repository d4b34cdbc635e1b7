/**
 * One ECharts figure on the page: a card with a title, the chart, a caption and its exports
 * (PNG, SVG, CSV). Only the chart types and components we use are registered, so the bundle
 * stays small (echarts/core is tree-shaken).
 */
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { button, el, text } from '../dom';
import { escapeHtml } from '../format';
import type { Palette } from '../theme';

echarts.use([BarChart, HeatmapChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, CanvasRenderer, SVGRenderer]);

export type Option = echarts.EChartsCoreOption;

export interface ChartSpec {
  title: string;
  /** Base name of the exported files (e.g. head-importance). */
  name: string;
  caption?: string;
  height: number;
  /** `size`: the drawing area in px (width follows the panel); a chart whose labels depend on it sets `sizeDependent`. */
  option(p: Palette, size: { width: number; height: number }): Option;
  sizeDependent?: boolean;
  csv(): string;
}

export interface Exporter {
  save(fileName: string, content: string, encoding: 'utf8' | 'base64', mime: string): void;
  prefix: string;
}

/** Shared look: theme font and colours on every chart, no animation (re-renders must not flash). */
export function baseOption(p: Palette): Option {
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: p.font, color: p.fg },
    tooltip: {
      backgroundColor: p.bg,
      borderColor: p.border,
      textStyle: { color: p.fg, fontFamily: p.font, fontSize: 12 },
      confine: true,
    },
  };
}

export function axisStyle(p: Palette) {
  return {
    axisLine: { lineStyle: { color: p.grid } },
    axisTick: { lineStyle: { color: p.grid } },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.grid, type: 'dashed' as const } },
    nameTextStyle: { color: p.muted },
  };
}

export class ChartView {
  readonly card: HTMLElement;
  private readonly host: HTMLElement;
  private chart: echarts.ECharts | undefined;
  private readonly resize: ResizeObserver;
  private palette: Palette | undefined;

  constructor(private readonly spec: ChartSpec, private readonly exporter: Exporter) {
    this.host = el('div', 'chart');
    this.host.style.height = `${spec.height}px`;
    this.host.dataset.chart = spec.name;
    const actions = el(
      'div',
      'chart-actions',
      button('PNG', () => this.exportPng(), true, 'Save this figure as PNG'),
      button('SVG', () => this.exportSvg(), true, 'Save this figure as SVG'),
      button('CSV', () => this.exportCsv(), true, 'Save the data behind this figure as CSV'),
    );
    this.card = el('section', 'card chart-card', el('header', 'card-head', text('h2', undefined, spec.title), actions), this.host);
    if (spec.caption) this.card.append(text('p', 'caption', spec.caption));
    this.resize = new ResizeObserver(() => {
      if (!this.chart) return;
      this.chart.resize();
      // Merged (not replaced), so open tooltips and the chart itself stay.
      if (this.spec.sizeDependent && this.palette) this.chart.setOption(this.spec.option(this.palette, this.size()));
    });
  }

  /** Draws (or redraws, after a theme change) with the given palette; the card must be in the document. */
  render(p: Palette): void {
    this.palette = p;
    if (!this.chart) {
      this.chart = echarts.init(this.host, undefined, { renderer: 'canvas' });
      this.resize.observe(this.host);
    }
    this.chart.setOption(this.spec.option(p, this.size()), { notMerge: true });
  }

  dispose(): void {
    this.resize.disconnect();
    this.chart?.dispose();
    this.chart = undefined;
  }

  private fileName(ext: string): string {
    return `${this.exporter.prefix}${this.spec.name}.${ext}`;
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(480, this.host.clientWidth || 720), height: this.spec.height };
  }

  /** Canvas pixels, read back from the chart (no image is loaded, so no img-src is needed). */
  exportPng(): void {
    if (!this.chart || !this.palette) return;
    const url = this.chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: this.palette.bg });
    this.exporter.save(this.fileName('png'), url.slice(url.indexOf(',') + 1), 'base64', 'image/png');
  }

  /** A server-side-rendering instance (no DOM) turns the same option into an SVG document. */
  exportSvg(): void {
    if (!this.palette) return;
    const { width, height } = this.size();
    const ssr = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
    try {
      ssr.setOption({ ...this.spec.option(this.palette, { width, height }), backgroundColor: this.palette.bg });
      this.exporter.save(this.fileName('svg'), ssr.renderToSVGString(), 'utf8', 'image/svg+xml');
    } finally {
      ssr.dispose();
    }
  }

  exportCsv(): void {
    this.exporter.save(this.fileName('csv'), this.spec.csv(), 'utf8', 'text/csv');
  }
}

/**
 * Tooltip HTML (ECharts sets it as markup): every piece is escaped here, because layer names,
 * labels and methods come from untrusted run folders. No colour markers: ECharts' markers carry
 * style attributes, which the CSP blocks.
 */
export function tooltipLines(head: string, rows: Array<[string, string]>): string {
  return [`<b>${escapeHtml(head)}</b>`, ...rows.map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`)].join('<br/>');
}

/**
 * The axes every metric-vs-MACs chart shares (one run's and the comparison's): MACs kept as a
 * percentage from a little under the lowest point to 100%, the metric scaled to its points.
 */
export function tradeoffAxes(p: Palette, metricLabel: string, percent: boolean, digits: number) {
  return {
    xAxis: {
      type: 'value' as const,
      name: 'encoder MACs kept',
      nameLocation: 'middle' as const,
      nameGap: 28,
      min: (e: { min: number }) => Math.max(0, Math.floor((e.min - 0.05) * 10) / 10),
      max: 1,
      ...axisStyle(p),
      axisLabel: { color: p.muted, formatter: (x: number) => `${Math.round(x * 100)}%` },
    },
    yAxis: {
      type: 'value' as const,
      name: metricLabel,
      nameLocation: 'middle' as const,
      nameGap: 48,
      scale: true,
      ...axisStyle(p),
      axisLabel: { color: p.muted, formatter: (x: number) => (percent ? `${+(x * 100).toFixed(digits)}%` : `${+x.toFixed(digits)}`) },
    },
  };
}
