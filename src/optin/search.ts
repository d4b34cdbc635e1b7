/**
 * OPTIN's MAC model and mask search: rank heads and neurons globally, try every head count,
 * fill the rest of the budget with neurons in rank order, keep the best total importance.
 */
import { UserError } from '../errors';
import type { ModelSpec } from '../model/spec';
import type { KeepMask } from '../model/prune';
import type { Scores } from './importance';

/** Encoder MACs of one head and one neuron at sequence length s (embeddings and classifier excluded). */
export interface MacModel {
  seqLen: number;
  perHead: number;
  perNeuron: number;
}

export function macModel(spec: ModelSpec, seqLen: number): MacModel {
  const D = spec.hiddenSize;
  const d = spec.headDim;
  return { seqLen, perHead: 4 * seqLen * D * d + 2 * seqLen * seqLen * d, perNeuron: 2 * seqLen * D };
}

/**
 * Per-layer prices of a head and a neuron, plus fixed MACs, when layers see different token
 * counts (token merging, tokenSchedule.ts).
 */
export interface UnitCosts {
  head: number[];
  neuron: number[];
  fixed: number;
}

export function encoderMacs(mask: { heads: number; neurons: number }, m: MacModel): number {
  return mask.heads * m.perHead + mask.neurons * m.perNeuron;
}

export interface SearchResult {
  budget: number;
  keep: KeepMask;
  heads: number;
  neurons: number;
  macs: number;
  /** MACs kept as a fraction of the unpruned encoder. */
  macFraction: number;
  totalImportance: number;
  /** With token merging: tokens merged after each layer's attention (the costs it was searched at). */
  tokenMerge?: number[];
}

export interface Ranked {
  layer: number;
  unit: number;
  score: number;
}

/** Descending by score; ties broken by position so the result is deterministic. */
export function rankUnits(scores: Scores): Ranked[] {
  const all = scores.flatMap((layer, l) => layer.map((score, unit) => ({ layer: l, unit, score })));
  return all.sort((a, b) => b.score - a.score || a.layer - b.layer || a.unit - b.unit);
}

/**
 * `costs`: per-layer prices (token merging); the budget stays a fraction of the unmerged
 * encoder's MACs (`macs`), so a run with and without merging spends the same.
 */
export function searchMask(spec: ModelSpec, headScores: Scores, neuronScores: Scores, macs: MacModel, budget: number, costs?: UnitCosts): SearchResult {
  if (!(budget > 0 && budget <= 1)) throw new UserError(`mac_constraint ${budget} must be in (0, 1]: the fraction of encoder MACs to keep.`);
  const heads = rankUnits(headScores);
  const neurons = rankUnits(neuronScores);
  const full = encoderMacs({ heads: heads.length, neurons: neurons.length }, macs);
  const allowed = budget * full;
  if (costs) return searchWithCosts(spec, heads, neurons, costs, budget, allowed, full, macs);
  const neuronPrefix = [0];
  for (const n of neurons) neuronPrefix.push(neuronPrefix.at(-1)! + n.score);
  let headSum = 0;
  let best = { n: -1, m: 0, total: -Infinity };
  for (let n = 1; n <= heads.length; n++) {
    headSum += heads[n - 1].score;
    const left = allowed - n * macs.perHead;
    if (left < 0) break;
    const m = Math.min(neurons.length, Math.floor(left / macs.perNeuron + 1e-9));
    const total = headSum + neuronPrefix[m];
    if (total > best.total) best = { n, m, total };
  }
  if (best.n < 0) {
    throw new UserError(`mac_constraint ${budget} is too small: one attention head alone needs ${(macs.perHead / full).toFixed(4)} of the encoder's MACs.`);
  }
  const keep = topUnits(spec, heads, neurons, best.n, best.m);
  const kept = encoderMacs({ heads: best.n, neurons: best.m }, macs);
  return { budget, keep, heads: best.n, neurons: best.m, macs: kept, macFraction: kept / full, totalImportance: best.total };
}

/**
 * How a baseline ranking is turned into a mask at a budget: `global` and `per_layer` keep as
 * many heads and neurons as a reference mask (the method's), so only the ranking differs;
 * `search` runs the baseline's scores through searchMask.
 */
export type BaselineCounts = 'global' | 'per_layer' | 'search';

/** Units kept per layer: the counts a count-matched baseline copies. */
export interface UnitCounts {
  heads: number[];
  neurons: number[];
}

export function countsOf(keep: KeepMask): UnitCounts {
  return { heads: keep.heads.map((l) => l.length), neurons: keep.neurons.map((l) => l.length) };
}

