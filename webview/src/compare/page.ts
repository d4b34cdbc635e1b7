/**
 * The compare page's pieces other than charts: its heading, the toolbar (the compared runs,
 * add/remove in VS Code, the budget the heatmaps show, baselines on/off, exports), the "what
 * differs" table and the budgets table with one column group per run. Text only, as everywhere.
 */
import type { AlignedBudget, Comparison, DiffRow } from '../../../src/run/compare';
import type { RunSummary } from '../../../src/run/runData';
import { toCsv } from '../csv';
import { button, el, select, text } from '../dom';
import { budgetLabel, count, DASH, metric, metricName, ms, pct, speedup } from '../format';

export interface CompareActions {
  /** VS Code only: show one run (leaves compare mode). */
  open?(runDir: string): void;
  /** VS Code only: compare these runs instead. */
  setCompared?(runDirs: string[]): void;
  selectBudget(index: number): void;
  toggleBaselines(): void;
  exportJson(): void;
  exportBudgetsCsv(): void;
  exportDifferencesCsv(): void;
}

/** A colour chip for run i (its colour comes from the stylesheet, so it follows the theme). */
export function swatch(i: number): HTMLElement {
  const s = el('span', `swatch run-${i % 6}`);
  s.setAttribute('aria-hidden', 'true');
  return s;
}

function runHead(c: Comparison, i: number): HTMLElement {
  return el('span', 'run-head', swatch(i), c.runs[i].label);
}

export function compareHead(c: Comparison): HTMLElement {
  const r0 = c.runs[0].report;
  const statuses = c.runs.map((r) => r.report.status);
  const head = el(
    'header',
    'page-head',
    el('div', 'title-row', text('h1', undefined, `Comparing ${c.runs.length} runs`)),
    text('p', 'muted subtitle', c.sameModel ? `All of ${r0.model.architecture || 'the same model'} (${r0.model.layers} layers × ${r0.model.heads} heads)${statuses.includes('running') ? ' · a run is still going on: this page follows it' : ''}` : 'Runs of different models'),
  );
  if (!c.sameModel) {
    const models = [...new Set(c.runs.map((r) => r.report.model.architecture || r.report.model.dir))].join(', ');
    head.append(el('div', 'callout different-models', text('strong', undefined, 'Different models: '), `${models}. The "model" row below says how they differ; head heatmaps are set side by side only for runs of the same model.`));
  }
  return head;
}

export function compareToolbar(c: Comparison, runs: RunSummary[] | undefined, budgetIndex: number, showBaselines: boolean, a: CompareActions): HTMLElement {
  const dirs = c.runs.map((r) => r.runDir);
  const chips = el('div', 'run-chips');
  c.runs.forEach((run, i) => {
    const chip = el('span', 'chip', swatch(i), text('span', 'chip-label', run.label), text('span', `chip-status status-${run.report.status}`, run.report.status));
    chip.dataset.run = run.runDir;
    chip.title = run.runDir;
    if (a.open) chip.append(button('Open', () => a.open?.(run.runDir), true, `Show ${run.label} on its own`));
    // A comparison needs two runs: the last two cannot be removed.
    if (a.setCompared && c.runs.length > 2) chip.append(button('Remove', () => a.setCompared?.(dirs.filter((d) => d !== run.runDir)), true, `Remove ${run.label} from the comparison`));
    chips.append(chip);
  });
  const left = el('div', 'toolbar-group', chips);
  const others = (runs ?? []).filter((r) => !dirs.includes(r.runDir));
  if (a.setCompared && others.length) {
    const options: Array<[string, string]> = [['', 'Add a run…'], ...others.map((r): [string, string] => [r.runDir, `${r.id} · ${r.status}`])];
    left.append(select('Add', options, '', (v) => v && a.setCompared?.([...dirs, v]), 'add-run'));
  }
  if (c.budgets.length > 1) {
    left.append(select('Budget', c.budgets.map((b, i) => [String(i), `${budgetLabel(b.budget)} MACs`]), String(budgetIndex), (v) => a.selectBudget(Number(v)), 'budget'));
  }
  const right = el(
    'div',
    'toolbar-group',
    button(showBaselines ? 'Hide baselines' : 'Show baselines', () => a.toggleBaselines(), true, 'Magnitude and random baselines on the trade-off chart'),
    button('Comparison JSON', () => a.exportJson(), true, 'Save the comparison as JSON'),
    button('Budgets CSV', () => a.exportBudgetsCsv(), true, 'Save the budgets table as CSV'),
    button('Differences CSV', () => a.exportDifferencesCsv(), true, 'Save the "what differs" table as CSV'),
  );
  return el('div', 'toolbar', left, right);
}

