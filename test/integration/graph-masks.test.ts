import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { loadModel } from '../../src/model';
import { pruneModel } from '../../src/model/prune';
import type { LoadedModel } from '../../src/model/spec';
import { allOnesMasks, buildModelGraph } from '../../src/onnx/model';
import { openSession, ort } from '../../src/runtime/session';
import { rng, writeSyntheticCheckpoint } from '../helpers/synthetic';
import { tmpDir } from '../helpers/tmp';

const dir = tmpDir();

function inputs(model: LoadedModel, batch: number): Record<string, ort.Tensor> {
  const r = rng(3);
  if (model.spec.modality === 'text') {
    const S = 7;
    // Second example padded after 4 tokens, with the model's pad id (RoBERTa's positions skip it).
    const mask = BigInt64Array.from({ length: batch * S }, (_, i) => (Math.floor(i / S) === 1 && i % S >= 4 ? 0n : 1n));
    const pad = BigInt(model.spec.text!.padTokenId);
    const ids = BigInt64Array.from({ length: batch * S }, (_, i) => (mask[i] ? BigInt(5 + Math.floor(r() * 40)) : pad));
    return {
      input_ids: new ort.Tensor('int64', ids, [batch, S]),
      attention_mask: new ort.Tensor('int64', mask, [batch, S]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch * S), [batch, S]),
    };
  }
  const [h, w] = model.spec.image!.imageSize;
  const c = model.spec.image!.numChannels;
  return { pixel_values: new ort.Tensor('float32', Float32Array.from({ length: batch * c * h * w }, () => r() * 2 - 1), [batch, c, h, w]) };
}

async function logits(model: LoadedModel, feeds: Record<string, ort.Tensor>, masks?: Record<string, { dims: number[]; data: Float32Array }>): Promise<Float32Array> {
  const { session } = await openSession(buildModelGraph(model, { masks: !!masks }).bytes);
  const m = Object.fromEntries(Object.entries(masks ?? {}).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]));
  const all: Record<string, ort.Tensor> = { ...feeds, ...m };
  const out = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, all[n]])));
  await session.release();
  return out.logits.data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

for (const family of ['bert', 'roberta', 'distilbert', 'electra', 'deberta-v2', 'modernbert', 'vit', 'deit'] as const) {
  test(`${family}: masking heads/neurons equals removing them, per example`, async () => {
    const d = path.join(dir, family);
    writeSyntheticCheckpoint(d, { family, layers: 3, heads: 4, hidden: 16, intermediate: 32, seed: 11 });
    const model = loadModel(d);
    const feeds = inputs(model, 2);
    const keep = { heads: [[0, 2, 3], [], [1]], neurons: [[...Array(32).keys()].filter((j) => j % 3 !== 0), [0, 5, 6], []] };
    const masks = allOnesMasks(model.spec);
    keep.heads.forEach((h, i) => { masks[`head_mask.${i}`] = { dims: [1, 4], data: Float32Array.from({ length: 4 }, (_, j) => (h.includes(j) ? 1 : 0)) }; });
    keep.neurons.forEach((n, i) => { masks[`neuron_mask.${i}`] = { dims: [1, 32], data: Float32Array.from({ length: 32 }, (_, j) => (n.includes(j) ? 1 : 0)) }; });
    const masked = await logits(model, feeds, masks);
    const pruned = await logits(pruneModel(model, keep), feeds);
    assert.ok(maxAbsDiff(masked, pruned) < 1e-4, `masked vs pruned differ by ${maxAbsDiff(masked, pruned)}`);
    const full = await logits(model, feeds, allOnesMasks(model.spec));
    const plain = await logits(model, feeds);
    assert.ok(maxAbsDiff(full, plain) < 1e-5, 'all-ones masks must not change the output');
    assert.ok(maxAbsDiff(full, masked) > 1e-3, 'masking must change the output');

    // A [batch, heads] mask gives each example its own mask: row 1 masked, row 0 not.
    const perExample = allOnesMasks(model.spec);
    perExample['head_mask.1'] = { dims: [2, 4], data: Float32Array.from([1, 1, 1, 1, 0, 1, 1, 1]) };
    const mixed = await logits(model, feeds, perExample);
    const single = allOnesMasks(model.spec);
    single['head_mask.1'] = { dims: [1, 4], data: Float32Array.from([0, 1, 1, 1]) };
    const allMasked = await logits(model, feeds, single);
    const C = model.spec.numLabels;
    assert.ok(maxAbsDiff(mixed.subarray(0, C), full.subarray(0, C)) < 1e-6);
    assert.ok(maxAbsDiff(mixed.subarray(C), allMasked.subarray(C)) < 1e-6);
  });
}

