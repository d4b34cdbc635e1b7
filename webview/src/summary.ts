/**
 * The run at a glance: status, headline numbers for the selected budget (metric, MACs,
 * parameters, size, latency), then the details a user checks before trusting them (model,
 * device and why it was chosen, data sizes, rankings reuse, phase timings) and every budget.
 */
import type { BudgetResult, Report } from '../../src/run/report';
import { append, el, text } from './dom';
import { budgetLabel, bytes, count, DASH, macs, metric, metricDelta, metricName, ms, pct, seconds, speedup } from './format';

function stat(label: string, value: string, sub?: string, tone?: 'good' | 'bad'): HTMLElement {
  const v = text('div', `stat-value${tone ? ` ${tone}` : ''}`, value);
  return el('div', 'stat', text('div', 'stat-label', label), v, sub ? text('div', 'stat-sub', sub) : undefined);
}

/** Headline numbers for one budget. */
export function statsRow(r: Report, b: BudgetResult | undefined): HTMLElement {
  const row = el('div', 'stats');
  const u = r.unpruned;
  const delta = metricDelta(r, b?.metric);
  const worse = b?.metric !== undefined && u !== undefined && b.metric < u.metric - 1e-9;
  append(
    row,
    stat(metricName(r), b ? metric(r, b.metric) : metric(r, u?.metric), b ? `unpruned ${metric(r, u?.metric)}${delta ? ` · ${delta}` : ''}` : 'unpruned', b?.metric === undefined ? undefined : worse ? 'bad' : 'good'),
    stat('Encoder MACs kept', b ? pct(b.macFraction) : DASH, b ? `${macs(b.macs)} of ${macs(r.macModel?.encoderMacs ?? u?.macs)}` : undefined),
    stat('Parameters', count(b?.parameters || undefined), `unpruned ${count(u?.parameters ?? (r.model.parameters || undefined))}`),
    stat('File size', bytes(b?.fileBytes), `unpruned ${bytes(u?.fileBytes ?? r.model.fileBytes)}`),
    stat('Latency', ms(b?.latency?.medianMs), b?.speedup !== undefined ? `${speedup(b.speedup)} faster · unpruned ${ms(u?.latency?.medianMs)}` : `unpruned ${ms(u?.latency?.medianMs)}`, b?.speedup === undefined ? undefined : b.speedup >= 1 ? 'good' : 'bad'),
    stat('Kept', b ? `${b.heads} heads` : DASH, b ? `${count(b.neurons)} neurons` : undefined),
  );
  return row;
}

function dl(rows: Array<[string, string | Node]>): HTMLElement {
  const list = el('dl', 'facts');
  for (const [k, v] of rows) list.append(text('dt', undefined, k), el('dd', undefined, v));
  return list;
}

function section(title: string, body: Node): HTMLElement {
  return el('section', 'card', el('header', 'card-head', text('h2', undefined, title)), body);
}

function modelFacts(r: Report): HTMLElement {
  const m = r.model;
  return section(
    'Model',
    dl([
      ['architecture', m.architecture || DASH],
      ['family', m.family ? `${m.family}${m.modelType && m.modelType !== m.family ? ` (model_type ${m.modelType})` : ''}` : DASH],
      ['shape', m.layers ? `${m.layers} layers × ${m.heads} heads, hidden ${m.hidden}, FFN ${m.intermediate}` : DASH],
      ['labels', m.labels.length ? `${m.labels.length} (${m.labels.slice(0, 6).join(', ')}${m.labels.length > 6 ? ', …' : ''})` : DASH],
      ['parameters', count(m.parameters || undefined)],
      ['checkpoint', el('span', 'path', m.dir)],
    ]),
  );
}

function runFacts(r: Report): HTMLElement {
  const notes = el('ul', 'notes');
  for (const n of r.device.notes) notes.append(text('li', undefined, n));
  const rk = r.rankings;
  return section(
    'Run',
    dl([
      ['method', r.method],
      ['device', `${r.device.used ?? DASH} (requested ${r.device.requested})`],
      ['why', r.device.notes.length ? notes : DASH],
      ['calibration', calibrationFact(r.data.calibration)],
      ['evaluation', r.data.eval ? `${count(r.data.eval.examples)} examples, mean length ${r.data.eval.meanSequenceLength.toFixed(1)}` : DASH],
      ['scoring', r.scoring ? `${r.scoring.mode} (${r.scoring.reason})` : DASH],
      ...(r.scoring?.fast ? [['self-check', fastCheckText(r.scoring.fast)] as [string, string]] : []),
      ['rankings', rk ? (rk.reused ? `reused${rk.reusedFrom ? ` from ${rk.reusedFrom}` : ''}` : `scored ${count(rk.units)} units in ${seconds(rk.seconds)}`) : 'not scored yet'],
      ['started', new Date(r.createdAt).toLocaleString()],
      ['finished', r.finishedAt ? new Date(r.finishedAt).toLocaleString() : DASH],
      ['peak memory', bytes(r.peakRssBytes)],
      ['folder', el('span', 'path', r.runDir)],
    ]),
  );
}

