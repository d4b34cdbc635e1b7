/** Task metrics as GLUE reports them. Inputs are small (one number per example). */

export type MetricName = 'accuracy' | 'f1' | 'matthews' | 'pearson' | 'spearman';
export const METRICS: readonly MetricName[] = ['accuracy', 'f1', 'matthews', 'pearson', 'spearman'];

export function argmaxRows(logits: Float32Array, numLabels: number): number[] {
  const n = logits.length / numLabels;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < numLabels; j++) if (logits[i * numLabels + j] > logits[i * numLabels + best]) best = j;
    out.push(best);
  }
  return out;
}

export function accuracy(pred: number[], gold: number[]): number {
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === gold[i]) ok++;
  return ok / pred.length;
}

/** Binary F1 of class 1 (MRPC, QQP). */
export function f1(pred: number[], gold: number[]): number {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === 1 && gold[i] === 1) tp++;
    else if (pred[i] === 1) fp++;
    else if (gold[i] === 1) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Matthews correlation (CoLA), multi-class form (as scikit-learn computes it). */
export function matthews(pred: number[], gold: number[]): number {
  const classes = [...new Set([...pred, ...gold])];
  const n = pred.length;
  let correct = 0;
  const t = new Map<number, number>(), p = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (pred[i] === gold[i]) correct++;
    t.set(gold[i], (t.get(gold[i]) ?? 0) + 1);
    p.set(pred[i], (p.get(pred[i]) ?? 0) + 1);
  }
  let tp = 0, tt = 0, pp = 0;
  for (const c of classes) {
    tp += (t.get(c) ?? 0) * (p.get(c) ?? 0);
    tt += (t.get(c) ?? 0) ** 2;
    pp += (p.get(c) ?? 0) ** 2;
  }
  const denom = Math.sqrt((n * n - pp) * (n * n - tt));
  return denom === 0 ? 0 : (correct * n - tp) / denom;
}

export function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Ranks with ties averaged, as scipy.stats.rankdata. */
function ranks(v: number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export function spearman(x: number[], y: number[]): number {
  return pearson(ranks(x), ranks(y));
}

/** Computes a metric from raw logits ([n, numLabels]) and gold labels. */
export function computeMetric(metric: MetricName, logits: Float32Array, numLabels: number, gold: number[]): number {
  if (metric === 'pearson' || metric === 'spearman') {
    const scores = numLabels === 1 ? Array.from(logits) : argmaxRows(logits, numLabels);
    return metric === 'pearson' ? pearson(scores, gold) : spearman(scores, gold);
  }
  const pred = argmaxRows(logits, numLabels);
  if (metric === 'f1') return f1(pred, gold);
  if (metric === 'matthews') return matthews(pred, gold);
  return accuracy(pred, gold);
}