test('random masks (including layers with no heads or no neurons): pruned graph = masked graph', async () => {
  const variants = [
    { family: 'bert' }, { family: 'distilbert' }, { family: 'vit' }, { family: 'deit' },
    // DeBERTa: separate position projections, c2p only, absolute positions and token types, no log buckets.
    { family: 'deberta-v2', deberta: { shareAttKey: false, posAttType: ['c2p'], buckets: -1, maxRelative: 6, positionBiasedInput: true, typeVocab: 2 }, embeddingSize: 8 },
    { family: 'deberta-v2', deberta: { shareAttKey: false, posAttType: ['p2c', 'c2p'], buckets: 4, maxRelative: 16 } },
    // ModernBERT: biases, first-token pooling, every third layer global.
    { family: 'modernbert', modernbert: { pooling: 'cls', bias: true, every: 3, localAttention: 2 } },
  ] as const;
  for (const [v, variant] of variants.entries()) {
    const family = variant.family;
    const d = path.join(dir, `${family}-random-${v}`);
    writeSyntheticCheckpoint(d, { layers: 3, heads: 4, hidden: 16, intermediate: 20, seed: 17, ...variant, deberta: 'deberta' in variant ? { ...variant.deberta, posAttType: [...variant.deberta.posAttType] } : undefined, modernbert: 'modernbert' in variant ? variant.modernbert : undefined });
    const model = loadModel(d);
    const feeds = inputs(model, 3);
    for (let seed = 0; seed < 4; seed++) {
      const r = rng(100 + seed);
      // Keep probability varies per trial; seed 0 empties whole layers.
      const p = [0.0, 0.3, 0.6, 0.9][seed];
      const keep = {
        heads: [0, 1, 2].map(() => [0, 1, 2, 3].filter(() => r() < p)),
        neurons: [0, 1, 2].map(() => [...Array(20).keys()].filter(() => r() < p)),
      };
      const masks = allOnesMasks(model.spec);
      keep.heads.forEach((h, i) => { masks[`head_mask.${i}`].data = Float32Array.from({ length: 4 }, (_, j) => (h.includes(j) ? 1 : 0)); });
      keep.neurons.forEach((n, i) => { masks[`neuron_mask.${i}`].data = Float32Array.from({ length: 20 }, (_, j) => (n.includes(j) ? 1 : 0)); });
      const masked = await logits(model, feeds, masks);
      const pruned = await logits(pruneModel(model, keep), feeds);
      assert.ok(maxAbsDiff(masked, pruned) < 1e-4, `${family} trial ${seed}: ${maxAbsDiff(masked, pruned)}`);
    }
  }
});

for (const family of ['bert', 'roberta', 'distilbert', 'electra', 'deberta-v2', 'modernbert'] as const) {
  test(`${family}: padding does not change the logits of the real tokens (HF attention-mask semantics)`, async () => {
    const d = path.join(dir, `${family}-pad`);
    writeSyntheticCheckpoint(d, { family, seed: 5 });
    const model = loadModel(d);
    const pad = BigInt(model.spec.text!.padTokenId);
    const ids = [2n, 9n, 14n, 3n];
    const short = await logits(model, {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, 4]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(4), [1, 4]),
    });
    const padded = await logits(model, {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([...ids, pad, pad, pad]), [1, 7]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n, 0n, 0n, 0n]), [1, 7]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(7), [1, 7]),
    });
    assert.ok(maxAbsDiff(short, padded) < 1e-5);
  });
}

test('feature and layer-input outputs have one entry per layer', async () => {
  const d = path.join(dir, 'vit-features');
  writeSyntheticCheckpoint(d, { family: 'vit', layers: 3 });
  const model = loadModel(d);
  const g = buildModelGraph(model, { features: true, layerInputs: true });
  assert.deepEqual(g.outputNames, ['logits', 'hidden.0', 'feature.0', 'hidden.1', 'feature.1', 'hidden.2', 'feature.2']);
  const { session } = await openSession(g.bytes);
  const out = await session.run(inputs(model, 2));
  assert.deepEqual(out['feature.2'].dims, [2, 17, 16]);
});
