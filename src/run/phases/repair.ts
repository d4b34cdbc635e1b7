/**
 * Phase `repair` (config `repair: least_squares`): after the mask search, each budget's pruned
 * model gets per-unit scales fitted by least squares so that every layer reproduces the unpruned
 * layer on the calibration batch (src/optin/repair.ts). The scales are folded into the output
 * projections, so the exported model keeps the pruned shape. A repair is kept only when it
 * brings the outputs closer to the unpruned model's on held-out calibration examples
 * (src/optin/repairCheck.ts). The unrepaired model of the same mask is still evaluated (report
 * `unrepaired`), so the gain of repair is measured per budget.
 */
import type { LoadedModel } from '../../model/spec';
import { buildModelGraph } from '../../onnx/model';
import { REPAIR_FIT, repairPruned, repairTeacher } from '../../optin/repair';
import { prunedFor, withTokenMerge } from '../../optin/tokenSchedule';
import type { RepairCheckRecord } from '../report';
import type { KeepMask } from '../../model/prune';
import type { SearchResult } from '../../optin/search';
import type { RunContext } from '../runContext';
import type { Loaded } from './load';

export interface RepairOutcome {
  /** The model to export for each budget (pruned, scales folded in; the plain pruned model where the check rejected the repair). */
  models: LoadedModel[];
  /** Whether budget i's export is the repaired model. */
  kept: boolean[];
  /** The same mask without repair, as an ONNX graph, for the evaluation of `unrepaired`. */
  unrepairedGraph(index: number): Uint8Array;
  /** Any other mask (a baseline's) repaired the same way, on the same calibration targets and with the same check; `tokenMerge`: exported with that merging. */
  repairMask(keep: KeepMask, tokenMerge?: number[]): Promise<LoadedModel>;
}

export async function repairPhase(ctx: RunContext, loaded: Loaded, searches: SearchResult[]): Promise<RepairOutcome | undefined> {
  const { job, report } = ctx;
  if (job.repair !== 'least_squares') return undefined;
  ctx.phase('repair');
  const opts = { device: job.device, threads: job.threads, signal: ctx.hooks.signal, fit: job.repairFit ?? REPAIR_FIT };
  // The same calibration examples the scorer reads.
  const feeds = await loaded.calib.batchOf(loaded.calibSample.indices);
  const t0 = performance.now();
  const teacher = await repairTeacher(loaded.model, feeds, opts);
  ctx.log(`repair: unpruned targets of ${teacher.realIndex.length} real calibration tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const check = await loaded.heldOutCheck();
  const where = check.set.heldOut ? `${check.set.indices.length} calibration examples outside the sample` : `the calibration sample (calibration_data has no other examples)`;
  ctx.log(`repair: each repair is kept only if it brings the outputs closer to the unpruned model's on ${where}`);
  /** The repaired model, or the plain pruned one when the check finds it further from the unpruned model. */
  // Repair fits every token (merging is not applied while fitting); the check compares the models as exported, merging included.
  const deliver = async (keep: KeepMask, tokenMerge?: number[]) => {
    const r = await repairPruned(loaded.model, keep, teacher, opts);
    const [withRepair, without] = [withTokenMerge(r.model, tokenMerge), withTokenMerge(r.unrepaired, tokenMerge)];
    const [repaired, unrepaired] = [await check.distance(withRepair), await check.distance(without)];
    const record: RepairCheckRecord = { examples: check.set.indices.length, heldOut: check.set.heldOut, repaired, unrepaired, kept: repaired <= unrepaired };
    return { r, record, model: record.kept ? withRepair : without };
  };
  const models: LoadedModel[] = [];
  const kept: boolean[] = [];
  for (const [i, s] of searches.entries()) {
    ctx.throwIfAborted();
    const { r, record, model } = await deliver(s.keep, s.tokenMerge);
    models.push(model);
    kept.push(record.kept);
    const budget = report.budgets[i];
    budget.repair = { method: 'least_squares', fit: opts.fit, seconds: r.seconds, layers: r.layers, check: record };
    const rel = (a: number, b: number) => (b > 0 ? a / b : 0);
    const summary = r.layers
      .map((l) => (
        [['h', l.heads], ['n', l.neurons]] as const).flatMap(([k, f]) => (f ? [`${k} ${rel(f.errorBefore, f.targetNorm).toFixed(3)}→${rel(f.errorAfter, f.targetNorm).toFixed(3)}${f.fit !== opts.fit ? ` (${f.fit}: fewer tokens than inputs)` : ''}`] : [])).join(' '))
      .map((t, l) => `L${l} ${t || '-'}`)
      .join('; ');
    ctx.log(`repair budget ${s.budget}: ${r.seconds.toFixed(1)} s; relative squared error before→after: ${summary}`);
    const div = loaded.model.spec.problemType === 'regression' ? 'squared difference' : 'KL';
    ctx.log(`repair budget ${s.budget}: ${div} from the unpruned model ${record.repaired.toFixed(4)} repaired, ${record.unrepaired.toFixed(4)} unrepaired: ${record.kept ? 'repair kept' : 'repair NOT kept (it moved the outputs away from the unpruned model); the plain pruned model is exported'}`);
    ctx.emit({ type: 'progress', phase: 'repair', done: i + 1, total: searches.length });
    ctx.save();
  }
  ctx.endPhase();
  return {
    models,
    kept,
    unrepairedGraph: (i) => buildModelGraph(prunedFor(loaded.model, searches[i])).bytes,
    repairMask: async (keep, tokenMerge) => (await deliver(keep, tokenMerge)).model,
  };
}
