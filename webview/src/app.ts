/**
 * The app's state (runs, the shown run, the selected budget, live progress) and the render
 * that turns it into the page. A new 'data' message re-renders the page; a budget change
 * re-renders it too (cheap: four charts); progress only touches the progress line.
 */
import type { Comparison } from '../../src/run/compare';
import type { HostMessage } from '../../src/run/panelProtocol';
import type { PanelData, RunSummary } from '../../src/run/runData';
import type { Report } from '../../src/run/report';
import { ChartView, type ChartSpec } from './charts/chart';
import { heatmapSpec } from './charts/heatmap';
import { latencySpec } from './charts/latency';
import { neuronRankingSpec } from './charts/neuronRanking';
import { neuronsSpec } from './charts/neurons';
import { tradeoffSpec } from './charts/tradeoff';
import type { View } from './charts/view';
import { compareLatencySpec } from './compare/latency';
import { budgetsCsv as compareBudgetsCsv, budgetsTable as compareBudgetsTable, compareHead, compareToolbar, differencesCsv, differencesTable } from './compare/page';
import { compareTradeoffSpec } from './compare/tradeoff';
import { toCsv } from './csv';
import { el, text } from './dom';
import { budgetLabel, title } from './format';
import type { Host } from './host';
import { progressLine, updateProgress, type Progress } from './progress';
import { budgetsTable, factsRow, statsRow } from './summary';
import { textBlocks } from './textBlocks';
import { readPalette } from './theme';
import { toolbar } from './toolbar';

const STATUS_TEXT: Record<Report['status'], string> = { running: 'Running', complete: 'Complete', cancelled: 'Cancelled', failed: 'Failed' };

export class App {
  private runs: RunSummary[] | undefined;
  private data: PanelData | undefined;
  private budgetIndex = 0;
  private progress: Progress | undefined;
  private charts: ChartView[] = [];
  private progressBox: HTMLElement | undefined;
  private bar: HTMLElement | undefined;
  /** Compare mode: the runs side by side (data is undefined then), the aligned budget the heatmaps show. */
  private comparison: Comparison | undefined;
  private compareBudget = 0;
  private showBaselines = true;

  constructor(private readonly root: HTMLElement, private readonly host: Host) {}

  receive(msg: HostMessage): void {
    if (msg.type === 'runs') {
      this.runs = msg.runs;
      // Only the run list changed: swap the toolbar, keep the charts (and any open tooltip).
      if (this.comparison && this.bar) {
        const next = this.compareToolbar(this.comparison);
        this.bar.replaceWith(next);
        this.bar = next;
      } else if (this.data && this.bar) {
        const r = this.data.report;
        const next = this.toolbar(r, exportPrefix(r));
        this.bar.replaceWith(next);
        this.bar = next;
      }
    } else if (msg.type === 'data') {
      this.show(msg.data);
    } else if (msg.type === 'compare') {
      this.showCompare(msg.comparison);
    } else if (msg.type === 'progress') {
      // Compare mode follows a live run through fresh 'compare' messages, not the progress line.
      if (this.comparison || msg.runDir !== this.data?.report.runDir) return;
      this.progress = msg;
      if (this.progressBox) updateProgress(this.progressBox, msg);
    }
  }

  show(data: PanelData): void {
    const sameRun = this.data?.report.runDir === data.report.runDir;
    const budgets = data.report.budgets;
    // Keep the user's budget across refreshes of the same run; a new run starts at its first budget.
    const keep = sameRun ? this.data?.report.budgets[this.budgetIndex]?.budget : undefined;
    const i = keep === undefined ? -1 : budgets.findIndex((b) => b.budget === keep);
    this.budgetIndex = i >= 0 ? i : 0;
    if (!sameRun || data.report.status !== 'running') this.progress = undefined;
    this.data = data;
    this.comparison = undefined;
    this.host.setState({ runDir: data.report.runDir });
    this.render();
  }

  /** Compare mode: every run of the comparison side by side. */
  showCompare(c: Comparison): void {
    // Keep the user's budget across refreshes (a live run, an added run) when it is still there.
    const keep = this.comparison?.budgets[this.compareBudget]?.budget;
    const i = keep === undefined ? -1 : c.budgets.findIndex((b) => b.budget === keep);
    this.compareBudget = i >= 0 ? i : 0;
    this.comparison = c;
    this.data = undefined;
    this.progress = undefined;
    this.host.setState({ compared: c.runs.map((r) => r.runDir) });
    this.renderCompare();
  }

