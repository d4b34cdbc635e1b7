/**
 * `scoring: auto`: exact where exact is affordable. A short timing probe scores a few neurons of
 * the first layer exactly (the most expensive layer: every later layer runs) and projects the
 * whole model from it, each layer costing in proportion to the layers a candidate runs through.
 */
import type { LoadedModel } from '../model/spec';
import type { Baseline } from './calibration';
import type { ScoringInput } from './packing';
import { defaultCandidatesPerRun, scoreUnits, ScoringOptions } from './scoring';

export type ScoringMode = 'exact' | 'fast';

export interface ScoringChoice {
  requested: 'auto' | ScoringMode;
  mode: ScoringMode;
  reason: string;
  projectedExactSeconds?: number;
}

export async function projectExactSeconds(model: LoadedModel, baseline: Baseline, input: ScoringInput, opts: ScoringOptions): Promise<number> {
  const { spec } = model;
  const L = spec.numLayers;
  const per = opts.candidatesPerRun ?? defaultCandidatesPerRun(model, input.layout.shape, opts.memoryBudgetBytes);
  const n = Math.min(spec.neuronsPerLayer[0], 2 * per);
  const marks: number[] = [];
  const t0 = performance.now();
  await scoreUnits(model, baseline, {
    ...opts, input, onProgress: () => marks.push(performance.now()),
    units: (kind, i) => (kind === 'neuron' && i === 0 ? Array.from({ length: n }, (_, u) => u) : []),
  });
  // Steady state when there are two runs (graph building excluded); else the whole, an overestimate.
  const perUnit = marks.length >= 2 ? (marks[1] - marks[0]) / 1000 / Math.min(per, n - per) : (performance.now() - t0) / 1000 / Math.max(1, n);
  let total = 0;
  for (let i = 0; i < L; i++) total += (spec.headsPerLayer[i] + spec.neuronsPerLayer[i]) * perUnit * ((L - i) / L);
  return total;
}

export function chooseScoring(requested: 'auto' | ScoringMode, limitMinutes: number, projected?: number): ScoringChoice {
  if (requested !== 'auto') return { requested, mode: requested, reason: `scoring: ${requested} in the config`, projectedExactSeconds: projected };
  const minutes = (projected ?? 0) / 60;
  return minutes <= limitMinutes
    ? { requested, mode: 'exact', reason: `exact scoring projected at ${minutes.toFixed(1)} min, within scoring_time_limit ${limitMinutes} min`, projectedExactSeconds: projected }
    : { requested, mode: 'fast', reason: `exact scoring projected at ${minutes.toFixed(1)} min, over scoring_time_limit ${limitMinutes} min`, projectedExactSeconds: projected };
}
