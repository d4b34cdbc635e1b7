/**
 * The text families' fixtures, trained with transformers' own classes (scripts/fixtures/
 * train_text_family.py, train_text_family2.py), run through our loader, tokenizer and ONNX graphs:
 * token ids, logits (unpruned, and with the reference's heads and neurons removed), eval accuracy,
 * and a whole pruning run each. CamemBERT is RoBERTa's structure under another model_type:
 * checked on the RoBERTa fixture's weights, renamed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { loadTokenizer } from '../../src/data/tokenizer';
import { evaluate } from '../../src/eval/evaluate';
import { loadModel } from '../../src/model';
import { pruneModel } from '../../src/model/prune';
import type { LoadedModel } from '../../src/model/spec';
import { allOnesMasks, buildModelGraph } from '../../src/onnx/model';
import { runPrune } from '../../src/run/pipeline';
import type { PruneJob } from '../../src/run/pruneJob';
import { openSession, ort } from '../../src/runtime/session';
import { toOrtFeeds } from '../../src/runtime/tensors';
import { FIXTURES, tmpDir } from '../helpers/tmp';

interface FamilyReference {
  model_type: string;
  eval_accuracy: number;
  eval_examples: number;
  max_seq_length: number;
  label_names: string[];
  examples: Array<{ index: number; input_ids: number[]; token_type_ids?: number[]; logits: number[]; label: number }>;
  masked: { keep_heads: number[][]; keep_neurons: number[][]; logits: number[][] };
}

const DATA = path.join(FIXTURES, 'bert-spam3', 'data');
const FAMILIES = [
  { name: 'roberta-spam3', family: 'roberta', inputs: ['input_ids', 'attention_mask'] },
  { name: 'xlmr-spam3', family: 'roberta', inputs: ['input_ids', 'attention_mask'] },
  { name: 'distilbert-spam3', family: 'distilbert', inputs: ['input_ids', 'attention_mask'] },
  { name: 'electra-spam3', family: 'electra', inputs: ['input_ids', 'attention_mask', 'token_type_ids'] },
  { name: 'deberta-spam3', family: 'deberta-v2', inputs: ['input_ids', 'attention_mask'] },
  { name: 'modernbert-spam3', family: 'modernbert', inputs: ['input_ids', 'attention_mask'] },
] as const;

const readRef = (name: string): FamilyReference => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8'));
const evalRows = () => fs.readFileSync(path.join(DATA, 'eval.tsv'), 'utf8').split('\n').slice(1);

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Our logits for the reference's 32 eval rows, tokenized and padded by our data pipeline. */
async function ourLogits(model: LoadedModel, graph: Uint8Array, n: number, maxSeqLength: number): Promise<Float32Array> {
  const ds = await openDataset(path.join(DATA, 'eval.tsv'), model.spec, { maxSeqLength });
  const { session } = await openSession(graph);
  const out = await session.run(toOrtFeeds(await ds.batch(0, n)));
  await session.release();
  return out.logits.data as Float32Array;
}