/** Examples × padded length, the real tokens, and what packing left the scorer to run. */
function calibrationFact(c: Report['data']['calibration']): string {
  if (!c.paddedLength) return `${count(c.examples)} examples`;
  const packed = c.scoringTokens && c.paddedTokens && c.scoringTokens < c.paddedTokens
    ? `; scored as ${count(c.scoringRows ?? 0)} packed rows, ${count(c.scoringTokens)} of ${count(c.paddedTokens)} padded tokens`
    : '';
  return `${count(c.examples)} examples × ${c.paddedLength} tokens (${count(c.realTokens)} real${packed})`;
}

/** A fast run's agreement with exact scores and how much of it is exact. */
function fastCheckText(f: NonNullable<NonNullable<Report['scoring']>['fast']>): string {
  return `Spearman ${f.sample.spearman.toFixed(3)} of fast vs exact scores on ${count(f.sample.units)} random neurons; ` +
    `exact: all ${count(f.totalUnits.heads)} heads, ${count(f.exactUnits.neurons)} of ${count(f.totalUnits.neurons)} neurons ` +
    `(${count(f.band.units)} near the budgets' cut-offs); ` +
    (f.estimator === 'linear' && f.probes ? `linear-response estimate, ${count(f.probes.md)} probes` : `proxy on ${count(f.proxyExamples)} examples`);
}

function phaseFacts(r: Report): HTMLElement {
  const list = el('div', 'phases');
  const total = r.phases.reduce((a, p) => a + p.seconds, 0) || 1;
  for (const p of r.phases) {
    const bar = el('div', `phase-bar ${p.status}`);
    // Widths are data, set through the CSSOM (allowed by the CSP, unlike style attributes).
    bar.style.width = `${Math.max(1, (p.seconds / total) * 100)}%`;
    list.append(el('div', 'phase', text('span', 'phase-name', p.name), el('div', 'phase-track', bar), text('span', 'phase-time', `${seconds(p.seconds)}${p.status === 'done' ? '' : ` · ${p.status}`}`)));
  }
  if (!r.phases.length) list.append(text('p', 'muted', 'No phase finished yet.'));
  return section('Phases', list);
}

export function factsRow(r: Report): HTMLElement {
  return el('div', 'grid facts-grid', modelFacts(r), runFacts(r), phaseFacts(r));
}

/** Every budget in one table (vscode-table); clicking a row selects that budget. */
export function budgetsTable(r: Report, selected: number | undefined, onSelect: (i: number) => void): HTMLElement {
  const table = document.createElement('vscode-table');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-rows', '');
  // Equal widths (the default) cut the long columns; give baselines and the file room.
  const repaired = r.budgets.some((b) => b.unrepaired);
  const merging = r.budgets.some((b) => b.tokens);
  const widths = repaired ? ['7%', '7%', '6%', '7%', '8%', '7%', '8%', '8%', '15%', '7%', '7%', '13%'] : ['7%', '8%', '6%', '7%', '9%', '8%', '8%', '17%', '8%', '7%', '15%'];
  // Token merging adds a column after Neurons; the file column gives up the room.
  if (merging) {
    widths.splice(4, 0, '9%');
    widths[widths.length - 1] = `${parseInt(widths.at(-1)!, 10) - 9}%`;
  }
  table.columns = widths;
  const header = document.createElement('vscode-table-header');
  header.slot = 'header';
  const cols = ['Budget', 'MACs kept', 'Heads', 'Neurons', ...(merging ? ['Tokens'] : []), 'Parameters', 'Size', metricName(r), ...(repaired ? ['Unrepaired'] : []), 'Baselines', 'Latency', 'Speedup', 'File'];
  for (const c of cols) {
    const h = document.createElement('vscode-table-header-cell');
    h.textContent = c;
    header.append(h);
  }
  const body = document.createElement('vscode-table-body');
  body.slot = 'body';
  r.budgets.forEach((b, i) => {
    const row = document.createElement('vscode-table-row');
    if (i === selected) row.classList.add('selected');
    const values = [
      budgetLabel(b.budget),
      pct(b.macFraction),
      String(b.heads),
      count(b.neurons),
      ...(merging ? [tokensCell(b)] : []),
      count(b.parameters || undefined),
      bytes(b.fileBytes),
      metric(r, b.metric),
      // The held-out check can reject a budget's repair: then the export is this unrepaired model.
      ...(repaired ? [`${metric(r, b.unrepaired?.metric)}${b.repair?.check?.kept === false ? ' (exported: repair not kept)' : ''}`] : []),
      b.baselines.map((x) => `${x.method} ${metric(r, x.metric)}`).join(', ') || DASH,
      ms(b.latency?.medianMs),
      speedup(b.speedup),
      b.file,
    ];
    for (const v of values) {
      const c = document.createElement('vscode-table-cell');
      c.textContent = v;
      row.append(c);
    }
    row.addEventListener('click', () => onSelect(i));
    body.append(row);
  });
  table.append(header, body);
  return section('Budgets', table);
}

/** "50→24 · 75%": tokens entering the first layer and leaving the last, and (auto) the share of the MAC cut taken by tokens. */
function tokensCell(b: Report['budgets'][number]): string {
  const t = b.tokens;
  if (!t) return DASH;
  const share = t.share === undefined ? '' : ` · ${t.share * 100}%`;
  return `${t.tokensPerLayer[0]}→${t.tokensPerLayer.at(-1)}${share}`;
}
