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

export function searchMask(spec: ModelSpec, headScores: Scores, neuronScores: Scores, macs: MacModel, budget: number): SearchResult {
  if (!(budget > 0 && budget <= 1)) throw new UserError(`mac_constraint ${budget} must be in (0, 1]: the fraction of encoder MACs to keep.`);
  const heads = rankUnits(headScores);
  const neurons = rankUnits(neuronScores);
  const full = encoderMacs({ heads: heads.length, neurons: neurons.length }, macs);
  const allowed = budget * full;
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
  const keep: KeepMask = { heads: spec.headsPerLayer.map(() => []), neurons: spec.neuronsPerLayer.map(() => []) };
  for (const h of heads.slice(0, best.n)) keep.heads[h.layer].push(h.unit);
  for (const u of neurons.slice(0, best.m)) keep.neurons[u.layer].push(u.unit);
  keep.heads.forEach((l) => l.sort((a, b) => a - b));
  keep.neurons.forEach((l) => l.sort((a, b) => a - b));
  const kept = encoderMacs({ heads: best.n, neurons: best.m }, macs);
  return { budget, keep, heads: best.n, neurons: best.m, macs: kept, macFraction: kept / full, totalImportance: best.total };
}
