/**
 * Phase `evaluate`: the task metric and latency of the unpruned model and of every exported
 * budget, then the baselines (magnitude, random) with the method's unit counts (baseline_counts).
 */
import * as path from 'path';
import { defaultMetric, predictLogits } from '../../eval/evaluate';
import { Latency, measureLatency } from '../../eval/latency';
import { computeMetric } from '../../eval/metrics';
import { buildModelGraph } from '../../onnx/model';
import { magnitudeScores, randomScores } from '../../optin/baselines';
import { countMatchedMask, searchMask } from '../../optin/search';
import { mergedCosts, prunedFor } from '../../optin/tokenSchedule';
import { DeviceChoice, openSession } from '../../runtime/session';
import type { RunContext } from '../runContext';
import type { Loaded } from './load';
import type { RepairOutcome } from './repair';
import type { Searched } from './searchExport';

const RANDOM_SEEDS = 3;

/**
 * `repaired`: with repair on, budget i's mask without repair (report `unrepaired`) and the
 * repair of any mask, so that each baseline is also evaluated repaired (`repaired`).
 */
export async function evaluatePhase(ctx: RunContext, loaded: Loaded, repaired?: Pick<RepairOutcome, 'kept' | 'unrepairedGraph' | 'repairMask'>, curves?: Searched['curves']): Promise<void> {
  const { job, report, hooks } = ctx;
  const { model, evalDs, macs, fullMacs } = loaded;
  const { spec } = model;
  ctx.phase('evaluate');
  const metric = job.metric ?? defaultMetric(model);
  report.metric = metric;
  const gold = evalDs.labels as number[];
  // The latency batch is chosen like the calibration sample (calibration_sampling).
  const timerFeeds = await evalDs.batchOf(loaded.timerSample.indices);
  let device: DeviceChoice = job.device;
  // A graph in memory, or an exported file (ONNX Runtime reads it; nothing is rebuilt or kept).
  const evaluateModel = async (graph: Uint8Array | string, timed: boolean): Promise<{ metric: number; latency?: Latency }> => {
    ctx.throwIfAborted();
    const opened = await openSession(graph, { device, threads: job.threads });
    if (!report.device.used) {
      report.device.used = opened.device;
      report.device.notes = opened.notes;
      device = opened.device;
      ctx.log(`execution provider: ${opened.device} (${opened.notes.join('; ')})`);
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
  ctx.log(`unpruned ${metric} ${unpruned.metric.toFixed(4)}, latency ${unpruned.latency!.medianMs.toFixed(2)} ms`);
  ctx.save();
  const steps = report.budgets.length * (1 + job.baselines.reduce((n, b) => n + (b === 'random' ? RANDOM_SEEDS : 1), 0));
  let step = 0;
  const tick = () => ctx.emit({ type: 'progress', phase: 'evaluate', done: ++step, total: steps });
  const baselineScores = {
    magnitude: job.baselines.includes('magnitude') ? magnitudeScores(model) : undefined,
    random: job.baselines.includes('random') ? Array.from({ length: RANDOM_SEEDS }, (_, k) => randomScores(model, job.seed + k)) : undefined,
  };
  for (const [index, r] of report.budgets.entries()) {
    const res = await evaluateModel(path.join(ctx.runDir, r.file), true);
    r.metric = res.metric;
    r.latency = res.latency;
    r.speedup = unpruned.latency!.medianMs / res.latency!.medianMs;
    ctx.log(`budget ${r.budget}: ${metric} ${res.metric.toFixed(4)}, MACs ${(r.macFraction * 100).toFixed(1)}%, latency ${res.latency!.medianMs.toFixed(2)} ms (${r.speedup.toFixed(2)}×)`);
    if (repaired) {
      // Where the check rejected the repair, the export is the unrepaired model: nothing to add.
      r.unrepaired = { metric: repaired.kept[index] ? (await evaluateModel(repaired.unrepairedGraph(index), false)).metric : res.metric };
      ctx.log(`budget ${r.budget} without repair: ${metric} ${r.unrepaired.metric.toFixed(4)}`);
    }
    tick();
    ctx.save();
    // Token merging: the tokens-only and heads/neurons-only splits of the same budget, as delivered (repaired when the run repairs).
    const split = curves?.[index];
    if (split && r.tokens?.curves) {
      for (const [name, s] of [['tokensOnly', split.tokensOnly], ['unitsOnly', split.unitsOnly]] as const) {
        const delivered = repaired ? await repaired.repairMask(s.keep, s.tokenMerge) : prunedFor(model, s);
        const res = await evaluateModel(buildModelGraph(delivered).bytes, true);
        Object.assign(r.tokens.curves[name], { metric: res.metric, latency: res.latency });
        ctx.log(`budget ${r.budget} ${name === 'tokensOnly' ? 'tokens only' : 'heads/neurons only'} (r [${s.tokenMerge!.join(',')}], ${s.heads} heads, ${s.neurons} neurons, MACs ${(s.macFraction * 100).toFixed(1)}%): ${metric} ${res.metric.toFixed(4)}, latency ${res.latency!.medianMs.toFixed(2)} ms`);
      }
      ctx.save();
    }
    for (const method of job.baselines) {
      const sets = method === 'magnitude' ? [baselineScores.magnitude!] : baselineScores.random!;
      const values: number[] = [];
      const repairedValues: number[] = [];
      let fraction = 0;
      let kept = { heads: 0, neurons: 0 };
      for (const sc of sets) {
        // Count-matched (default): the method's numbers of heads and neurons, chosen by the baseline's ranking.
        const s = job.baselineCounts === 'search'
          ? searchMask(spec, sc.heads, sc.neurons, macs, r.budget, r.tokens && mergedCosts(spec, r.tokens.schedule))
          : countMatchedMask(spec, sc.heads, sc.neurons, macs, { heads: r.perLayer.map((l) => l.heads.length), neurons: r.perLayer.map((l) => l.neurons) }, job.baselineCounts);
        fraction = s.macFraction;
        kept = { heads: kept.heads + s.heads / sets.length, neurons: kept.neurons + s.neurons / sets.length };
        // With token merging, the baselines merge as the method's model does: only the ranking differs.
        const tokenMerge = r.tokens?.schedule;
        values.push((await evaluateModel(buildModelGraph(prunedFor(model, { keep: s.keep, tokenMerge })).bytes, false)).metric);
        if (repaired) repairedValues.push((await evaluateModel(buildModelGraph(await repaired.repairMask(s.keep, tokenMerge)).bytes, false)).metric);
        tick();
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      r.baselines.push({
        method, counts: job.baselineCounts, metric: mean(values), perSeed: method === 'random' ? values : undefined, macFraction: fraction, ...kept,
        ...(repaired && { repaired: { metric: mean(repairedValues), perSeed: method === 'random' ? repairedValues : undefined } }),
      });
      ctx.save();
    }
  }
  ctx.endPhase();
}
