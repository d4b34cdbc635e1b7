/** "Did you mean ...?" for misspelt keys and enum values. */

/** Optimal string alignment distance: Levenshtein plus swapping two neighbouring characters. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Case, hyphens, dots and spaces are not worth a "did you mean" distance point. */
export function normaliseName(s: string): string {
  return s.trim().toLowerCase().replace(/[\s.-]+/g, '_');
}

/**
 * The candidate closest to `given`: an exact match after normalising (or of an alias) first,
 * then the smallest edit distance within a third of the name's length (at least 2). Names
 * of up to three letters get no guess: one letter off is another word (gpu, cpu).
 */
export function closest(given: string, candidates: readonly string[], aliases: ReadonlyMap<string, string> = new Map()): string | undefined {
  const norm = normaliseName(given);
  const exact = candidates.find((c) => normaliseName(c) === norm) ?? aliases.get(norm);
  if (exact !== undefined) return exact;
  const squeezed = norm.replace(/[_\s]/g, '');
  const same = candidates.find((c) => normaliseName(c).replace(/[_\s]/g, '') === squeezed);
  if (same !== undefined) return same;
  if (norm.length <= 3) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(norm.length / 3)) + 1;
  for (const c of candidates) {
    const dist = editDistance(norm, normaliseName(c));
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}
