/**
 * `npm run bench -- repair-cost`: what least-squares repair costs at BERT-base shape, per fit
 * (`repair_fit: weights` and `scales`), on the same masks and calibration targets: 128 GLUE-like
 * texts (packed, as runs do); at each budget of `bert-base-run` every layer keeps that fraction
 * of its heads and of its neurons (units by magnitude; MACs are linear in the units). Random weights:
 * the fit's quality means nothing here, only its time (the layer graphs vs the solves).
 * Both fits run per budget one after the other, so the ratio comes from one run on one machine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadModel } from '../src/model';
import { magnitudeScores } from '../src/optin/baselines';
import { repairPruned, repairTeacher, type RepairFit } from '../src/optin/repair';
import { writeSyntheticCheckpoint } from '../test/helpers/synthetic';
import { glueLikeLengths, textFeedsOfLengths } from './benchData';

const BUDGETS = [0.4, 0.5, 0.6, 0.7, 0.8];

export async function repairCost(threads: number): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-repair-'));
  try {
    writeSyntheticCheckpoint(dir, { family: 'bert', layers: 12, heads: 12, hidden: 768, intermediate: 3072, labels: 3, vocab: 30522, maxPositions: 512, std: 0.02, seed: 1 });
    const model = loadModel(dir);
    const feeds = textFeedsOfLengths(glueLikeLengths(128, 126, 21), 128, 22);
    const scores = magnitudeScores(model);
    const t0 = performance.now();
    const teacher = await repairTeacher(model, feeds, { threads });
    const teacherSeconds = (performance.now() - t0) / 1000;
    console.log(`repair-cost: teacher targets of ${teacher.realIndex.length} real tokens in ${teacherSeconds.toFixed(1)} s`);
    const budgets: Array<Record<string, unknown>> = [];
    for (const budget of BUDGETS) {
      const top = (s: number[], k: number) => s.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, k).map(([, i]) => i).sort((a, b) => a - b);
      const keep = { heads: scores.heads.map((h) => top(h, Math.round(budget * h.length))), neurons: scores.neurons.map((f) => top(f, Math.round(budget * f.length))) };
      const row: Record<string, unknown> = { budget, heads: keep.heads.flat().length, neurons: keep.neurons.flat().length, maxNeuronsPerLayer: Math.max(...keep.neurons.map((n) => n.length)) };
      for (const fit of ['weights', 'scales'] as RepairFit[]) {
        const r = await repairPruned(model, keep, teacher, { fit, threads });
        row[fit] = { seconds: r.seconds, solveSeconds: r.solveSeconds };
        console.log(`repair-cost: budget ${budget} (${row.heads} heads, ${row.neurons} neurons) ${fit}: ${r.seconds.toFixed(1)} s, of which the solves (after the normal equations) ${r.solveSeconds.toFixed(1)} s`);
      }
      budgets.push(row);
    }
    const total = (fit: RepairFit) => budgets.reduce((s, b) => s + (b[fit] as { seconds: number }).seconds, 0);
    console.log(`repair-cost: five budgets, weights ${total('weights').toFixed(0)} s, scales ${total('scales').toFixed(0)} s (ratio ${(total('weights') / total('scales')).toFixed(2)}), plus ${teacherSeconds.toFixed(0)} s of teacher targets shared by both`);
    return { shape: { layers: 12, heads: 12, hidden: 768, intermediate: 3072, calibration: '128 GLUE-like texts, packed' }, threads, teacherSeconds, budgets, totals: { weights: total('weights'), scales: total('scales') } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