for (const f of FAMILIES) {
  const dir = path.join(FIXTURES, f.name, 'model');

  test(`${f.name}: loads as the ${f.family} family with transformers' names, inputs and labels`, () => {
    const ref = readRef(f.name);
    const model = loadModel(dir);
    assert.equal(model.spec.family, f.family);
    assert.equal(model.spec.modelType, ref.model_type);
    assert.deepEqual(model.spec.labels, ref.label_names);
    assert.deepEqual(buildModelGraph(model).inputNames, f.inputs);
  });

  test(`${f.name}: our tokenizer reproduces transformers' input ids (and token types)`, () => {
    const ref = readRef(f.name);
    const tok = loadTokenizer(dir);
    const rows = evalRows();
    for (const ex of ref.examples) {
      const enc = tok.encode(rows[ex.index].split('\t')[0], undefined, ref.max_seq_length);
      assert.deepEqual(enc.ids, ex.input_ids, `example ${ex.index}`);
      if (ex.token_type_ids) assert.deepEqual(enc.typeIds, ex.token_type_ids, `example ${ex.index}`);
    }
  });

  test(`${f.name}: unpruned and pruned ONNX logits match transformers within 1e-4 (padded batch)`, async () => {
    const ref = readRef(f.name);
    const model = loadModel(dir);
    const n = ref.examples.length;
    const full = await ourLogits(model, buildModelGraph(model).bytes, n, ref.max_seq_length);
    const err = maxAbs(full, ref.examples.flatMap((e) => e.logits));
    assert.ok(err < 1e-4, `unpruned: max abs error ${err}`);

    const keep = { heads: ref.masked.keep_heads, neurons: ref.masked.keep_neurons };
    const pruned = pruneModel(model, keep);
    assert.deepEqual(pruned.spec.headsPerLayer, keep.heads.map((h) => h.length));
    const cut = await ourLogits(pruned, buildModelGraph(pruned).bytes, n, ref.max_seq_length);
    const errPruned = maxAbs(cut, ref.masked.logits.flat());
    assert.ok(errPruned < 1e-4, `pruned: max abs error ${errPruned}`);

    // The scorer's masked graph with the same units masked gives the same logits.
    const masks = allOnesMasks(model.spec);
    keep.heads.forEach((h, l) => { masks[`head_mask.${l}`].data = Float32Array.from({ length: model.spec.headsPerLayer[l] }, (_, j) => (h.includes(j) ? 1 : 0)); });
    keep.neurons.forEach((k, l) => { masks[`neuron_mask.${l}`].data = Float32Array.from({ length: model.spec.neuronsPerLayer[l] }, (_, j) => (k.includes(j) ? 1 : 0)); });
    const ds = await openDataset(path.join(DATA, 'eval.tsv'), model.spec, { maxSeqLength: ref.max_seq_length });
    const { session } = await openSession(buildModelGraph(model, { masks: true }).bytes);
    const feeds: Record<string, ort.Tensor> = { ...toOrtFeeds(await ds.batch(0, n)) };
    for (const [k, v] of Object.entries(masks)) feeds[k] = new ort.Tensor('float32', v.data, v.dims);
    const masked = (await session.run(Object.fromEntries(session.inputNames.map((k) => [k, feeds[k]])))).logits.data as Float32Array;
    await session.release();
    assert.ok(maxAbs(masked, ref.masked.logits.flat()) < 1e-4, `masked: ${maxAbs(masked, ref.masked.logits.flat())}`);
  });

  test(`${f.name}: optin eval reproduces transformers' eval accuracy exactly`, async () => {
    const ref = readRef(f.name);
    const result = await evaluate(dir, path.join(DATA, 'eval.tsv'), { batchSize: 64, maxSeqLength: ref.max_seq_length });
    assert.equal(result.examples, ref.eval_examples);
    assert.equal(result.value, ref.eval_accuracy);
  });
}

test('camembert: the RoBERTa structure under model_type camembert gives the same logits', async () => {
  const ref = readRef('roberta-spam3');
  const dir = path.join(tmpDir(), 'camembert');
  fs.cpSync(path.join(FIXTURES, 'roberta-spam3', 'model'), dir, { recursive: true });
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'camembert', architectures: ['CamembertForSequenceClassification'] }));
  const model = loadModel(dir);
  assert.equal(model.spec.family, 'roberta');
  assert.equal(model.spec.architecture, 'CamembertForSequenceClassification');
  const logits = await ourLogits(model, buildModelGraph(model).bytes, ref.examples.length, ref.max_seq_length);
  assert.ok(maxAbs(logits, ref.examples.flatMap((e) => e.logits)) < 1e-4);
});

test('roberta: a checkpoint with only vocab.json + merges.txt tokenizes as its tokenizer.json does', () => {
  const ref = readRef('roberta-spam3');
  const dir = path.join(tmpDir(), 'roberta-slow');
  fs.cpSync(path.join(FIXTURES, 'roberta-spam3', 'model'), dir, { recursive: true });
  const definition = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: Array<string | string[]> } };
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(definition.model.vocab));
  fs.writeFileSync(path.join(dir, 'merges.txt'), ['#version: 0.2', ...definition.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m))].join('\n') + '\n');
  fs.rmSync(path.join(dir, 'tokenizer.json'));
  const tok = loadTokenizer(dir);
  assert.equal(tok.source, path.join(dir, 'vocab.json'));
  const rows = evalRows();
  for (const ex of ref.examples) assert.deepEqual(tok.encode(rows[ex.index].split('\t')[0], undefined, ref.max_seq_length).ids, ex.input_ids, `example ${ex.index}`);
});

function wholeRun(name: string, out: string, scoring: PruneJob['scoring']): PruneJob {
  return {
    modelPath: path.join(FIXTURES, name, 'model'), calibrationData: path.join(DATA, 'calibration.tsv'), evalData: path.join(DATA, 'eval.tsv'), outputDir: out,
    device: 'cpu', budgets: [0.5], method: 'optin', baselines: ['magnitude'], seed: 0, calibrationSize: 12, calibrationSampling: 'random', baselineCounts: 'global',
    mmdTokens: 128, maxSeqLength: 64, batchSize: 64, timerBatchSize: 4, latencyRuns: 2, repair: 'least_squares', scoring,
    loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true },
    importance: { lossType: 'MMD+KL', lambda: 10, metricDecay: { head: 1, neuron: 1 }, includeFinalLayer: { head: true, neuron: true }, finalDecay: { head: 0.5, neuron: 0.5 }, compat: 'none' },
  };
}

