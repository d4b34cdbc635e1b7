/**
 * Phases `calibrate` + `score`: the unit scores of the run's method, or the rankings of an
 * earlier run with the same fingerprint (same model, calibration data and scoring options).
 */
import * as os from 'os';
import * as path from 'path';
import { magnitudeScores, randomScores } from '../../optin/baselines';
import { calibrationShape, runBaseline } from '../../optin/calibration';
import { combine, Scores } from '../../optin/importance';
import { checkScoringMemory } from '../../optin/memory';
import { fingerprint, findRankings, Rankings, RANKINGS_VERSION } from '../../optin/rankings';
import { RawLosses, scoreUnits, ScoringOptions } from '../../optin/scoring';
import { DEFAULT_CHECK_UNITS, estimatorText, FastCheck, linearResponseSupported, scoreFast } from '../../optin/fastScoring';
import { chooseScoring, projectExactSeconds } from '../../optin/scoringMode';
import type { PruneJob } from '../pruneJob';
import { scoringInput } from '../../optin/packing';
import { writeJsonAtomic } from '../atomic';
import { firstPath, type RunContext } from '../runContext';
import { Loaded, sum } from './load';

export interface UnitScores {
  heads: Scores;
  neurons: Scores;
}

export async function rankingsPhase(ctx: RunContext, loaded: Loaded): Promise<UnitScores> {
  const { job, report } = ctx;
  const { model, loss, calib, calibSample } = loaded;
  const { spec } = model;
  const scoringOptions = {
    calibrationSize: job.calibrationSize, maxSeqLength: job.maxSeqLength ?? null, fields: job.fields ?? null,
    mmdTokens: job.mmdTokens, seed: job.method === 'magnitude' ? null : job.seed, loss: job.method === 'optin' ? loss : null,
    // Which examples are scored: another sampling, seed or data -> another sample -> re-score.
    calibrationSample: job.method === 'optin' ? { sampling: calibSample.sampling, seed: calibSample.seed ?? null, hash: calibSample.hash, examples: calibSample.examples } : null,
  };
  const fp = fingerprint(spec.dir, job.calibrationData, scoringOptions, job.method);
  const requested = job.method === 'optin' ? job.scoring?.mode ?? 'auto' : 'exact';
  // Fast rankings are refined around the cut-offs of their budgets: they carry them in their fingerprint.
  // The linear estimate differentiates hand-built backward graphs that know only BERT/ViT attention.
  const linearOk = linearResponseSupported(spec);
  const estimator = linearOk ? job.scoring?.fastEstimator ?? 'linear' : 'subset';
  if (!linearOk && requested !== 'exact' && job.scoring?.fastEstimator !== 'subset') {
    ctx.log(`fast scoring: the linear estimate is not available for ${spec.modelType} (its position-dependent attention has no backward graph here); the subset estimate is used`);
  }
  const fastSettings = {
    estimator, ...(estimator === 'linear' ? { probes: job.scoring?.fastProbes ?? 32 } : { calibrationSize: fastCalibrationSize(job) }),
    checkUnits: job.scoring?.fastCheckUnits ?? null, budgets: [...job.budgets].sort(),
  };
  const fastFp = requested === 'exact' ? undefined : fingerprint(spec.dir, job.calibrationData, { ...scoringOptions, fast: fastSettings }, job.method);
  // Exact rankings serve any request; fast ones never stand in for exact.
  const found = findRankings(job.outputDir, fp) ?? (fastFp ? findRankings(job.outputDir, fastFp) : undefined);
  const units = sum(spec.headsPerLayer) + sum(spec.neuronsPerLayer);
  const rankingsFile = path.join(ctx.runDir, 'rankings.json');
  if (found) {
    ctx.phase('score');
    ctx.log(`reusing rankings ${found.file} (same model, calibration data and scoring options)`);
    const r = found.rankings;
    // Stored raw losses are re-combined, so new λ/decay/loss_type options apply without re-scoring.
    const scores = r.raw ? combine(r.raw, job.importance) : { heads: r.heads, neurons: r.neurons };
    const rankings: Rankings = { ...r, importance: job.method === 'optin' ? job.importance : undefined, ...scores };
    if (path.resolve(found.file) !== rankingsFile) writeJsonAtomic(rankingsFile, rankings);
    report.rankings = { file: 'rankings.json', fingerprint: r.fingerprint, reused: true, reusedFrom: found.file, units, seconds: 0 };
    if (job.method === 'optin') report.scoring = { requested, mode: r.mode ?? 'exact', reason: `reused ${r.mode ?? 'exact'} rankings`, fast: r.fastCheck };
    ctx.endPhase('reused');
    return scores;
  }
  const t0 = performance.now();
  const base = {
    schema: 'optin-rankings' as const, version: RANKINGS_VERSION, complete: true as const, fingerprint: fp, method: job.method, createdAt: new Date().toISOString(),
    model: { dir: spec.dir, architecture: spec.architecture, layers: spec.numLayers, headsPerLayer: spec.headsPerLayer, neuronsPerLayer: spec.neuronsPerLayer },
    scoring: scoringOptions,
  };
  let rankings: Rankings;
  let scores: UnitScores;
  if (job.method === 'optin') {
    ctx.phase('calibrate');
    const feeds = await calib.batchOf(calibSample.indices);
    const calibLabels = calibSample.indices.map((k) => calib.labels[k]).filter((l): l is number => l !== undefined);
    const memory = checkScoringMemory(model, calibrationShape(spec, feeds), job.memoryLimitBytes ?? 0.8 * os.totalmem());
    ctx.log(`memory estimate: ${(memory.estimate.minimumBytes / 2 ** 20).toFixed(0)} MiB with one candidate per call; candidate budget ${(memory.candidateBudgetBytes / 2 ** 20).toFixed(0)} MiB`);
    const baseline = await runBaseline(model, feeds, { mmdTokens: job.mmdTokens, seed: job.seed, trajectory: loss.trajectory, device: job.device, threads: job.threads });
    const input = scoringInput(baseline);
    const { batch, seq } = input.layout.shape;
    report.data.calibration = {
      path: firstPath(job.calibrationData), examples: job.calibrationSize, paddedLength: baseline.shape.seq, realTokens: baseline.realTokens,
      paddedTokens: baseline.shape.batch * baseline.shape.seq, scoringRows: batch, scoringTokens: batch * seq, sample: calibSample,
    };
    if (input.packing) ctx.log(`calibration packed: ${job.calibrationSize} sequences (${baseline.realTokens} real tokens) in ${batch} rows of ${seq}: ${batch * seq} token rows per candidate instead of ${baseline.shape.batch * seq}`);
    ctx.endPhase();
    ctx.phase('score');
    const scoringOpts: ScoringOptions = { input, loss, device: job.device, threads: job.threads, candidatesPerRun: job.candidatesPerRun, memoryBudgetBytes: memory.candidateBudgetBytes, signal: ctx.hooks.signal };
    let choice = chooseScoring(requested, job.scoring?.timeLimitMinutes ?? 10);
    if (requested === 'auto') {
      ctx.emit({ type: 'progress', phase: 'score', done: 0, total: units, detail: 'timing probe (scoring: auto)' });
      choice = chooseScoring('auto', job.scoring?.timeLimitMinutes ?? 10, await projectExactSeconds(model, baseline, input, scoringOpts));
    }
    report.scoring = { requested, mode: choice.mode, reason: choice.reason, projectedExactSeconds: choice.projectedExactSeconds };
    ctx.log(`scoring: ${choice.mode} (${choice.reason})`);
    ctx.save();
    let raw: RawLosses;
    let fastCheck: FastCheck | undefined;
    if (choice.mode === 'exact') {
      raw = await scoreUnits(model, baseline, {
        ...scoringOpts,
        onProgress: (p) => ctx.emit({ type: 'progress', phase: 'score', done: p.done, total: p.total, etaSeconds: p.etaSeconds, detail: `exact · layer ${p.layer} ${p.kind}s` }),
      });
    } else {
      const fast = await scoreFast(model, baseline, {
        ...scoringOpts, budgets: job.budgets, macs: loaded.macs, importance: job.importance, seed: job.seed, labels: calibLabels,
        estimator, probes: job.scoring?.fastProbes ?? 32, proxyExamples: fastCalibrationSize(job),
        refineSeconds: 60 * (job.scoring?.timeLimitMinutes ?? 10), checkUnits: job.scoring?.fastCheckUnits ?? DEFAULT_CHECK_UNITS,
        onProgress: (p) => ctx.emit({ type: 'progress', phase: 'score', done: p.done, total: p.total, etaSeconds: p.etaSeconds, detail: `fast: ${FAST_STAGES[p.stage]} · layer ${p.layer}` }),
      });
      raw = fast.raw;
      fastCheck = fast.check;
      report.scoring.fast = fastCheck;
      report.scoring.warning = fastWarning(fastCheck);
      ctx.log(`fast scoring: ${estimatorText(fastCheck)}; ${fastCheck.exactUnits.neurons} of ${fastCheck.totalUnits.neurons} neurons scored exactly; self-check Spearman ${fastCheck.sample.spearman.toFixed(4)} on ${fastCheck.sample.units} random neurons`);
      if (report.scoring.warning) ctx.log(report.scoring.warning, 'warn');
    }
    const combined = combine(raw, job.importance);
    scores = combined;
    rankings = {
      ...base, fingerprint: choice.mode === 'fast' ? fastFp! : fp, mode: choice.mode, fastCheck,
      scoring: choice.mode === 'fast' ? { ...scoringOptions, fast: fastSettings } : scoringOptions,
      seconds: (performance.now() - t0) / 1000, importance: job.importance, kdScale: combined.kdScale, heads: combined.heads, neurons: combined.neurons, raw,
    };
  } else {
    ctx.phase('score');
    scores = job.method === 'magnitude' ? magnitudeScores(model) : randomScores(model, job.seed);
    rankings = { ...base, seconds: (performance.now() - t0) / 1000, ...scores };
  }
  writeJsonAtomic(rankingsFile, rankings);
  report.rankings = { file: 'rankings.json', fingerprint: rankings.fingerprint, reused: false, units, seconds: rankings.seconds };
  ctx.endPhase();
  return scores;
}

