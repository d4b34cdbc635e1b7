/**
 * Which examples of a data set a run uses for calibration (and for the latency batch): a seeded
 * random sample, stratified by label where the data has class labels, or the first N examples
 * (`calibration_sampling: first`, the old behaviour, for reproducing earlier experiments).
 */
import { createHash } from 'crypto';
import { mulberry32 } from '../optin/random';

export type Sampling = 'random' | 'first';

export interface SampleOptions {
  sampling: Sampling;
  seed: number;
  /**
   * Stratify by label: the labels are class ids (not regression targets). Ignored unless every
   * example has a label.
   */
  classLabels: boolean;
}

export interface Sample {
  /** Indices into the data set, ascending. */
  indices: number[];
  /** Whether the sample was drawn class by class. */
  stratified: boolean;
}

/** A seed stream of its own, so the sample does not correlate with the L_MD token sample of the same seed. */
const SAMPLE_STREAM = 0x5a3b1e;

/** Partial Fisher-Yates: `k` of `items` uniformly without replacement (the array is shuffled in place). */
function pick<T>(items: T[], k: number, rand: () => number): T[] {
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (items.length - i));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items.slice(0, k);
}

/**
 * How many examples to take from each class: proportional to the class sizes (largest
 * remainder), at least one of each class while n allows, never more than a class holds. With
 * fewer slots than classes, `n` classes get one each, chosen at random with the seed.
 */
export function allocate(counts: number[], n: number, rand: () => number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.map((c, k) => (c > 0 ? k : -1)).filter((k) => k >= 0);
  const out = counts.map(() => 0);
  if (n >= total) return [...counts];
  if (n < present.length) {
    for (const k of pick([...present], n, rand)) out[k] = 1;
    return out;
  }
  const quota = counts.map((c) => (n * c) / total);
  for (const k of present) out[k] = Math.min(counts[k], Math.max(1, Math.floor(quota[k])));
  let sum = out.reduce((a, b) => a + b, 0);
  // Raising small classes to one may overshoot: take back from the classes furthest above their quota.
  while (sum > n) {
    const k = present.filter((c) => out[c] > 1).sort((a, b) => (out[b] - quota[b]) - (out[a] - quota[a]) || a - b)[0];
    out[k]--;
    sum--;
  }
  // Hand out what is left by largest remainder, among classes with examples to spare.
  while (sum < n) {
    const k = present.filter((c) => out[c] < counts[c]).sort((a, b) => (quota[b] - out[b]) - (quota[a] - out[a]) || a - b)[0];
    out[k]++;
    sum++;
  }
  return out;
}

/**
 * `n` example indices out of `labels.length`: the first n (`first`), or a seeded random sample,
 * stratified by class when every example has a class label. Deterministic for a given seed.
 */
export function sampleIndices(labels: ReadonlyArray<number | undefined>, n: number, opts: SampleOptions): Sample {
  const size = labels.length;
  const count = Math.min(n, size);
  if (opts.sampling === 'first') return { indices: Array.from({ length: count }, (_, i) => i), stratified: false };
  const rand = mulberry32((opts.seed ^ SAMPLE_STREAM) >>> 0);
  const stratify = opts.classLabels && size > 0 && labels.every((l) => l !== undefined && Number.isInteger(l) && l >= 0);
  if (!stratify) {
    return { indices: pick(Array.from({ length: size }, (_, i) => i), count, rand).sort((a, b) => a - b), stratified: false };
  }
  const byClass: number[][] = [];
  labels.forEach((l, i) => (byClass[l!] ??= []).push(i));
  for (let k = 0; k < byClass.length; k++) byClass[k] ??= [];
  const take = allocate(byClass.map((c) => c.length), count, rand);
  const indices = byClass.flatMap((members, k) => pick(members, take[k], rand));
  return { indices: indices.sort((a, b) => a - b), stratified: true };
}

/** Examples per class name (labels outside `names` are counted by their id; missing labels as "(none)"). */
export function classHistogram(labels: ReadonlyArray<number | undefined>, indices: number[], names: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const i of indices) {
    const l = labels[i];
    const name = l === undefined ? '(none)' : (names[l] ?? String(l));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  // In class-id order, so the histogram reads like the model's id2label.
  const order = (name: string) => {
    const k = names.indexOf(name);
    return k >= 0 ? k : names.length;
  };
  return Object.fromEntries([...counts.entries()].sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0])));
}

/** sha256 (hex, 16 chars) of the chosen examples' keys (file names or table lines), in order. */
export function sampleHash(keys: string[]): string {
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
}

/** A sample as a run records it (report.json, the rankings fingerprint). */
export interface SampleRecord {
  sampling: Sampling;
  /** The seed of a random sample (absent for `first`). */
  seed?: number;
  stratified: boolean;
  examples: number;
  /** Indices into the data set (ascending). */
  indices: number[];
  /** sha256 of the chosen examples' file names (images) or table lines (text). */
  hash: string;
  /** Examples per class (labelled data only). */
  classes?: Record<string, number>;
}

/** Chooses `n` examples of a data set and describes the choice. */
export function chooseExamples(
  ds: { labels: ReadonlyArray<number | undefined>; key(i: number): string },
  n: number,
  opts: SampleOptions,
  labelNames: readonly string[],
): SampleRecord {
  const s = sampleIndices(ds.labels, n, opts);
  const labelled = opts.classLabels && ds.labels.some((l) => l !== undefined);
  return {
    sampling: opts.sampling,
    ...(opts.sampling === 'random' ? { seed: opts.seed } : {}),
    stratified: s.stratified,
    examples: s.indices.length,
    indices: s.indices,
    hash: sampleHash(s.indices.map((i) => ds.key(i))),
    ...(labelled ? { classes: classHistogram(ds.labels, s.indices, labelNames) } : {}),
  };
}