for (const f of FAMILIES) {
  test(`${f.name}: a whole run (exact scoring, repair, magnitude baseline) exports a smaller ONNX that scores as reported`, async () => {
    const report = await runPrune(wholeRun(f.name, tmpDir(), { mode: 'exact', timeLimitMinutes: 20 }));
    assert.equal(report.status, 'complete', report.error);
    const b = report.budgets[0];
    assert.ok(b.macFraction <= 0.5 + 1e-9 && b.macFraction > 0.3, `kept ${b.macFraction}`);
    assert.ok(b.parameters < report.model.parameters);
    assert.equal(report.model.family, f.family);
    const file = path.join(report.runDir, 'pruned.onnx');
    assert.ok(fs.statSync(file).size < fs.statSync(path.join(FIXTURES, f.name, 'model', 'model.safetensors')).size);
    // The exported model takes the family's Hugging Face inputs, and scores as the report says.
    const { session } = await openSession(file);
    assert.deepEqual([...session.inputNames].sort(), [...f.inputs].sort());
    await session.release();
    const again = await evaluate(file, path.join(DATA, 'eval.tsv'), { batchSize: 64 });
    assert.equal(again.value, b.metric);
  });
}

for (const name of ['deberta-spam3', 'modernbert-spam3']) {
  test(`${name}: scoring: fast runs with the subset estimator (no backward graphs for position-dependent attention)`, async () => {
    const report = await runPrune(wholeRun(name, tmpDir(), { mode: 'fast', timeLimitMinutes: 1, fastCalibrationSize: 6 }));
    assert.equal(report.status, 'complete', report.error);
    assert.equal(report.scoring?.mode, 'fast');
    assert.equal(report.scoring?.fast?.estimator, 'subset');
    assert.ok(fs.readFileSync(path.join(report.runDir, 'log.txt'), 'utf8').includes('the subset estimate is used'));
  });
}

/**
 * Random-weight references for the other variants of DeBERTa-v2 (separate position projections,
 * c2p only, absolute positions, token types, embed_proj, no log buckets) and ModernBERT (biases,
 * first-token pooling, every third layer global): the padded batch and each example unpadded,
 * unpruned and with units removed.
 */
interface RandomReference {
  examples: Array<{ input_ids: number[]; attention_mask: number[]; token_type_ids?: number[]; logits: number[] }>;
  padded_batch: { input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][]; logits: number[][] };
  masked: { keep_heads: number[][]; keep_neurons: number[][]; logits: number[][]; padded_batch_logits: number[][] };
}

for (const [name, family] of [['deberta-random', 'deberta-v2'], ['modernbert-random', 'modernbert']] as const) {
  test(`${name}: ${family}'s other variant matches transformers within 1e-4, padded and unpadded, unpruned and pruned`, async () => {
    const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8')) as RandomReference;
    const model = loadModel(path.join(FIXTURES, name, 'model'));
    assert.equal(model.spec.family, family);
    const pruned = pruneModel(model, { heads: ref.masked.keep_heads, neurons: ref.masked.keep_neurons });
    const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
    const feedsOf = (ids: number[][], mask: number[][], types?: number[][]) => ({
      input_ids: int64(ids), attention_mask: int64(mask), token_type_ids: int64(types ?? ids.map((r) => r.map(() => 0))),
    });
    const run = async (m: LoadedModel, feeds: Record<string, ort.Tensor>) => {
      const { session } = await openSession(buildModelGraph(m).bytes);
      const out = (await session.run(Object.fromEntries(session.inputNames.map((k) => [k, feeds[k]])))).logits.data as Float32Array;
      await session.release();
      return out;
    };
    const batch = feedsOf(ref.padded_batch.input_ids, ref.padded_batch.attention_mask, ref.padded_batch.token_type_ids);
    const cases: Array<[string, Float32Array, number[]]> = [
      ['padded, unpruned', await run(model, batch), ref.padded_batch.logits.flat()],
      ['padded, pruned', await run(pruned, batch), ref.masked.padded_batch_logits.flat()],
    ];
    for (const [i, ex] of ref.examples.entries()) {
      const one = feedsOf([ex.input_ids], [ex.attention_mask], ex.token_type_ids && [ex.token_type_ids]);
      cases.push([`example ${i}, unpruned`, await run(model, one), ex.logits], [`example ${i}, pruned`, await run(pruned, one), ref.masked.logits[i]]);
    }
    for (const [what, ours, theirs] of cases) assert.ok(maxAbs(ours, theirs) < 1e-4, `${what}: max abs error ${maxAbs(ours, theirs)}`);
  });
}
