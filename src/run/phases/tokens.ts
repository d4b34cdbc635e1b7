/**
 * Phase `search` with token merging (`token_reduction: merge`, vision only): per budget, a
 * merging schedule and a head/neuron mask that share the budget. With `token_schedule: auto`
 * the budget's MAC cut is split between tokens and units in TOKEN_SHARES steps; each split gets
 * its own schedule and mask search, and the split whose pruned model's predictions are closest
 * to the unpruned model's (KL, repairCheck.ts) on held-out calibration examples is delivered.
 * Labels and eval data are never used to choose.
 */
import { UserError } from '../../errors';
import { searchMask, SearchResult } from '../../optin/search';
import { constantSchedule, macsSplit, mergedCosts, prunedFor, scheduleForFraction, scheduleOf, tokensPerLayer } from '../../optin/tokenSchedule';
import type { TokenRecord, TokenSplit } from '../report';
import type { RunContext } from '../runContext';
import type { Loaded } from './load';
import type { UnitScores } from './rankings';

/** Shares of a budget's MAC cut that `token_schedule: auto` tries giving to tokens. */
export const TOKEN_SHARES = [0, 0.25, 0.5, 0.75, 1];

export interface TokenSearch {
  search: SearchResult;
  record: TokenRecord;
  /** The tokens-only and heads/neurons-only splits at this budget, for the trade-off curves. */
  curves: { tokensOnly: SearchResult; unitsOnly: SearchResult };
}

export async function tokenSearches(ctx: RunContext, loaded: Loaded, scores: UnitScores): Promise<TokenSearch[]> {
  const { job } = ctx;
  const { model, macs, fullMacs } = loaded;
  const { spec } = model;
  const setting = job.tokens!.schedule;
  const searchAt = (budget: number, schedule: number[]): SearchResult | undefined => {
    try {
      return { ...searchMask(spec, scores.heads, scores.neurons, macs, budget, mergedCosts(spec, schedule)), tokenMerge: schedule };
    } catch (e) {
      if (e instanceof UserError) return undefined;
      throw e;
    }
  };
  const split = (share: number, s: SearchResult): TokenSplit => ({ share, schedule: s.tokenMerge!, heads: s.heads, neurons: s.neurons, macFraction: s.macFraction });
  const check = setting === 'auto' ? await loaded.heldOutCheck() : undefined;
  if (check) ctx.log(`token merging: each budget's split between tokens and heads/neurons is chosen by the KL from the unpruned model on ${check.set.indices.length} calibration examples${check.set.heldOut ? ' outside the sample' : ' (the sample: no others)'}`);
  const out: TokenSearch[] = [];
  for (const budget of job.budgets) {
    ctx.throwIfAborted();
    const candidates: Array<{ share: number; s: SearchResult }> = [];
    for (const share of TOKEN_SHARES) {
      const s = searchAt(budget, share === 0 ? constantSchedule(spec, 0) : scheduleForFraction(spec, 1 - share * (1 - budget), fullMacs));
      // Shares that land on the same schedule are one candidate.
      if (s && !candidates.some((c) => c.s.tokenMerge!.join() === s.tokenMerge!.join())) candidates.push({ share, s });
    }
    if (candidates.length === 0) throw new UserError(`mac_constraint ${budget} is too small for any split between tokens and heads/neurons; raise it.`);
    const curves = { unitsOnly: candidates[0].s, tokensOnly: candidates.at(-1)!.s };
    let chosen: { share?: number; s: SearchResult };
    let tried: TokenSplit[] | undefined;
    if (check) {
      tried = [];
      for (const c of candidates) {
        ctx.throwIfAborted();
        const divergence = await check.distance(prunedFor(model, c.s));
        tried.push({ ...split(c.share, c.s), divergence });
        ctx.emit({ type: 'progress', phase: 'search', done: out.length * TOKEN_SHARES.length + tried.length, total: job.budgets.length * TOKEN_SHARES.length, detail: `budget ${budget}: token split ${c.share}` });
      }
      const best = tried.reduce((a, b) => (b.divergence! < a.divergence! ? b : a));
      chosen = candidates[tried.indexOf(best)];
      ctx.log(`budget ${budget}: token splits ${tried.map((t) => `${t.share} → r [${t.schedule.join(',')}], ${t.heads} heads, ${t.neurons} neurons, KL ${t.divergence!.toFixed(4)}`).join('; ')}; chose share ${chosen.share}`);
    } else if (setting !== 'auto') {
      const schedule = scheduleOf(spec, setting);
      const s = searchAt(budget, schedule);
      if (!s) throw new UserError(`mac_constraint ${budget} is too small for token_schedule [${schedule.join(', ')}] plus one attention head; raise the budget or merge more tokens.`);
      chosen = { s };
    } else {
      throw new Error('token_schedule auto without a check set');
    }
    const schedule = chosen.s.tokenMerge!;
    const record: TokenRecord = {
      reduction: 'merge', chosenBy: check ? 'auto' : 'config', share: chosen.share, schedule, tokensPerLayer: tokensPerLayer(spec, schedule),
      macs: macsSplit(chosen.s.keep, mergedCosts(spec, schedule)),
      ...(tried && { candidates: tried, check: { examples: check!.set.indices.length, heldOut: check!.set.heldOut } }),
      curves: { tokensOnly: split(candidates.at(-1)!.share, curves.tokensOnly), unitsOnly: split(candidates[0].share, curves.unitsOnly) },
    };
    out.push({ search: chosen.s, record, curves });
  }
  return out;
}