/**
 * The mask that keeps exactly as many heads and neurons as `target` (over the whole encoder for
 * `global`, in every layer for `per_layer`), choosing the top-ranked units by these scores. It
 * costs the same MACs as `target`, so a comparison with it isolates the ranking.
 */
export function countMatchedMask(spec: ModelSpec, headScores: Scores, neuronScores: Scores, macs: MacModel, target: UnitCounts, counts: 'global' | 'per_layer'): SearchResult {
  const keep: KeepMask = { heads: spec.headsPerLayer.map(() => []), neurons: spec.neuronsPerLayer.map(() => []) };
  const choose = (scores: Scores, wanted: number[], into: number[][]) => {
    if (wanted.length !== scores.length || wanted.some((n, l) => !Number.isInteger(n) || n < 0 || n > scores[l].length)) {
      throw new RangeError(`countMatchedMask: counts ${JSON.stringify(wanted)} do not fit layers of ${JSON.stringify(scores.map((l) => l.length))} units.`);
    }
    if (counts === 'global') {
      const n = wanted.reduce((s, c) => s + c, 0);
      for (const u of rankUnits(scores).slice(0, n)) into[u.layer].push(u.unit);
    } else {
      scores.forEach((layer, l) => {
        for (const u of rankUnits([layer]).slice(0, wanted[l])) into[l].push(u.unit);
      });
    }
    into.forEach((l) => l.sort((a, b) => a - b));
  };
  choose(headScores, target.heads, keep.heads);
  choose(neuronScores, target.neurons, keep.neurons);
  const heads = keep.heads.reduce((s, l) => s + l.length, 0);
  const neurons = keep.neurons.reduce((s, l) => s + l.length, 0);
  const full = encoderMacs({ heads: spec.headsPerLayer.reduce((a, b) => a + b, 0), neurons: spec.neuronsPerLayer.reduce((a, b) => a + b, 0) }, macs);
  const kept = encoderMacs({ heads, neurons }, macs);
  const sumKept = (scores: Scores, mask: number[][]) => mask.reduce((s, l, i) => s + l.reduce((t, u) => t + scores[i][u], 0), 0);
  return { budget: kept / full, keep, heads, neurons, macs: kept, macFraction: kept / full, totalImportance: sumKept(headScores, keep.heads) + sumKept(neuronScores, keep.neurons) };
}

/**
 * searchMask at per-layer prices: for every number of top-ranked heads, the longest prefix of
 * the neuron ranking that fits in what is left (prefix sums, binary search).
 */
function searchWithCosts(spec: ModelSpec, heads: Ranked[], neurons: Ranked[], costs: UnitCosts, budget: number, allowed: number, full: number, macs: MacModel): SearchResult {
  const neuronCost = [0];
  const neuronScore = [0];
  for (const n of neurons) {
    neuronCost.push(neuronCost.at(-1)! + costs.neuron[n.layer]);
    neuronScore.push(neuronScore.at(-1)! + n.score);
  }
  const fitting = (left: number) => {
    let [lo, hi] = [0, neurons.length];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (neuronCost[mid] <= left * (1 + 1e-12)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let headSum = 0;
  let headCost = costs.fixed;
  let best = { n: -1, m: 0, total: -Infinity, macs: 0 };
  for (let n = 1; n <= heads.length; n++) {
    headSum += heads[n - 1].score;
    headCost += costs.head[heads[n - 1].layer];
    const left = allowed - headCost;
    if (left < 0) break;
    const m = fitting(left);
    const total = headSum + neuronScore[m];
    if (total > best.total) best = { n, m, total, macs: headCost + neuronCost[m] };
  }
  if (best.n < 0) {
    throw new UserError(`mac_constraint ${budget} is too small: one attention head alone needs ${(macs.perHead / full).toFixed(4)} of the encoder's MACs.`);
  }
  const keep = topUnits(spec, heads, neurons, best.n, best.m);
  return { budget, keep, heads: best.n, neurons: best.m, macs: best.macs, macFraction: best.macs / full, totalImportance: best.total };
}

/** The mask that keeps the first `n` ranked heads and `m` ranked neurons, indices sorted per layer. */
function topUnits(spec: ModelSpec, heads: Ranked[], neurons: Ranked[], n: number, m: number): KeepMask {
  const keep: KeepMask = { heads: spec.headsPerLayer.map(() => []), neurons: spec.neuronsPerLayer.map(() => []) };
  for (const h of heads.slice(0, n)) keep.heads[h.layer].push(h.unit);
  for (const u of neurons.slice(0, m)) keep.neurons[u.layer].push(u.unit);
  keep.heads.forEach((l) => l.sort((a, b) => a - b));
  keep.neurons.forEach((l) => l.sort((a, b) => a - b));
  return keep;
}