  empty(message: string): void {
    this.dispose();
    this.root.textContent = '';
    this.root.append(el('div', 'empty', text('h1', undefined, 'OPTIN results'), text('p', 'muted', message)));
  }

  private compareToolbar(c: Comparison): HTMLElement {
    const vscode = this.host.kind === 'vscode';
    return compareToolbar(c, vscode ? this.runs : undefined, this.compareBudget, this.showBaselines, {
      open: vscode ? (runDir) => this.host.post({ type: 'select', runDir }) : undefined,
      setCompared: vscode ? (runDirs) => this.host.post({ type: 'compare', runDirs }) : undefined,
      selectBudget: (i) => {
        this.compareBudget = i;
        this.renderCompare();
      },
      toggleBaselines: () => {
        this.showBaselines = !this.showBaselines;
        this.renderCompare();
      },
      exportJson: () => this.host.save('optin-compare.json', `${JSON.stringify(c, null, 2)}\n`, 'utf8', 'application/json'),
      exportBudgetsCsv: () => this.host.save('optin-compare-budgets.csv', compareBudgetsCsv(c), 'utf8', 'text/csv'),
      exportDifferencesCsv: () => this.host.save('optin-compare-differences.csv', differencesCsv(c), 'utf8', 'text/csv'),
    });
  }

  private renderCompare(): void {
    const c = this.comparison;
    if (!c) return;
    const aligned = c.budgets[this.compareBudget];
    const exporter = { prefix: 'optin-', save: this.host.save };
    const scrollY = window.scrollY;
    this.dispose();
    this.root.textContent = '';
    this.bar = this.compareToolbar(c);
    this.root.append(compareHead(c), this.bar);

    const reports = c.runs.map((r) => r.report);
    const specs: ChartSpec[] = [];
    if (reports.some((r) => r.unpruned || r.budgets.some((b) => b.metric !== undefined))) specs.push(compareTradeoffSpec(c, this.showBaselines, aligned?.budget));
    if (reports.some((r) => r.unpruned?.latency || r.budgets.some((b) => b.latency))) specs.push(compareLatencySpec(c));
    const grid = el('div', 'grid charts');
    this.addCharts(grid, specs, exporter);
    if (!specs.length) grid.append(placeholder('Metric vs MACs kept', 'No run has an evaluated budget yet.'));
    this.root.append(grid, differencesTable(c));
    if (c.budgets.length) {
      this.root.append(compareBudgetsTable(c, this.compareBudget, (i) => {
        this.compareBudget = i;
        this.renderCompare();
      }));
    }

    // Heatmaps side by side only where heads mean the same thing: runs of one model.
    if (c.sameModel) {
      const diff = c.headDiffs[this.compareBudget];
      const differs = aligned ? Array.from({ length: reports[0].model.layers }, (_, l) => new Set(diff?.heads.filter((h) => h.layer === l).map((h) => h.head))) : undefined;
      const heads = el('div', 'grid charts heatmaps');
      const summary = aligned
        ? `${diff?.heads.length ? `${diff.heads.length} ${diff.heads.length === 1 ? 'head is' : 'heads are'} kept in one run and pruned in another` : 'Every head has the same kept/pruned status in every run'} at ${budgetLabel(aligned.budget)} MACs.`
        : 'No run has searched a budget yet.';
      c.runs.forEach((run, i) => {
        const title = `Head importance · ${run.label}`;
        if (!run.headScores?.length) {
          heads.append(placeholder(title, run.report.status === 'running' ? 'Appears when scoring finishes.' : 'This run has no rankings.'));
          return;
        }
        const view: View = { data: { report: run.report, headScores: run.headScores, configText: run.configText, logTail: [] }, budget: aligned?.results[i] };
        // A run without this budget has no status to differ in: nothing is framed there.
        const noMask = aligned ? `this run did not search the ${budgetLabel(aligned.budget)} budget` : undefined;
        this.addCharts(heads, [heatmapSpec(view, { title, name: `compare-heads-${i + 1}`, differs: view.budget ? differs : undefined, noMask })], exporter);
      });
      const section = el('section', 'heads-compare', el('header', 'card-head', text('h2', undefined, 'Heads side by side')), text('p', 'muted heads-summary', summary), heads);
      this.root.append(section);
    }
    this.root.append(text('footer', 'muted footer', `${reports[0].tool.name} ${reports[0].tool.version} · comparison of ${c.runs.length} runs`));

    const p = readPalette();
    for (const chart of this.charts) chart.render(p);
    window.scrollTo({ top: scrollY });
  }