const FAST_STAGES = { heads: 'heads exactly', proxy: 'neuron estimate', check: 'self-check sample', refine: 'exact near the cut-offs' } as const;


/** Examples the fast proxy runs on: fast_calibration_size, else an eighth of the batch (≥ 8). */
function fastCalibrationSize(job: PruneJob): number {
  return Math.min(job.calibrationSize, job.scoring?.fastCalibrationSize ?? Math.max(8, Math.round(job.calibrationSize / 8)));
}

/** Below this Spearman the fast scores are reported as unreliable. */
export const FAST_SPEARMAN_WARNING = 0.9;

function fastWarning(c: FastCheck): string | undefined {
  const w: string[] = [];
  if (c.sample.spearman < FAST_SPEARMAN_WARNING) {
    w.push(`fast scores agree poorly with exact ones (Spearman ${c.sample.spearman.toFixed(3)} on ${c.sample.units} random neurons, below ${FAST_SPEARMAN_WARNING})`);
  }
  if (c.band.capped) {
    w.push(c.band.cappedBy === 'time'
      ? 'the exact re-scoring around the budget cut-offs hit its time limit (scoring_time_limit), so masks near the cut-off partly rest on fast scores'
      : 'the exact re-scoring around the budget cut-offs hit its cap on neurons, so masks near the cut-off partly rest on fast scores');
  }
  const raise = c.estimator === 'linear' ? 'raise fast_probes' : 'raise fast_calibration_size';
  return w.length ? `${w.join('; ')}: use scoring: exact, or ${raise}${c.band.cappedBy === 'time' ? ' or scoring_time_limit' : ''}.` : undefined;
}
