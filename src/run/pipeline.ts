/**
 * One pruning run, end to end: load -> calibrate -> score (or reuse rankings) -> search each
 * budget -> export pruned.onnx -> evaluate -> report.json. Every phase updates report.json, so a
 * cancelled or failed run states what finished; files are written atomically.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../errors';
import { openDataset } from '../data/dataset';
import type { TextFields } from '../data/text';
import { defaultMetric, predictLogits } from '../eval/evaluate';
import { Latency, measureLatency } from '../eval/latency';
import { computeMetric, MetricName } from '../eval/metrics';
import { loadModel } from '../model';
import { countParameters } from '../model/params';
import { pruneModel } from '../model/prune';
import { defaultTrajectory, Trajectory } from '../onnx/encoder';
import { buildModelGraph } from '../onnx/model';
import type { LossOptions } from '../onnx/segments';
import { magnitudeScores, randomScores } from '../optin/baselines';
import { calibrationShape, runBaseline } from '../optin/calibration';
import { combine, ImportanceOptions, Scores } from '../optin/importance';
import { checkScoringMemory } from '../optin/memory';
import { fingerprint, findRankings, Rankings, RANKINGS_VERSION } from '../optin/rankings';
import { scoreUnits } from '../optin/scoring';
import { encoderMacs, macModel, searchMask, SearchResult } from '../optin/search';
import { DeviceChoice, openSession } from '../runtime/session';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { openRunFolder } from './runFolder';
import { tryWriteReportHtml } from './reportHtml';
import type { RunEvent } from './events';
import { BudgetResult, Method, PhaseTiming, Report, REPORT_VERSION } from './report';

export const TOOL_VERSION = '0.1.0';

export interface PruneJob {
  /** The config as the user wrote it, saved as <run>/config.yaml. */
  configText?: string;
  modelPath: string;
  calibrationData: string;
  evalData: string;
  outputDir: string;
  /** Use exactly this run folder instead of <outputDir>/<run id>. */
  runDir?: string;
  device: DeviceChoice;
  threads?: number;
  budgets: number[];
  method: Method;
  baselines: Array<'magnitude' | 'random'>;
  seed: number;
  calibrationSize: number;
  mmdTokens: number;
  maxSeqLength?: number;
  fields?: Partial<TextFields>;
  metric?: MetricName;
  batchSize: number;
  timerBatchSize: number;
  latencyRuns: number;
  /** Loss options; `trajectory` unset = the family's default (`embedding_choice: auto`). */
  loss: Omit<LossOptions, 'trajectory'> & { trajectory?: Trajectory };
  importance: ImportanceOptions;
  candidatesPerRun?: number;
  /** Refuse scoring that would need more (default: 80% of the machine's memory). */
  memoryLimitBytes?: number;
}

