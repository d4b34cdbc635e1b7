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
import { scoreUnits } from '../../optin/scoring';
import { writeJsonAtomic } from '../atomic';
import type { RunContext } from '../runContext';
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
  const found = findRankings(job.outputDir, fp);
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
    report.rankings = { file: 'rankings.json', fingerprint: fp, reused: true, reusedFrom: found.file, units, seconds: 0 };
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
    const memory = checkScoringMemory(model, calibrationShape(spec, feeds), job.memoryLimitBytes ?? 0.8 * os.totalmem());
    ctx.log(`memory estimate: ${(memory.estimate.minimumBytes / 2 ** 20).toFixed(0)} MiB with one candidate per call; candidate budget ${(memory.candidateBudgetBytes / 2 ** 20).toFixed(0)} MiB`);
    const baseline = await runBaseline(model, feeds, { mmdTokens: job.mmdTokens, seed: job.seed, trajectory: loss.trajectory, device: job.device, threads: job.threads });
    report.data.calibration = { path: job.calibrationData, examples: job.calibrationSize, paddedLength: baseline.shape.seq, realTokens: baseline.realTokens, sample: calibSample };
    ctx.endPhase();
    ctx.phase('score');
    const raw = await scoreUnits(model, baseline, {
      loss, device: job.device, threads: job.threads, candidatesPerRun: job.candidatesPerRun, memoryBudgetBytes: memory.candidateBudgetBytes, signal: ctx.hooks.signal,
      onProgress: (p) => ctx.emit({ type: 'progress', phase: 'score', done: p.done, total: p.total, etaSeconds: p.etaSeconds, detail: `layer ${p.layer} ${p.kind}s` }),
    });
    const combined = combine(raw, job.importance);
    scores = combined;
    rankings = { ...base, seconds: (performance.now() - t0) / 1000, importance: job.importance, kdScale: combined.kdScale, heads: combined.heads, neurons: combined.neurons, raw };
  } else {
    ctx.phase('score');
    scores = job.method === 'magnitude' ? magnitudeScores(model) : randomScores(model, job.seed);
    rankings = { ...base, seconds: (performance.now() - t0) / 1000, ...scores };
  }
  writeJsonAtomic(rankingsFile, rankings);
  report.rankings = { file: 'rankings.json', fingerprint: fp, reused: false, units, seconds: rankings.seconds };
  ctx.endPhase();
  return scores;
}