  private addCharts(grid: HTMLElement, specs: ChartSpec[], exporter: { prefix: string; save: Host['save'] }): void {
    for (const s of specs) {
      const chart = new ChartView(s, exporter);
      this.charts.push(chart);
      grid.append(chart.card);
    }
  }

  /** Theme changed: same page, new colours. */
  recolour(): void {
    const p = readPalette();
    for (const c of this.charts) c.render(p);
  }

  private dispose(): void {
    for (const c of this.charts) c.dispose();
    this.charts = [];
    this.progressBox = undefined;
    this.bar = undefined;
  }

  private toolbar(r: Report, prefix: string): HTMLElement {
    const vscode = this.host.kind === 'vscode';
    return toolbar(r, vscode ? this.runs : undefined, this.budgetIndex, {
      selectRun: vscode ? (runDir) => this.host.post({ type: 'select', runDir }) : undefined,
      compareWith: vscode ? (runDir) => this.host.post({ type: 'compare', runDirs: [r.runDir, runDir] }) : undefined,
      selectBudget: (i) => {
        this.budgetIndex = i;
        this.render();
      },
      command: vscode ? (command, b) => this.host.post({ type: 'command', command, runDir: r.runDir, budget: b }) : undefined,
      exportJson: () => this.host.save(`${prefix}report.json`, `${JSON.stringify(r, null, 2)}\n`, 'utf8', 'application/json'),
      exportCsv: () => this.host.save(`${prefix}budgets.csv`, budgetsCsv(r), 'utf8', 'text/csv'),
    });
  }

  private render(): void {
    const data = this.data;
    if (!data) return;
    const r = data.report;
    const budget = r.budgets[this.budgetIndex];
    const view: View = { data, budget };
    const prefix = exportPrefix(r);
    const exporter = { prefix, save: this.host.save };
    const scrollY = window.scrollY;
    this.dispose();
    this.root.textContent = '';

    const vscode = this.host.kind === 'vscode';
    const head = el(
      'header',
      'page-head',
      el('div', 'title-row', text('h1', undefined, title(r)), text('span', `status status-${r.status}`, STATUS_TEXT[r.status] ?? r.status)),
      text('p', 'muted subtitle', `${r.method.toUpperCase()} pruning of ${modelSource(r)}${budget ? ` · showing the ${budgetLabel(budget.budget)} MAC budget` : ''}`),
      ...(r.sources?.dataset || r.data.labelMapping?.length ? [text('p', 'muted subtitle data-source', dataSource(r))] : []),
    );
    this.bar = this.toolbar(r, prefix);
    this.root.append(head, this.bar);

    if (r.status === 'running' && vscode) {
      this.progressBox = progressLine(this.progress);
      this.root.append(this.progressBox);
    } else if (r.status === 'running') {
      // A page written from a run folder has no live feed; "running" there means the run had not ended.
      this.root.append(el('div', 'callout', text('strong', undefined, 'Not finished: '), 'report.json still says "running" (the run was in progress or its process was killed); this page shows what had finished.'));
    }
    if (r.error) this.root.append(el('div', `callout ${r.status}`, text('strong', undefined, `${STATUS_TEXT[r.status]}: `), r.error));
    // A fast run whose self-check found its scores unreliable says so before any number.
    if (r.scoring?.warning) this.root.append(el('div', 'callout scoring-warning', text('strong', undefined, 'Fast scoring: '), r.scoring.warning));

    // Headline numbers need something measured; a run that stopped early goes straight to what it has.
    if (budget || r.unpruned) this.root.append(statsRow(r, budget));

    const specs: ChartSpec[] = [];
    if (data.headScores?.length) specs.push(heatmapSpec(view));
    if (r.budgets.some((b) => b.metric !== undefined)) specs.push(tradeoffSpec(view));
    if (budget) specs.push(neuronsSpec(view));
    if (data.neuronScores?.length) specs.push(neuronRankingSpec(view));
    if (r.unpruned?.latency || r.budgets.some((b) => b.latency)) specs.push(latencySpec(view));
    const grid = el('div', 'grid charts');
    for (const s of specs) {
      const c = new ChartView(s, exporter);
      this.charts.push(c);
      grid.append(c.card);
    }
    if (!data.headScores?.length) grid.prepend(placeholder('Head importance', r.status === 'running' ? 'Appears when scoring finishes.' : 'This run has no rankings (it stopped before scoring finished).'));
    if (!specs.some((s) => s.name === 'tradeoff')) grid.append(placeholder('Metric vs MACs kept', r.status === 'running' ? 'Appears once budgets are evaluated.' : 'No budget was evaluated.'));
    this.root.append(grid);

    if (r.budgets.length) this.root.append(budgetsTable(r, this.budgetIndex, (i) => {
      this.budgetIndex = i;
      this.render();
    }));
    this.root.append(factsRow(r), textBlocks(data.configText, data.logTail, r.status !== 'complete'));
    this.root.append(text('footer', 'muted footer', `${r.tool.name} ${r.tool.version} · report.json v${r.version}`));

    const p = readPalette();
    for (const c of this.charts) c.render(p);
    window.scrollTo({ top: scrollY });
  }
}

