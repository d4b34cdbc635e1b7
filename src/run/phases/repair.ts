/**
 * Phase `repair` (config `repair: least_squares`): after the mask search, each budget's pruned
 * model gets per-unit scales fitted by least squares so that every layer reproduces the unpruned
 * layer on the calibration batch (src/optin/repair.ts). The scales are folded into the output
 * projections, so the exported model keeps the pruned shape. The unrepaired model of the same
 * mask is still evaluated (report `unrepaired`), so the gain of repair is measured per budget.
 */
import type { LoadedModel } from '../../model/spec';
import { pruneModel } from '../../model/prune';
import { buildModelGraph } from '../../onnx/model';
import { repairPruned, repairTeacher } from '../../optin/repair';
import type { KeepMask } from '../../model/prune';
import type { SearchResult } from '../../optin/search';
import type { RunContext } from '../runContext';
import type { Loaded } from './load';

export interface RepairOutcome {
  /** The model to export for each budget (pruned, scales folded in). */
  models: LoadedModel[];
  /** The same mask without repair, as an ONNX graph, for the evaluation of `unrepaired`. */
  unrepairedGraph(index: number): Uint8Array;
  /** Any other mask (a baseline's) repaired the same way, on the same calibration targets. */
  repairMask(keep: KeepMask): Promise<LoadedModel>;
}

export async function repairPhase(ctx: RunContext, loaded: Loaded, searches: SearchResult[]): Promise<RepairOutcome | undefined> {
  const { job, report } = ctx;
  if (job.repair !== 'least_squares') return undefined;
  ctx.phase('repair');
  const opts = { device: job.device, threads: job.threads, signal: ctx.hooks.signal };
  // The same calibration examples the scorer reads.
  const feeds = await loaded.calib.batchOf(loaded.calibSample.indices);
  const t0 = performance.now();
  const teacher = await repairTeacher(loaded.model, feeds, opts);
  ctx.log(`repair: unpruned targets of ${teacher.realIndex.length} real calibration tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const models: LoadedModel[] = [];
  for (const [i, s] of searches.entries()) {
    ctx.throwIfAborted();
    const r = await repairPruned(loaded.model, s.keep, teacher, opts);
    models.push(r.model);
    const budget = report.budgets[i];
    budget.repair = { method: 'least_squares', seconds: r.seconds, layers: r.layers };
    const rel = (a: number, b: number) => (b > 0 ? a / b : 0);
    const summary = r.layers
      .map((l) => [l.heads && `h ${rel(l.heads.errorBefore, l.heads.targetNorm).toFixed(3)}→${rel(l.heads.errorAfter, l.heads.targetNorm).toFixed(3)}`, l.neurons && `n ${rel(l.neurons.errorBefore, l.neurons.targetNorm).toFixed(3)}→${rel(l.neurons.errorAfter, l.neurons.targetNorm).toFixed(3)}`].filter(Boolean).join(' '))
      .map((t, l) => `L${l} ${t || '-'}`)
      .join('; ');
    ctx.log(`repair budget ${s.budget}: ${r.seconds.toFixed(1)} s; relative squared error before→after: ${summary}`);
    ctx.emit({ type: 'progress', phase: 'repair', done: i + 1, total: searches.length });
    ctx.save();
  }
  ctx.endPhase();
  return {
    models,
    unrepairedGraph: (i) => buildModelGraph(pruneModel(loaded.model, searches[i].keep)).bytes,
    repairMask: async (keep) => (await repairPruned(loaded.model, keep, teacher, opts)).model,
  };
}
