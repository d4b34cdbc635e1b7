/**
 * The reference scorer: one full forward pass per candidate with that unit masked, then the
 * same loss graph. It is what OPTIN's definition says, with none of the fast scorer's savings;
 * tests compare the two and `npm run bench` times them.
 */
import type { Feeds } from '../data/dataset';
import type { LoadedModel } from '../model/spec';
import { allOnesMasks, buildModelGraph } from '../onnx/model';
import { featureFollowsUnits } from '../onnx/encoder';
import { buildLossGraph } from '../onnx/segments';
import { openSession, ort } from '../runtime/session';
import { toOrtFeeds } from '../runtime/tensors';
import type { Baseline } from './calibration';
import type { LayerLosses, RawLosses, ScoringOptions } from './scoring';

export async function scoreUnitsNaive(model: LoadedModel, baseline: Baseline, feeds: Feeds, opts: ScoringOptions): Promise<RawLosses> {
  const { spec } = model;
  const L = spec.numLayers;
  const { shape } = baseline;
  const open = async (bytes: Uint8Array) => (await openSession(bytes, { device: opts.device, threads: opts.threads })).session;
  const full = await open(buildModelGraph(model, { masks: true, features: true, trajectory: opts.loss.trajectory }).bytes);
  const losses = await open(buildLossGraph(model, shape, baseline.teacher, opts.loss).bytes);
  const inputs = toOrtFeeds(feeds);
  const ones = allOnesMasks(spec);
  const result: RawLosses = { heads: [], neurons: [] };
  const d3 = [shape.batch, shape.seq, shape.hidden];
  try {
    for (const i of opts.layers ?? spec.headsPerLayer.map((_, l) => l)) {
      for (const kind of ['head', 'neuron'] as const) {
        const count = Math.min(kind === 'head' ? spec.headsPerLayer[i] : spec.neuronsPerLayer[i], opts.limitPerLayer ?? Infinity);
        const out: LayerLosses = { layer: i, md: {}, kd: [] };
        for (let z = i + 1; z < L; z++) out.md[z] = [];
        if (i === L - 1) out.mdOwn = [];
        for (let u = 0; u < count; u++) {
          opts.signal?.throwIfAborted();
          const key = `${kind}_mask.${i}`;
          const m = Float32Array.from(ones[key].data);
          m[u] = 0;
          const masks = Object.fromEntries(Object.entries(ones).map(([k, v]) => [k, new ort.Tensor('float32', k === key ? m : v.data, v.dims)]));
          const r = await full.run({ ...inputs, ...masks });
          const lf: Record<string, ort.Tensor> = { logits: r.logits };
          for (let z = 0; z < L; z++) lf[`feature.${z}`] = new ort.Tensor('float32', r[`feature.${z}`].data as Float32Array, d3);
          const l = await losses.run(lf);
          out.kd.push((l.kd.data as Float32Array)[0]);
          for (let z = i + 1; z < L; z++) out.md[z].push((l[`md.${z}`].data as Float32Array)[0]);
          // A layer's own layernorm_before feature cannot change with its own units.
          if (out.mdOwn) out.mdOwn.push(featureFollowsUnits(spec, opts.loss.trajectory) ? (l[`md.${i}`].data as Float32Array)[0] : 0);
        }
        (kind === 'head' ? result.heads : result.neurons).push(out);
      }
    }
  } finally {
    await full.release();
    await losses.release();
  }
  return result;
}