function section(title: string, body: Node, caption?: string): HTMLElement {
  return el('section', 'card', el('header', 'card-head', text('h2', undefined, title)), body, caption ? text('p', 'caption', caption) : undefined);
}

const GROUP: Record<DiffRow['group'], string> = { config: 'config.yaml', run: 'report.json', model: 'model', data: 'data' };

export function differencesTable(c: Comparison): HTMLElement {
  const table = el('table', 'compare-table');
  table.dataset.table = 'differences';
  const head = el('tr', undefined, text('th', undefined, 'Setting'), text('th', undefined, 'From'));
  c.runs.forEach((_, i) => head.append(el('th', undefined, runHead(c, i))));
  const body = el('tbody');
  for (const d of c.differences) {
    const tr = el('tr', d.differs ? 'differs' : 'same', text('th', 'key', d.key), text('td', 'muted from', GROUP[d.group]));
    tr.dataset.key = d.key;
    for (const v of d.values) tr.append(text('td', v === undefined ? 'muted unset' : undefined, v ?? 'not set'));
    body.append(tr);
  }
  table.append(el('thead', undefined, head), body);
  const differing = c.differences.filter((d) => d.differs).length;
  const same = c.differences.filter((d) => !d.differs).map((d) => d.key);
  return section(
    'What differs',
    el('div', 'table-scroll', table),
    `${differing === 0 ? 'No setting differs.' : `${differing} ${differing === 1 ? 'setting differs' : 'settings differ'}`} (config.yaml as run, and run settings from report.json).${same.length ? ` The same in every run: ${same.join(', ')}.` : ''}`,
  );
}

const BUDGET_COLS = ['Metric', 'MACs kept', 'Heads', 'Neurons', 'Latency'];

function budgetCells(c: Comparison, i: number, b: AlignedBudget['results'][number]): string[] {
  const r = c.runs[i].report;
  if (!b) return BUDGET_COLS.map(() => DASH);
  return [metric(r, b.metric), pct(b.macFraction), String(b.heads), count(b.neurons), b.latency ? `${ms(b.latency.medianMs)} (${speedup(b.speedup)})` : DASH];
}

export function budgetsTable(c: Comparison, selected: number, onSelect: (i: number) => void): HTMLElement {
  const table = el('table', 'compare-table budgets');
  table.dataset.table = 'budgets';
  const groups = el('tr', undefined, text('th', undefined, ''));
  const cols = el('tr', undefined, text('th', undefined, 'Budget'));
  c.runs.forEach((_, i) => {
    const th = el('th', 'group', runHead(c, i));
    th.colSpan = BUDGET_COLS.length;
    groups.append(th);
    BUDGET_COLS.forEach((name, j) => cols.append(text('th', j === 0 ? 'group-start' : undefined, name === 'Metric' ? metricName(c.runs[i].report) : name)));
  });
  const body = el('tbody');
  const unpruned = el('tr', 'unpruned', text('th', undefined, 'unpruned'));
  for (const run of c.runs) {
    const u = run.report.unpruned;
    const m = run.report.model;
    const cells = u ? [metric(run.report, u.metric), '100%', String(m.layers * m.heads), count(m.layers * m.intermediate), ms(u.latency?.medianMs)] : BUDGET_COLS.map(() => DASH);
    cells.forEach((v, j) => unpruned.append(text('td', j === 0 ? 'group-start' : undefined, v)));
  }
  body.append(unpruned);
  c.budgets.forEach((b, k) => {
    const tr = el('tr', k === selected ? 'selected' : undefined, text('th', undefined, budgetLabel(b.budget)));
    tr.dataset.budget = String(b.budget);
    b.results.forEach((x, i) => budgetCells(c, i, x).forEach((v, j) => tr.append(text('td', j === 0 ? 'group-start' : undefined, v))));
    tr.addEventListener('click', () => onSelect(k));
    body.append(tr);
  });
  table.append(el('thead', undefined, groups, cols), body);
  return section('Budgets', el('div', 'table-scroll', table), 'Every budget any run searched; a dash where a run did not. Click a row to show that budget in the heatmaps.');
}

export function budgetsCsv(c: Comparison): string {
  return toCsv(
    ['budget', 'run', 'mac_fraction', 'metric', 'heads', 'neurons', 'parameters', 'median_ms', 'speedup', 'file'],
    c.budgets.flatMap((b) => b.results.map((x, i) => [b.budget, c.runs[i].label, x?.macFraction, x?.metric, x?.heads, x?.neurons, x?.parameters, x?.latency?.medianMs, x?.speedup, x?.file])),
  );
}

export function differencesCsv(c: Comparison): string {
  return toCsv(['setting', 'from', 'differs', ...c.runs.map((r) => r.label)], c.differences.map((d) => [d.key, GROUP[d.group], d.differs ? 1 : 0, ...d.values]));
}
