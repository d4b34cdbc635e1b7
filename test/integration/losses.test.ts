/** The in-graph losses against float64 references computed here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kdLoss, mdLoss } from '../../src/onnx/losses';
import { ElemType, GraphBuilder } from '../../src/onnx/proto';
import { openSession, ort } from '../../src/runtime/session';
import { rng } from '../helpers/synthetic';

function klReference(student: number[][], teacher: number[][], T: number, divide: boolean): number {
  let total = 0;
  teacher.forEach((t, b) => {
    const sc = (x: number) => (divide ? x / T : x);
    const lse = (v: number[]) => { const m = Math.max(...v); return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0)); };
    const ts = t.map(sc), ss = student[b].map(sc);
    const lt = lse(ts), ls = lse(ss);
    ts.forEach((x, c) => { total += Math.exp(x - lt) * ((x - lt) - (ss[c] - ls)); });
  });
  return total * T * T;
}

test('L_KD: accurate from tiny to large logit changes (relative error < 1e-3), T² factor, both temperature forms', async () => {
  const B = 8, C = 3, T = 4;
  const r = rng(1);
  const teacher = Array.from({ length: B }, () => Array.from({ length: C }, () => (r() - 0.5) * 10));
  const eps = [1e-5, 1e-3, 0.1, 3];
  const students = eps.map((e) => teacher.map((row) => row.map((x) => Math.fround(x + e * (r() - 0.5)))));
  for (const divide of [true, false]) {
    const g = new GraphBuilder('kd');
    const logits = g.input('logits', ElemType.FLOAT, ['rows', C]);
    const t = g.weight('teacher', [B, C], Float32Array.from(teacher.flat()));
    g.output(kdLoss(g, logits, t, B, C, { temperature: T, divideByTemperature: divide }), 'kd', ElemType.FLOAT, ['candidates']);
    const { session } = await openSession(g.toBytes());
    const out = await session.run({ logits: new ort.Tensor('float32', Float32Array.from(students.flat(2)), [eps.length * B, C]) });
    const kd = out.kd.data as Float32Array;
    eps.forEach((e, i) => {
      // The reference sees the same float32-rounded teacher and student logits.
      const ref = klReference(students[i], teacher.map((row) => row.map(Math.fround)), T, divide);
      assert.ok(kd[i] >= 0, `KL must be non-negative (eps ${e}): ${kd[i]}`);
      assert.ok(Math.abs(kd[i] - ref) <= 1e-3 * ref + 1e-12, `eps ${e}, divide ${divide}: ${kd[i]} vs ${ref}`);
    });
  }
});

test('L_MD: squared differences of normalised Gram matrices of the sampled rows, sum and mean', async () => {
  const B = 2, S = 3, D = 4, K = 3;
  const r = rng(2);
  const f = Array.from({ length: B * S * D }, () => r() - 0.5);
  const tokenIndex = [0, 2, 4];
  const teacherRows = tokenIndex.map(() => Array.from({ length: D }, () => r() - 0.5));
  const norm = (v: number[]) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
  const tn = teacherRows.map(norm);
  const teacherGram = tn.flatMap((a) => tn.map((b) => a.reduce((s, x, i) => s + x * b[i], 0)));
  const sn = tokenIndex.map((t) => norm(f.slice(t * D, (t + 1) * D)));
  let sum = 0;
  sn.forEach((a, i) => sn.forEach((b, j) => { sum += (a.reduce((s, x, k) => s + x * b[k], 0) - teacherGram[i * K + j]) ** 2; }));
  for (const aggregate of ['sum', 'mean'] as const) {
    const g = new GraphBuilder('md');
    const feature = g.input('feature', ElemType.FLOAT, [B, S, D]);
    const gram = g.weight('gram', [K, K], Float32Array.from(teacherGram));
    g.output(mdLoss(g, feature, gram, { batch: B, seq: S, hidden: D }, g.ints(tokenIndex), aggregate), 'md', ElemType.FLOAT, [1]);
    const { session } = await openSession(g.toBytes());
    const out = (await session.run({ feature: new ort.Tensor('float32', Float32Array.from(f), [B, S, D]) })).md.data as Float32Array;
    const ref = aggregate === 'sum' ? sum : sum / (K * K);
    assert.ok(Math.abs(out[0] - ref) < 1e-5 * Math.max(1, ref), `${aggregate}: ${out[0]} vs ${ref}`);
  }
});
