/**
 * The head heatmap's cell labels: a compact number (33k, 1.2M, 0.004) and no label where it
 * would run over the cell's edges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmapSpec } from '../../webview/src/charts/heatmap';
import type { Palette } from '../../webview/src/theme';
import { compactScore, DASH, labelFits } from '../../webview/src/format';
import type { Report } from '../../src/run/report';

test('compactScore: at most two significant digits with k/M/G suffixes, short forms for small numbers', () => {
  const cases: Array<[number, string]> = [
    [32_800, '33k'], [32_768, '33k'], [1_234, '1.2k'], [1_000, '1k'], [999.6, '1k'], [999.4, '999'],
    [999_600, '1M'], [1_230_000, '1.2M'], [45_600_000, '46M'], [7.1e9, '7.1G'], [1.5e12, '1.5T'],
    [328, '328'], [32.8, '33'], [9.96, '10'], [3.28, '3.3'], [1, '1'],
    [0.56, '0.56'], [0.004, '0.004'], [0.0041, '0.0041'], [0.00099996, '0.001'], [3.2e-5, '3.2e-5'], [1e-7, '1e-7'],
    [0, '0'], [-32_800, '-33k'], [-0.25, '-0.25'], [NaN, DASH], [Infinity, DASH],
  ];
  for (const [x, want] of cases) assert.equal(compactScore(x), want, `compactScore(${x})`);
  // Never longer than 7 characters ("2.3e-12"), whatever the magnitude.
  for (let e = -12; e <= 15; e += 0.37) {
    const s = compactScore(10 ** e);
    assert.ok(s.length <= 7, `compactScore(1e${e.toFixed(2)}) = "${s}"`);
    assert.doesNotMatch(s, /e\+/, 'no "e+" exponents');
  }
});

test('labelFits: by the label length at the font size, with padding', () => {
  assert.ok(labelFits('33k', 40, 11));
  assert.ok(!labelFits('33k', 20, 11));
  assert.ok(!labelFits('3.2e-5', 40, 11));
  assert.ok(labelFits('', 4, 11));
});

const palette: Palette = {
  fg: '#000', muted: '#777', bg: '#fff', border: '#ccc', grid: '#ddd', accent: '#07d', blue: '#00f', orange: '#f80', purple: '#80f',
  green: '#0a0', red: '#f00', yellow: '#ff0', font: 'sans-serif', mono: 'monospace', dark: false,
} as Palette;

function sixBySix(scale: number) {
  const headScores = Array.from({ length: 6 }, (_, l) => Array.from({ length: 6 }, (_, h) => scale * (1 + l + h / 10)));
  const report = { budgets: [], model: { layers: 6, heads: 6 } } as unknown as Report;
  return heatmapSpec({ data: { report, headScores, configText: '', logTail: [] } });
}

function cellLabels(spec: ReturnType<typeof sixBySix>, width: number): string[] {
  const option = spec.option(palette, { width, height: spec.height }) as {
    series: Array<{ data: Array<{ value: number[] }>; label: { show: boolean; formatter: (p: { value: number[] }) => string } }>;
  };
  const [series] = option.series;
  assert.ok(series.label.show, 'labels are shown on a 6 × 6 model');
  return series.data.map((d) => series.label.formatter({ value: d.value }));
}

test('a 6 × 6 heatmap of scores around 3.28e4 labels its cells 33k…, never 3.28e+4', () => {
  const spec = sixBySix(32_800);
  assert.ok(spec.sizeDependent, 'the labels follow the chart width');
  const labels = cellLabels(spec, 720);
  assert.equal(labels[0], '33k');
  assert.equal(labels.length, 36);
  for (const l of labels) {
    assert.match(l, /^\d+(\.\d)?k$/, `label "${l}"`);
    assert.ok(labelFits(l, (720 - 64 - 96) / 6, 11), `"${l}" fits a ${((720 - 64 - 96) / 6).toFixed(0)} px cell`);
  }
});

test('labels that do not fit the cell width are left out (the tooltip still has the score)', () => {
  const spec = sixBySix(3.2e-5);
  // 480 px (the narrowest the panel draws): 53 px cells, room for "3.2e-5" is about 45 px.
  assert.ok(cellLabels(spec, 480).every((l) => l !== ''), 'a 53 px cell fits 6 characters');
  // A 300 px wide chart: 23 px cells hold 2 characters, not "3.2e-5".
  const narrow = cellLabels(spec, 300);
  assert.ok(narrow.every((l) => l === ''), `no label runs over a 23 px cell: ${narrow.join(' ')}`);
  const wide = cellLabels(sixBySix(10), 300);
  assert.ok(wide.every((l) => l !== '' && l.length <= 2), `short labels still fit: ${wide.join(' ')}`);
});
