/** Phases `search` (a mask per budget, masks.json) and `export` (pruned-<budget>.onnx). */
import * as fs from 'fs';
import * as path from 'path';
import { countParameters } from '../../model/params';
import type { LoadedModel } from '../../model/spec';
import { buildModelGraph } from '../../onnx/model';
import { searchMask, SearchResult } from '../../optin/search';
import { writeFileAtomic, writeJsonAtomic } from '../atomic';
import type { PruneJob } from '../pruneJob';
import type { BudgetResult, TokenRecord } from '../report';
import { prunedFor } from '../../optin/tokenSchedule';
import { tokenSearches, type TokenSearch } from './tokens';
import type { RunContext } from '../runContext';
import type { Loaded } from './load';
import type { UnitScores } from './rankings';

function budgetFile(job: PruneJob, budget: number): string {
  return job.budgets.length === 1 ? 'pruned.onnx' : `pruned-${budget}.onnx`;
}

function budgetResult(job: PruneJob, headsTotal: number[], neuronsTotal: number[], s: SearchResult, tokens?: TokenRecord): BudgetResult {
  return {
    budget: s.budget, macs: s.macs, macFraction: s.macFraction, heads: s.heads, neurons: s.neurons,
    perLayer: s.keep.heads.map((h, l) => ({
      layer: l, heads: h, neurons: s.keep.neurons[l].length, headsTotal: headsTotal[l], neuronsTotal: neuronsTotal[l],
      ...(tokens && { tokens: tokens.tokensPerLayer[l], merged: tokens.schedule[l] }),
    })),
    file: budgetFile(job, s.budget), fileBytes: 0, parameters: 0, baselines: [],
    ...(tokens && { tokens }),
  };
}

export interface Searched {
  searches: SearchResult[];
  /** With token merging: the tokens-only and heads/neurons-only splits of each budget (the curves). */
  curves?: TokenSearch['curves'][];
}

export async function searchPhase(ctx: RunContext, loaded: Loaded, scores: UnitScores): Promise<Searched> {
  const { spec } = loaded.model;
  ctx.phase('search');
  const merged = ctx.job.tokens ? await tokenSearches(ctx, loaded, scores) : undefined;
  const searches = merged?.map((t) => t.search) ?? ctx.job.budgets.map((b) => searchMask(spec, scores.heads, scores.neurons, loaded.macs, b));
  writeJsonAtomic(path.join(ctx.runDir, 'masks.json'), {
    schema: 'optin-masks', version: 1,
    budgets: searches.map((s) => ({ budget: s.budget, macFraction: s.macFraction, heads: s.keep.heads, neurons: s.keep.neurons, ...(s.tokenMerge && { tokenMerge: s.tokenMerge }) })),
  });
  ctx.report.budgets = searches.map((s, i) => budgetResult(ctx.job, spec.headsPerLayer, spec.neuronsPerLayer, s, merged?.[i].record));
  ctx.endPhase();
  return { searches, curves: merged?.map((t) => t.curves) };
}


/** `models`: what to export per budget instead of the plainly pruned model (the repaired ones). */
export function exportPhase(ctx: RunContext, loaded: Loaded, searches: SearchResult[], models?: LoadedModel[]): void {
  ctx.phase('export');
  for (const [i, s] of searches.entries()) {
    ctx.throwIfAborted();
    const p = models?.[i] ?? prunedFor(loaded.model, s);
    const budget = ctx.report.budgets[i];
    const file = path.join(ctx.runDir, budget.file);
    writeFileAtomic(file, buildModelGraph(p).bytes);
    budget.fileBytes = fs.statSync(file).size;
    budget.parameters = countParameters(p);
    ctx.emit({ type: 'progress', phase: 'export', done: i + 1, total: searches.length });
  }
  ctx.endPhase();
}
