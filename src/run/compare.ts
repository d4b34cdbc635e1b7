/**
 * Comparing runs side by side: which settings differ (config.yaml keys and run settings from
 * report.json, read generically so fields added later are compared too), the budgets of every
 * run aligned on one axis, and the heads whose kept/pruned status differs at a budget.
 * Plain data in, plain data out: the results panel, the CLI (`optin compare`) and the static
 * compare page all render the same Comparison.
 */
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../errors';
import type { BudgetResult, Report } from './report';
import { loadPanelData, type PanelData } from './runData';

export const COMPARE_VERSION = 1 as const;

export interface CompareRun {
  runDir: string;
  /** Unique among the compared runs: the folder name, with its parent when two share one. */
  label: string;
  report: Report;
  /** Importance per head [layer][head], for the side-by-side heatmaps. */
  headScores?: number[][];
  configText?: string;
}

export type DiffGroup = 'config' | 'run' | 'model' | 'data';

export interface DiffRow {
  group: DiffGroup;
  key: string;
  /** One value per run, as text; undefined where the run does not set the key. */
  values: Array<string | undefined>;
  differs: boolean;
}

export interface AlignedBudget {
  budget: number;
  /** One entry per run; undefined where that run did not search this budget. */
  results: Array<BudgetResult | undefined>;
}

export interface HeadStatus {
  layer: number;
  head: number;
  /** Kept at this budget, per run (undefined: that run has no mask at this budget). */
  kept: Array<boolean | undefined>;
}

export interface HeadDiff {
  budget: number;
  /** The heads whose status is not the same in every run that has this budget. */
  heads: HeadStatus[];
}

export interface Comparison {
  schema: 'optin-compare';
  version: typeof COMPARE_VERSION;
  runs: CompareRun[];
  /** Every differing key, plus the model and data fingerprints (always, so a model mismatch shows at a glance). */
  differences: DiffRow[];
  budgets: AlignedBudget[];
  /** Same architecture and shape and parameter count: heatmaps can be set side by side. */
  sameModel: boolean;
  headDiffs: HeadDiff[];
}

/** Budgets closer than this are the same budget (they come from YAML and from --budget). */
const BUDGET_EPS = 1e-9;
const MAX_VALUE_CHARS = 160;

/**
 * Report fields that are results or bookkeeping, not settings: they differ between any two runs.
 * `model` and `data` are summarised as fingerprints instead. Anything not listed is compared,
 * so a field added to report.json later (scoring options, say) shows up without a change here.
 */
const REPORT_SKIP = new Set([
  'schema', 'version', 'status', 'error', 'createdAt', 'finishedAt', 'runDir', 'budgets', 'phases', 'peakRssBytes', 'unpruned',
  'model', 'data', 'tool.name', 'device.notes', 'rankings.file', 'rankings.reused', 'rankings.reusedFrom', 'rankings.seconds',
  'macModel.perHead', 'macModel.perNeuron', 'macModel.encoderMacs', 'macModel.note',
]);

function text(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Nested mappings as dotted keys (`a.b.c`); arrays and scalars are leaves. */
export function flatten(value: unknown, skip: Set<string> = new Set(), prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (!isPlainObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (skip.has(key) || v === undefined) continue;
    if (isPlainObject(v) && Object.keys(v).length > 0) for (const [kk, vv] of flatten(v, skip, key)) out.set(kk, vv);
    else out.set(key, text(v));
  }
  return out;
}

/** The config.yaml as run, as flat keys; text that is not a YAML mapping gives no keys. */
export function configKeys(configText: string | undefined): Map<string, string> {
  if (!configText) return new Map();
  try {
    return flatten(parseYaml(configText));
  } catch {
    return new Map();
  }
}

/** What identifies the model: architecture, shape, parameters and file size (not its folder: copies compare equal). */
export function modelFingerprint(r: Report): string {
  const m = r.model;
  const size = m.fileBytes ? `, ${m.fileBytes.toLocaleString('en-US')} bytes` : '';
  return `${m.architecture || m.family || 'model'} ${m.layers}×${m.heads} heads, hidden ${m.hidden}, FFN ${m.intermediate}, ${m.parameters.toLocaleString('en-US')} parameters${size}`;
}

export function dataFingerprint(d: { path: string; examples: number } | undefined): string | undefined {
  return d ? `${d.path} (${d.examples.toLocaleString('en-US')} examples)` : undefined;
}

function row(group: DiffGroup, key: string, values: Array<string | undefined>): DiffRow {
  return { group, key, values, differs: values.some((v) => v !== values[0]) };
}

function rowsFromMaps(group: DiffGroup, maps: Array<Map<string, string>>): DiffRow[] {
  const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))];
  return keys.map((k) => row(group, k, maps.map((m) => m.get(k)))).filter((r) => r.differs);
}