function placeholder(heading: string, message: string): HTMLElement {
  return el('section', 'card chart-card placeholder', el('header', 'card-head', text('h2', undefined, heading)), text('p', 'muted', message));
}

function budgetsCsv(r: Report): string {
  const methods = [...new Set(r.budgets.flatMap((b) => b.baselines.map((x) => x.method)))];
  const repaired = r.budgets.some((b) => b.unrepaired);
  return toCsv(
    ['budget', 'mac_fraction', 'macs', 'heads', 'neurons', 'parameters', 'file_bytes', `${r.metric ?? 'metric'}`, ...(repaired ? [`unrepaired_${r.metric ?? 'metric'}`] : []), ...methods.map((m) => `${m}_${r.metric ?? 'metric'}`), 'median_ms', 'p90_ms', 'speedup', 'file'],
    [
      ...(r.unpruned ? [['unpruned', 1, r.unpruned.macs, r.model.layers * r.model.heads, r.model.layers * r.model.intermediate, r.unpruned.parameters, r.unpruned.fileBytes, r.unpruned.metric, ...(repaired ? [''] : []), ...methods.map(() => ''), r.unpruned.latency?.medianMs, r.unpruned.latency?.p90Ms, 1, '']] : []),
      ...r.budgets.map((b) => [b.budget, b.macFraction, b.macs, b.heads, b.neurons, b.parameters, b.fileBytes, b.metric, ...(repaired ? [b.unrepaired?.metric] : []), ...methods.map((m) => b.baselines.find((x) => x.method === m)?.metric), b.latency?.medianMs, b.latency?.p90Ms, b.speedup, b.file]),
    ],
  );
}

/** Exported files are named after the run folder: optin-<run id>-<what>.<ext>. */
function exportPrefix(r: Report): string {
  return `optin-${r.runDir.split(/[\\/]/).filter(Boolean).pop() ?? 'run'}-`;
}

/** The model as the config named it: a Hub id with its revision and where it came from, else its folder. */
function modelSource(r: Report): string {
  const m = r.sources?.model;
  return m ? `${m.repo}@${m.revision} (commit ${m.commit.slice(0, 12)}, ${m.fromCache ? 'from the Hugging Face cache' : 'downloaded'})` : r.model.dir;
}

/** "Data: nyu-mll/glue (mnli) · calibration train, evaluation validation_matched · labels mapped by name …" */
function dataSource(r: Report): string {
  const d = r.sources?.dataset;
  const parts: string[] = [];
  if (d) {
    const splits = [d.calibrationSplit && `calibration ${d.calibrationSplit}`, d.evalSplit && `evaluation ${d.evalSplit}`].filter(Boolean).join(', ');
    parts.push(`Data: ${d.repo}${d.config ? ` (${d.config})` : ''}@${d.revision} · ${splits} · ${d.fromCache ? 'from the Hugging Face cache' : 'downloaded'}`);
  }
  for (const note of r.data.labelMapping ?? []) parts.push(`Labels: ${note}`);
  return parts.join(' · ');
}
