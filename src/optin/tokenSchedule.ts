/**
 * Token merging schedules (config `token_reduction: merge`) and what they cost: tokens entering
 * each layer, per-layer MACs of a head and of a neuron on those tokens, and the schedule that
 * takes a given share of a budget's MAC cut with tokens. The mask search (search.ts) then spends
 * the rest of the budget on heads and neurons at these per-layer prices.
 */
import { KeepMask, pruneModel } from '../model/prune';
import type { LoadedModel, ModelSpec } from '../model/spec';
import { maxMerge } from '../onnx/tokenMerge';
import type { UnitCosts } from './search';

/** Prefix and patch tokens of a vision model; undefined for text. */
function imageTokens(spec: ModelSpec): { prefix: number; patches: number } | undefined {
  return spec.image && { prefix: spec.image.numPrefixTokens, patches: spec.image.numPatches };
}

/**
 * Why `schedule` cannot run on this model (undefined when it can): one entry per layer, whole,
 * ≥ 0, and at most half the patch tokens left entering that layer.
 */
export function scheduleProblem(spec: ModelSpec, schedule: readonly number[]): string | undefined {
  const t = imageTokens(spec);
  if (!t) return `token merging needs a ViT/DeiT model; ${spec.architecture} is a text model`;
  if (schedule.length !== spec.numLayers) return `it has ${schedule.length} entries, but the model has ${spec.numLayers} layers (one r per layer)`;
  let patches = t.patches;
  for (const [l, r] of schedule.entries()) {
    if (!Number.isInteger(r) || r < 0) return `entry ${l + 1} (${r}) must be a whole number ≥ 0`;
    if (r > maxMerge(patches)) return `entry ${l + 1} (${r}) merges more than half of the ${patches} patch tokens entering layer ${l} (at most ${maxMerge(patches)})`;
    patches -= r;
  }
  return undefined;
}

/** Tokens (prefix + patches) entering each layer, then leaving the last: length layers + 1. */
export function tokensPerLayer(spec: ModelSpec, schedule: readonly number[]): number[] {
  const t = imageTokens(spec);
  const total = t ? t.prefix + t.patches : 0;
  const out = [total];
  for (const r of schedule) out.push(out.at(-1)! - r);
  return out;
}

/**
 * Per-layer MACs of one head and one neuron under `schedule` (a layer's attention runs on the
 * tokens entering it, its FFN on those left after its merge), plus the merges' own matching
 * (A·Bᵀ on the head-averaged keys).
 */
export function mergedCosts(spec: ModelSpec, schedule: readonly number[]): UnitCosts {
  const D = spec.hiddenSize;
  const d = spec.headDim;
  const tokens = tokensPerLayer(spec, schedule);
  const prefix = spec.image?.numPrefixTokens ?? 0;
  let fixed = 0;
  schedule.forEach((r, l) => {
    if (r === 0) return;
    const patches = tokens[l] - prefix;
    fixed += Math.ceil(patches / 2) * Math.floor(patches / 2) * d;
  });
  return {
    head: schedule.map((_, l) => 4 * tokens[l] * D * d + 2 * tokens[l] * tokens[l] * d),
    neuron: schedule.map((_, l) => 2 * tokens[l + 1] * D),
    fixed,
  };
}

/** Encoder MACs with every head and neuron kept: the cost of `schedule` alone. */
export function allUnitsMacs(spec: ModelSpec, costs: UnitCosts): number {
  return costs.fixed + spec.headsPerLayer.reduce((s, h, l) => s + h * costs.head[l], 0) + spec.neuronsPerLayer.reduce((s, n, l) => s + n * costs.neuron[l], 0);
}

/** The same r in every layer, as far as the tokens left allow. */
export function constantSchedule(spec: ModelSpec, r: number): number[] {
  return fitted(spec, Array(spec.numLayers).fill(r));
}

/** `token_schedule` as a list: one r is every layer's (fewer where fewer than 2r patch tokens are left; the first layer as written, so scheduleProblem can refuse it). */
export function scheduleOf(spec: ModelSpec, setting: number | number[]): number[] {
  return typeof setting === 'number' ? [setting, ...constantSchedule(spec, setting).slice(1)] : setting;
}

/**
 * The schedule whose MACs (all units kept) come closest to `fraction` of `fullMacs`: constant r,
 * with one token more in the first j layers for the steps between two r (merging early saves
 * the most). Returns the heaviest schedule if even that does not reach the fraction.
 */
export function scheduleForFraction(spec: ModelSpec, fraction: number, fullMacs: number): number[] {
  const target = fraction * fullMacs;
  let best = constantSchedule(spec, 0);
  let bestGap = Math.abs(allUnitsMacs(spec, mergedCosts(spec, best)) - target);
  const top = maxMerge(spec.image?.numPatches ?? 0);
  for (let r = 0; r <= top; r++) {
    const base = constantSchedule(spec, r);
    for (let j = 0; j < spec.numLayers; j++) {
      const schedule = j === 0 ? base : fitted(spec, base.map((v, l) => (l < j ? v + 1 : v)));
      const macs = allUnitsMacs(spec, mergedCosts(spec, schedule));
      const gap = Math.abs(macs - target);
      if (gap < bestGap - 1e-9) [best, bestGap] = [schedule, gap];
      if (macs < target && j === 0) return best;
    }
  }
  return best;
}

/** Clips a schedule to what each layer's tokens allow. */
function fitted(spec: ModelSpec, schedule: number[]): number[] {
  let patches = spec.image?.numPatches ?? 0;
  return schedule.map((r) => {
    const take = Math.min(r, maxMerge(patches));
    patches -= take;
    return take;
  });
}

/** MACs of the kept units under a schedule, split into attention, FFN and the merges' matching. */
export function macsSplit(keep: { heads: number[][]; neurons: number[][] }, costs: UnitCosts): { attention: number; ffn: number; merge: number } {
  return {
    attention: keep.heads.reduce((s, h, l) => s + h.length * costs.head[l], 0),
    ffn: keep.neurons.reduce((s, n, l) => s + n.length * costs.neuron[l], 0),
    merge: costs.fixed,
  };
}

/** The model to export with its merging schedule (none: the model as it is). */
export function withTokenMerge(model: LoadedModel, schedule?: readonly number[]): LoadedModel {
  return schedule?.some((r) => r > 0) ? { ...model, spec: { ...model.spec, tokenMerge: [...schedule] } } : model;
}

/** A mask's model as exported: pruned, with its merging schedule. */
export function prunedFor(model: LoadedModel, s: { keep: KeepMask; tokenMerge?: readonly number[] }): LoadedModel {
  return withTokenMerge(pruneModel(model, s.keep), s.tokenMerge);
}
