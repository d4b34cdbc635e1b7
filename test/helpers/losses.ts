import assert from 'node:assert/strict';
import type { RawLosses } from '../../src/optin/scoring';

/**
 * Worst difference between two score sets, relative to the largest value of the same quantity,
 * separately for L_MD and L_KD. A single neuron moves the logits by ~1e-5, close to float32's
 * resolution of logits (~5e-7 at |logit| ~ 5), so KD values that small agree only to ~1e-2.
 */
export function worstRelative(a: RawLosses, b: RawLosses): { md: number; kd: number } {
  const worst = { md: 0, kd: 0 };
  const check = (which: 'md' | 'kd', x: number[], y: number[]) => {
    assert.equal(x.length, y.length);
    const scale = Math.max(1e-12, ...y.map(Math.abs));
    x.forEach((v, u) => { worst[which] = Math.max(worst[which], Math.abs(v - y[u]) / scale); });
  };
  for (const kind of ['heads', 'neurons'] as const) {
    a[kind].forEach((l, i) => {
      const r = b[kind][i];
      check('kd', l.kd, r.kd);
      for (const z of Object.keys(r.md)) check('md', l.md[Number(z)], r.md[Number(z)]);
      if (r.mdOwn) check('md', l.mdOwn!, r.mdOwn);
    });
  }
  return worst;
}
