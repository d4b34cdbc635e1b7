/**
 * Turns raw per-unit losses into OPTIN importance scores. Kept separate from scoring so any
 * change of λ, decays or loss type re-combines stored losses without re-running a model.
 */
import type { LayerLosses, RawLosses, UnitKind } from './scoring';

export interface ImportanceOptions {
  lossType: 'MMD' | 'KL' | 'MMD+KL';
  /** λ (`lambda_contribution`): the KD term is scaled to about 1/λ of the MD term. */
  lambda: number;
  /**
   * Per-kind multiplier on every score (`head_metric_decay`, `neuron_metric_decay`): it sets how
   * much heads weigh against neurons when the search sums importances under one budget.
   */
  metricDecay: Record<UnitKind, number>;
  /** Last-layer units: include their own layer's feature in MD (`*_include_fin_layer_mmd`). */
  includeFinalLayer: Record<UnitKind, boolean>;
  /** Last-layer units: multiply the score by this (`*_fin_decay_val` when `*_fin_decay_bool`). */
  finalDecay: Record<UnitKind, number | undefined>;
  /**
   * `reference` reproduces the released code: the KD term is rescaled by a power of ten per unit
   * (instead of once per run) and scores get the fixed index-based weights.
   */
  compat: 'none' | 'reference';
}

export type Scores = number[][];

/** Σ_{z>i} MD_z (+ own-layer MD for the last layer when enabled), per unit. */
function trajectoryLoss(l: LayerLosses, includeOwn: boolean): number[] {
  return l.kd.map((_, u) => {
    let s = 0;
    for (const values of Object.values(l.md)) s += values[u];
    if (includeOwn && l.mdOwn) s += l.mdOwn[u];
    return s;
  });
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** The power of ten that brings `kd` to about `md / lambda` (1 when either is zero). */
export function kdScale(md: number, kd: number, lambda: number): number {
  if (!(md > 0) || !(kd > 0)) return 1;
  return 10 ** Math.round(Math.log10(md / (lambda * kd)));
}

/** Released-code index weights: head 0 ×10 … last head ×1; neuron 0 ×100 … last ×1. */
export function indexWeight(kind: UnitKind, unit: number, count: number): number {
  const top = kind === 'head' ? 10 : 100;
  return count <= 1 ? top : top - ((top - 1) * unit) / (count - 1);
}

/** `fixedKdScale`: use these KD scales instead of deriving them (to compare two loss sets on one scale). */
export function combine(raw: RawLosses, opts: ImportanceOptions, fixedKdScale?: Record<UnitKind, number>): { heads: Scores; neurons: Scores; kdScale: Record<UnitKind, number> } {
  const scales: Record<UnitKind, number> = { head: 1, neuron: 1 };
  const score = (kind: UnitKind, layers: LayerLosses[]): Scores => {
    // Only the model's last layer carries its own-feature loss (mdOwn).
    const isLast = (l: LayerLosses) => l.mdOwn !== undefined;
    const md = layers.map((l) => trajectoryLoss(l, opts.includeFinalLayer[kind] && isLast(l)));
    // One power of ten per run and unit kind, from mean magnitudes (the faithful default).
    scales[kind] = fixedKdScale?.[kind] ?? kdScale(mean(md.flat()), mean(layers.flatMap((l) => l.kd)), opts.lambda);
    return layers.map((l, li) =>
      l.kd.map((kd, u) => {
        const m = md[li][u];
        let s: number;
        if (opts.lossType === 'MMD') s = m;
        else if (opts.lossType === 'KL') s = kd;
        else s = m + (opts.compat === 'reference' ? kdScale(m, kd, opts.lambda) : scales[kind]) * kd;
        const fin = opts.finalDecay[kind];
        if (isLast(l) && fin !== undefined) s *= fin;
        if (opts.compat === 'reference') s *= indexWeight(kind, u, l.kd.length);
        return s * opts.metricDecay[kind];
      }),
    );
  };
  return { heads: score('head', raw.heads), neurons: score('neuron', raw.neurons), kdScale: scales };
}
