/**
 * What the results panel and report.html show for one run, read from the run folder's files
 * (report.json, rankings.json, config.yaml, log.txt). Plain data: the extension posts it to the
 * webview and the CLI embeds it in report.html, so both hosts render the same thing.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Report, RunStatus } from './report';

export interface PanelData {
  report: Report;
  /** Importance per head [layer][head] and per neuron [layer][neuron] (absent until scoring finished). */
  headScores?: number[][];
  neuronScores?: number[][];
  /** The config as run (<run>/config.yaml). */
  configText?: string;
  /** The last lines of log.txt. */
  logTail: string[];
}

/** One line of the run history. */
export interface RunSummary {
  runDir: string;
  /** The folder name, e.g. 20261127-055052-optin. */
  id: string;
  status: RunStatus;
  method: string;
  createdAt: string;
  budgets: number[];
  /** Metric of the unpruned model and of each budget (when evaluated). */
  metricName?: string;
  unprunedMetric?: number;
  metrics: Array<number | undefined>;
  /** Where the model and data came from: a folder, or a Hub id (`model_name`, `dataset`). */
  model?: string;
  data?: string;
}

const LOG_TAIL_LINES = 40;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readReport(runDir: string): Report | undefined {
  const r = readJson<Report>(path.join(runDir, 'report.json'));
  return r?.schema === 'optin-report' ? r : undefined;
}

export function readLogTail(runDir: string, lines = LOG_TAIL_LINES): string[] {
  try {
    return fs.readFileSync(path.join(runDir, 'log.txt'), 'utf8').split('\n').filter((l) => l.length > 0).slice(-lines);
  } catch {
    return [];
  }
}

/** Everything the panel shows for a run folder, or undefined when it holds no report.json. */
export function loadPanelData(runDir: string): PanelData | undefined {
  const report = readReport(runDir);
  if (!report) return undefined;
  const rankings = readJson<{ schema?: string; heads?: number[][]; neurons?: number[][] }>(path.join(runDir, 'rankings.json'));
  let configText: string | undefined;
  try {
    configText = fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8');
  } catch {
    configText = undefined;
  }
  const ok = rankings?.schema === 'optin-rankings';
  return {
    report,
    headScores: ok ? rankings.heads : undefined,
    neuronScores: ok ? rankings.neurons : undefined,
    configText,
    logTail: readLogTail(runDir),
  };
}

export function summarizeRun(report: Report): RunSummary {
  return {
    runDir: report.runDir,
    id: path.basename(report.runDir),
    status: report.status,
    method: report.method,
    createdAt: report.createdAt,
    budgets: report.budgets.map((b) => b.budget),
    metricName: report.metric,
    unprunedMetric: report.unpruned?.metric,
    metrics: report.budgets.map((b) => b.metric),
    model: report.sources?.model ? `${report.sources.model.repo}@${report.sources.model.revision}` : report.model.dir || undefined,
    data: report.sources?.dataset
      ? `${report.sources.dataset.repo}${report.sources.dataset.config ? ` (${report.sources.dataset.config})` : ''}`
      : report.data.calibration.path || undefined,
  };
}

/** The runs under an output directory, newest first (folders without a readable report.json are skipped). */
export function listRuns(outputDir: string): RunSummary[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(outputDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const runs: RunSummary[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const report = readReport(path.join(outputDir, e.name));
    // A moved run folder still lists under where it is now.
    if (report) runs.push({ ...summarizeRun(report), runDir: path.join(outputDir, e.name), id: e.name });
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
