/**
 * The controls above the report: the run list (VS Code only), the budget selector, the
 * commands the extension runs on this run (VS Code only) and the report-wide exports.
 */
import type { RunSummary } from '../../src/run/runData';
import type { Report } from '../../src/run/report';
import { button, el, select, text } from './dom';
import { budgetLabel, DASH, pct } from './format';

export interface ToolbarActions {
  selectRun?(runDir: string): void;
  /** Compare the shown run with another (enters compare mode). */
  compareWith?(runDir: string): void;
  selectBudget(index: number): void;
  command?(command: 'revealRunFolder' | 'exportModel' | 'openConfig', budget?: number): void;
  exportJson(): void;
  exportCsv(): void;
}

function runLabel(r: RunSummary): string {
  // Posted as JSON: a missing metric arrives as null, not undefined.
  const best = r.metrics.filter((m): m is number => typeof m === 'number');
  const m = r.metricName && best.length ? ` · ${r.metricName} ${pct(Math.max(...best), 1)}` : '';
  return `${r.id} · ${r.status}${m}`;
}

export function toolbar(report: Report, runs: RunSummary[] | undefined, budgetIndex: number, a: ToolbarActions): HTMLElement {
  const left = el('div', 'toolbar-group');
  if (runs && runs.length && a.selectRun) {
    const current = runs.some((r) => r.runDir === report.runDir) ? report.runDir : '';
    const options: Array<[string, string]> = runs.map((r) => [r.runDir, runLabel(r)]);
    if (!current) options.unshift(['', `${report.runDir} (not listed)`]);
    left.append(select('Run', options, current, (v) => v && a.selectRun?.(v), 'run'));
    const others = runs.filter((r) => r.runDir !== report.runDir);
    if (a.compareWith && others.length) {
      const choices: Array<[string, string]> = [['', 'Compare with…'], ...others.map((r): [string, string] => [r.runDir, runLabel(r)])];
      left.append(select('Compare', choices, '', (v) => v && a.compareWith?.(v), 'compare-with'));
    }
  }
  if (report.budgets.length > 1) {
    left.append(select('Budget', report.budgets.map((b, i) => [String(i), `${budgetLabel(b.budget)} MACs (kept ${pct(b.macFraction)})`]), String(budgetIndex), (v) => a.selectBudget(Number(v)), 'budget'));
  } else if (report.budgets.length === 1) {
    left.append(el('span', 'field', text('span', 'field-label', 'Budget'), text('span', 'field-value', `${budgetLabel(report.budgets[0].budget)} MACs`)));
  }
  const right = el('div', 'toolbar-group');
  const b = report.budgets[budgetIndex];
  if (a.command) {
    right.append(button('Reveal run folder', () => a.command?.('revealRunFolder'), true));
    right.append(button('Open config', () => a.command?.('openConfig'), true));
    if (b) right.append(button(`Export pruned model (${budgetLabel(b.budget)})`, () => a.command?.('exportModel', b.budget), false, b.file || DASH));
  }
  right.append(button('Report JSON', () => a.exportJson(), true, 'Save report.json'));
  if (report.budgets.length) right.append(button('Budgets CSV', () => a.exportCsv(), true, 'Save the budgets table as CSV'));
  return el('div', 'toolbar', left, right);
}