/**
 * The "what differs" table: config.yaml keys that differ, run settings from report.json that
 * differ (method, device, scoring inputs, ...), and the model and data fingerprints.
 */
export function diffRuns(runs: Array<{ report: Report; configText?: string }>): DiffRow[] {
  const reports = runs.map((r) => flatten(r.report, REPORT_SKIP));
  const reported = rowsFromMaps('run', reports);
  // A key in both (method): report.json has the value in effect, defaults included; that one counts.
  const config = rowsFromMaps('config', runs.map((r) => configKeys(r.configText))).filter((c) => !reports.some((m) => m.has(c.key)));
  const fingerprints = [
    row('model', 'model', runs.map((r) => modelFingerprint(r.report))),
    row('model', 'model folder', runs.map((r) => r.report.model.dir)),
    row('data', 'calibration data', runs.map((r) => dataFingerprint(r.report.data.calibration))),
    row('data', 'eval data', runs.map((r) => dataFingerprint(r.report.data.eval))),
  ];
  // The fingerprints always show (equal ones say "same model"); the folder only when it differs.
  return [...config, ...reported, ...fingerprints.filter((r) => r.differs || r.key !== 'model folder')];
}

/** Every budget any run searched, ascending, with each run's result at it. */
export function alignBudgets(reports: Report[]): AlignedBudget[] {
  const budgets: number[] = [];
  for (const r of reports) {
    for (const b of r.budgets) if (!budgets.some((x) => Math.abs(x - b.budget) < BUDGET_EPS)) budgets.push(b.budget);
  }
  return budgets
    .sort((a, b) => a - b)
    .map((budget) => ({ budget, results: reports.map((r) => r.budgets.find((b) => Math.abs(b.budget - budget) < BUDGET_EPS)) }));
}

export function sameModel(reports: Report[]): boolean {
  return reports.every((r) => modelFingerprint(r) === modelFingerprint(reports[0]));
}

/** The heads whose kept/pruned status is not the same in every run that searched this budget. */
export function headStatusDiff(aligned: AlignedBudget, layers: number, heads: number): HeadDiff {
  const kept = aligned.results.map((b) => b?.perLayer.map((l) => new Set(l.heads)));
  const out: HeadStatus[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let head = 0; head < heads; head++) {
      const status = kept.map((k) => (k ? k[layer]?.has(head) ?? false : undefined));
      const known = status.filter((s): s is boolean => s !== undefined);
      if (known.length >= 2 && known.some((s) => s !== known[0])) out.push({ layer, head, kept: status });
    }
  }
  return { budget: aligned.budget, heads: out };
}

/** Labels that tell the runs apart: the folder name, or parent/name when two runs share a name. */
export function runLabels(runDirs: string[]): string[] {
  const names = runDirs.map((d) => path.basename(d));
  return runDirs.map((d, i) => (names.filter((n) => n === names[i]).length > 1 ? `${path.basename(path.dirname(d))}/${names[i]}` : names[i]));
}

export function compareRuns(runs: PanelData[]): Comparison {
  const reports = runs.map((r) => r.report);
  const labels = runLabels(reports.map((r) => r.runDir));
  const budgets = alignBudgets(reports);
  const same = sameModel(reports);
  const { layers, heads } = reports[0]?.model ?? { layers: 0, heads: 0 };
  return {
    schema: 'optin-compare',
    version: COMPARE_VERSION,
    // Neuron scores and log tails are not compared: leave them out (they dominate the size).
    runs: runs.map((r, i) => ({ runDir: r.report.runDir, label: labels[i], report: r.report, headScores: r.headScores, configText: r.configText })),
    differences: diffRuns(runs),
    budgets,
    sameModel: same,
    headDiffs: same ? budgets.map((b) => headStatusDiff(b, layers, heads)) : [],
  };
}

/**
 * Reads the run folders and compares them. A folder without a readable report.json is an error
 * that names it. The report's runDir is where the folder is now (a moved run still compares).
 */
export function loadComparison(runDirs: string[]): Comparison {
  const runs = runDirs.map((dir) => {
    const data = loadPanelData(dir);
    if (!data) {
      throw new UserError(`${dir}: no readable report.json; compare expects run folders written by \`optin prune\` or the editor (each holds report.json).`, dir);
    }
    return { ...data, report: { ...data.report, runDir: path.resolve(dir) } };
  });
  return compareRuns(runs);
}