export interface RunHooks {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

const RANDOM_SEEDS = 3;


function budgetFile(job: PruneJob, budget: number): string {
  return job.budgets.length === 1 ? 'pruned.onnx' : `pruned-${budget}.onnx`;
}

function modelFileBytes(dir: string): number {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
}

/** Runs a pruning job; resolves to the final report (also on disk) whatever the outcome. */
export async function runPrune(job: PruneJob, hooks: RunHooks = {}): Promise<Report> {
  const folder = openRunFolder(job.outputDir, job.method, job.runDir);
  try {
    return await runInFolder(job, folder.dir, hooks);
  } finally {
    folder.release();
  }
}

async function runInFolder(job: PruneJob, runDir: string, hooks: RunHooks): Promise<Report> {
  const emit = (e: RunEvent) => hooks.onEvent?.(e);
  const logFile = path.join(runDir, 'log.txt');
  const log = (message: string, level: 'info' | 'warn' | 'error' = 'info') => {
    try {
      fs.appendFileSync(logFile, `${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`);
    } catch {
      // A log line that cannot be written (disk full) must not end the run; the event still goes out.
    }
    emit({ type: 'log', level, message });
  };
  const report: Report = {
    schema: 'optin-report',
    version: REPORT_VERSION,
    status: 'running',
    tool: { name: 'optin-vscode', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    runDir,
    method: job.method,
    device: { requested: job.device, notes: [] },
    model: { dir: job.modelPath, family: '', architecture: '', layers: 0, heads: 0, hidden: 0, intermediate: 0, labels: [], parameters: 0 },
    data: { calibration: { path: job.calibrationData, examples: job.calibrationSize, paddedLength: 0, realTokens: 0 } },
    budgets: [],
    phases: [],
    peakRssBytes: 0,
  };
  const save = () => {
    report.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    writeJsonAtomic(path.join(runDir, 'report.json'), report);
  };
  let phaseStart = performance.now();
  let phaseName: PhaseTiming['name'] = 'load';
  const phase = (name: PhaseTiming['name']) => {
    phaseName = name;
    phaseStart = performance.now();
    emit({ type: 'phase', phase: name });
    log(`phase ${name}`);
  };
  // The final report.json, and the same report as a page (report.html only warns on failure).
  const finish = () => {
    report.finishedAt = new Date().toISOString();
    save();
    tryWriteReportHtml(runDir, (m) => log(m, 'warn'));
  };
  const endPhase = (status: PhaseTiming['status'] = 'done') => {
    report.phases.push({ name: phaseName, seconds: (performance.now() - phaseStart) / 1000, status });
    save();
  };
  if (job.configText !== undefined) writeFileAtomic(path.join(runDir, 'config.yaml'), job.configText);
  log(`run folder ${runDir}`);
  save();
  emit({ type: 'started', runDir });

  try {
    // ---- load ----
    phase('load');
    const model = loadModel(job.modelPath);
    const { spec } = model;
    report.model = {
      dir: spec.dir, family: spec.family, architecture: spec.architecture, layers: spec.numLayers, heads: spec.numHeads,
      hidden: spec.hiddenSize, intermediate: spec.intermediateSize, labels: spec.labels, parameters: countParameters(model), fileBytes: modelFileBytes(spec.dir),
    };
    // BERT has no layernorm_before: its trajectory feature is always output.dense.
    const trajectory: Trajectory = spec.normPlacement === 'post' ? 'output_dense' : job.loss.trajectory ?? defaultTrajectory(spec);
    const loss: LossOptions = { ...job.loss, trajectory };
    const dataOpts = { fields: job.fields, maxSeqLength: job.maxSeqLength };
    const calib = openDataset(job.calibrationData, spec, dataOpts);
    if (job.calibrationSize > calib.size) {
      throw new UserError(`calibration_size ${job.calibrationSize} is larger than ${job.calibrationData}, which has ${calib.size} examples; lower calibration_size or add data.`);
    }
    const evalDs = openDataset(job.evalData, spec, { ...dataOpts, requireLabels: true });
    report.data.eval = { path: job.evalData, examples: evalDs.size, meanSequenceLength: evalDs.meanSequenceLength };
    const macs = macModel(spec, evalDs.meanSequenceLength);
    const fullMacs = encoderMacs({ heads: sum(spec.headsPerLayer), neurons: sum(spec.neuronsPerLayer) }, macs);
    report.macModel = {
      ...macs, encoderMacs: fullMacs,
      note: spec.modality === 'text'
        ? 's = mean number of real (non-padding) tokens per eval example, [CLS] and [SEP] included'
        : 's = patches + prefix tokens ([CLS], and the distillation token for DeiT)',
    };
    endPhase();

    // ---- rankings ----
    const scoringOptions = {
      calibrationSize: job.calibrationSize, maxSeqLength: job.maxSeqLength ?? null, fields: job.fields ?? null,
      mmdTokens: job.mmdTokens, seed: job.method === 'magnitude' ? null : job.seed, loss: job.method === 'optin' ? loss : null,
    };
    const fp = fingerprint(spec.dir, job.calibrationData, scoringOptions, job.method);
    const found = findRankings(job.outputDir, fp);
    let scores: { heads: Scores; neurons: Scores };
    const units = sum(spec.headsPerLayer) + sum(spec.neuronsPerLayer);
    const rankingsFile = path.join(runDir, 'rankings.json');
    if (found) {
      phase('score');
      log(`reusing rankings ${found.file} (same model, calibration data and scoring options)`);
      const r = found.rankings;
      // Stored raw losses are re-combined, so new λ/decay/loss_type options apply without re-scoring.
      scores = r.raw ? combine(r.raw, job.importance) : { heads: r.heads, neurons: r.neurons };
      const rankings: Rankings = { ...r, importance: job.method === 'optin' ? job.importance : undefined, ...scores };
      if (path.resolve(found.file) !== rankingsFile) writeJsonAtomic(rankingsFile, rankings);
      report.rankings = { file: 'rankings.json', fingerprint: fp, reused: true, reusedFrom: found.file, units, seconds: 0 };
      endPhase('reused');
    } else {
      const t0 = performance.now();
      let rankings: Rankings;
      const base = {
        schema: 'optin-rankings' as const, version: RANKINGS_VERSION, complete: true as const, fingerprint: fp, method: job.method, createdAt: new Date().toISOString(),
        model: { dir: spec.dir, architecture: spec.architecture, layers: spec.numLayers, headsPerLayer: spec.headsPerLayer, neuronsPerLayer: spec.neuronsPerLayer },
        scoring: scoringOptions,
      };
      if (job.method === 'optin') {
        phase('calibrate');
        const feeds = await calib.batch(0, job.calibrationSize);
        const memory = checkScoringMemory(model, calibrationShape(spec, feeds), job.memoryLimitBytes ?? 0.8 * os.totalmem());
        log(`memory estimate: ${(memory.estimate.minimumBytes / 2 ** 20).toFixed(0)} MiB with one candidate per call; candidate budget ${(memory.candidateBudgetBytes / 2 ** 20).toFixed(0)} MiB`);
        const baseline = await runBaseline(model, feeds, { mmdTokens: job.mmdTokens, seed: job.seed, trajectory, device: job.device, threads: job.threads });
        report.data.calibration = { path: job.calibrationData, examples: job.calibrationSize, paddedLength: baseline.shape.seq, realTokens: baseline.realTokens };
        endPhase();
        phase('score');
        const raw = await scoreUnits(model, baseline, {
          loss, device: job.device, threads: job.threads, candidatesPerRun: job.candidatesPerRun, memoryBudgetBytes: memory.candidateBudgetBytes, signal: hooks.signal,
          onProgress: (p) => emit({ type: 'progress', phase: 'score', done: p.done, total: p.total, etaSeconds: p.etaSeconds, detail: `layer ${p.layer} ${p.kind}s` }),
        });
        const combined = combine(raw, job.importance);
        scores = combined;
        rankings = { ...base, seconds: (performance.now() - t0) / 1000, importance: job.importance, kdScale: combined.kdScale, heads: combined.heads, neurons: combined.neurons, raw };
      } else {
        phase('score');
        scores = job.method === 'magnitude' ? magnitudeScores(model) : randomScores(model, job.seed);
        rankings = { ...base, seconds: (performance.now() - t0) / 1000, ...scores };
      }
      writeJsonAtomic(rankingsFile, rankings);
      report.rankings = { file: 'rankings.json', fingerprint: fp, reused: false, units, seconds: rankings.seconds };
      endPhase();
    }

    // ---- search ----
    phase('search');
    const searches = job.budgets.map((b) => searchMask(spec, scores.heads, scores.neurons, macs, b));
    writeJsonAtomic(path.join(runDir, 'masks.json'), {
      schema: 'optin-masks', version: 1,
      budgets: searches.map((s) => ({ budget: s.budget, macFraction: s.macFraction, heads: s.keep.heads, neurons: s.keep.neurons })),
    });
    report.budgets = searches.map((s) => budgetResult(job, spec.headsPerLayer, spec.neuronsPerLayer, s));
    endPhase();

    // ---- export ----
    phase('export');
    for (const [i, s] of searches.entries()) {
      hooks.signal?.throwIfAborted();
      const p = pruneModel(model, s.keep);
      const file = path.join(runDir, report.budgets[i].file);
      writeFileAtomic(file, buildModelGraph(p).bytes);
      report.budgets[i].fileBytes = fs.statSync(file).size;
      report.budgets[i].parameters = countParameters(p);
      emit({ type: 'progress', phase: 'export', done: i + 1, total: searches.length });
    }
    endPhase();

    // ---- evaluate ----
    phase('evaluate');
    const metric = job.metric ?? defaultMetric(model);
    report.metric = metric;
    const gold = evalDs.labels as number[];
    const timerFeeds = await evalDs.batch(0, Math.min(job.timerBatchSize, evalDs.size));
    let device: DeviceChoice = job.device;
    // A graph in memory, or an exported file (ONNX Runtime reads it; nothing is rebuilt or kept).
    const evaluateModel = async (graph: Uint8Array | string, timed: boolean): Promise<{ metric: number; latency?: Latency }> => {
      hooks.signal?.throwIfAborted();
      const opened = await openSession(graph, { device, threads: job.threads });
      if (!report.device.used) {
        report.device.used = opened.device;
        report.device.notes = opened.notes;
        device = opened.device;
        log(`execution provider: ${opened.device} (${opened.notes.join('; ')})`);
      }
      try {
        const logits = await predictLogits(opened.session, evalDs, spec.numLabels, { batchSize: job.batchSize, signal: hooks.signal });
        const value = computeMetric(metric, logits, spec.numLabels, gold);
        const latency = timed ? await measureLatency(opened.session, timerFeeds, job.latencyRuns) : undefined;
        return { metric: value, latency };
      } finally {
        await opened.session.release();
      }
    };
    const fullGraph = buildModelGraph(model).bytes;
    const unpruned = await evaluateModel(fullGraph, true);
    report.unpruned = { metric: unpruned.metric, macs: fullMacs, parameters: report.model.parameters, fileBytes: fullGraph.byteLength, latency: unpruned.latency };
    log(`unpruned ${metric} ${unpruned.metric.toFixed(4)}, latency ${unpruned.latency!.medianMs.toFixed(2)} ms`);
    save();
    const steps = report.budgets.length * (1 + job.baselines.reduce((n, b) => n + (b === 'random' ? RANDOM_SEEDS : 1), 0));
    let step = 0;
    const tick = () => emit({ type: 'progress', phase: 'evaluate', done: ++step, total: steps });
    const baselineScores = {
      magnitude: job.baselines.includes('magnitude') ? magnitudeScores(model) : undefined,
      random: job.baselines.includes('random') ? Array.from({ length: RANDOM_SEEDS }, (_, k) => randomScores(model, job.seed + k)) : undefined,
    };
    for (const r of report.budgets) {
      const res = await evaluateModel(path.join(runDir, r.file), true);
      r.metric = res.metric;
      r.latency = res.latency;
      r.speedup = unpruned.latency!.medianMs / res.latency!.medianMs;
      log(`budget ${r.budget}: ${metric} ${res.metric.toFixed(4)}, MACs ${(r.macFraction * 100).toFixed(1)}%, latency ${res.latency!.medianMs.toFixed(2)} ms (${r.speedup.toFixed(2)}×)`);
      tick();
      save();
      for (const method of job.baselines) {
        const sets = method === 'magnitude' ? [baselineScores.magnitude!] : baselineScores.random!;
        const values: number[] = [];
        let fraction = 0;
        for (const sc of sets) {
          const s = searchMask(spec, sc.heads, sc.neurons, macs, r.budget);
          fraction = s.macFraction;
          values.push((await evaluateModel(buildModelGraph(pruneModel(model, s.keep)).bytes, false)).metric);
          tick();
        }
        r.baselines.push({ method, metric: values.reduce((a, b) => a + b, 0) / values.length, perSeed: method === 'random' ? values : undefined, macFraction: fraction });
        save();
      }
    }
    endPhase();
    report.status = 'complete';
  } catch (e) {
    const cancelled = hooks.signal?.aborted === true;
    report.status = cancelled ? 'cancelled' : 'failed';
    report.error = cancelled ? 'cancelled by the user' : (e as Error).message;
    report.phases.push({ name: phaseName, seconds: (performance.now() - phaseStart) / 1000, status: cancelled ? 'cancelled' : 'failed' });
    log(`${report.status}: ${report.error}`, cancelled ? 'warn' : 'error');
    if (!cancelled && !(e instanceof UserError)) {
      finish();
      throw e;
    }
  }
  finish();
  emit({ type: 'done', status: report.status, runDir, error: report.error });
  return report;
}

function sum(a: number[]): number {
  return a.reduce((x, y) => x + y, 0);
}

function budgetResult(job: PruneJob, headsTotal: number[], neuronsTotal: number[], s: SearchResult): BudgetResult {
  return {
    budget: s.budget, macs: s.macs, macFraction: s.macFraction, heads: s.heads, neurons: s.neurons,
    perLayer: s.keep.heads.map((h, l) => ({ layer: l, heads: h, neurons: s.keep.neurons[l].length, headsTotal: headsTotal[l], neuronsTotal: neuronsTotal[l] })),
    file: budgetFile(job, s.budget), fileBytes: 0, parameters: 0, baselines: [],
  };
}
