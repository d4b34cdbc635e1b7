import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadModel } from '../../src/model';
import { encodeSafetensors, readSafetensorsHeader, readTensorAsFloat32 } from '../../src/model/safetensors';
import { writeSyntheticCheckpoint } from '../helpers/synthetic';
import { tmpDir } from '../helpers/tmp';

const root = tmpDir();
let n = 0;
const fresh = () => path.join(root, `m${n++}`);

test('reads a BERT checkpoint into a ModelSpec', () => {
  const dir = fresh();
  writeSyntheticCheckpoint(dir, { family: 'bert', layers: 3, heads: 4, hidden: 32, intermediate: 64, labels: 2 });
  const { spec, weights } = loadModel(dir);
  assert.equal(spec.family, 'bert');
  assert.equal(spec.modality, 'text');
  assert.equal(spec.architecture, 'BertForSequenceClassification');
  assert.deepEqual([spec.numLayers, spec.numHeads, spec.headDim, spec.hiddenSize, spec.intermediateSize], [3, 4, 8, 32, 64]);
  assert.deepEqual(spec.headsPerLayer, [4, 4, 4]);
  assert.deepEqual(spec.neuronsPerLayer, [64, 64, 64]);
  assert.equal(spec.normPlacement, 'post');
  assert.deepEqual(spec.labels, ['class_0', 'class_1']);
  assert.equal(spec.label2id.get('class_1'), 1);
  assert.equal(weights.layers.length, 3);
  assert.deepEqual(weights.layers[0].intermediate.weight.shape, [64, 32]);
});

test('reads RoBERTa, XLM-RoBERTa, CamemBERT, DistilBERT and ELECTRA checkpoints with their own variation', () => {
  const load = (o: Parameters<typeof writeSyntheticCheckpoint>[1]) => { const d = fresh(); writeSyntheticCheckpoint(d, o); return loadModel(d); };
  const roberta = load({ family: 'roberta', layers: 2, maxPositions: 64 });
  assert.equal(roberta.spec.family, 'roberta');
  assert.deepEqual(roberta.spec.text, { vocabSize: 50, maxPositionEmbeddings: 66, typeVocabSize: 1, padTokenId: 1, positions: 'padding_offset', tokenTypeInput: false, maxLength: 64 });
  assert.equal(roberta.weights.head.pooler!.activation, 'tanh');
  assert.equal(roberta.weights.head.pooler!.name, 'classifier.dense');
  for (const modelType of ['xlm-roberta', 'camembert']) {
    const m = load({ family: 'roberta', modelType });
    assert.equal(m.spec.family, 'roberta');
    assert.equal(m.spec.modelType, modelType);
    assert.match(m.spec.architecture, modelType === 'camembert' ? /^Camembert/ : /^XLMRoberta/);
  }
  const distil = load({ family: 'distilbert', layers: 3, heads: 2, hidden: 16, intermediate: 40 });
  assert.deepEqual([distil.spec.numLayers, distil.spec.numHeads, distil.spec.hiddenSize, distil.spec.intermediateSize], [3, 2, 16, 40]);
  assert.equal(distil.spec.text!.typeVocabSize, 0);
  assert.equal(distil.spec.text!.tokenTypeInput, false);
  assert.equal(distil.weights.embeddings.kind === 'text' && distil.weights.embeddings.tokenType, undefined);
  assert.deepEqual([distil.weights.head.pooler!.name, distil.weights.head.pooler!.activation], ['pre_classifier', 'relu']);
  const electra = load({ family: 'electra', hidden: 16, embeddingSize: 8 });
  assert.equal(electra.spec.text!.tokenTypeInput, true);
  const e = electra.weights.embeddings;
  assert.ok(e.kind === 'text' && e.projection);
  assert.deepEqual(e.kind === 'text' && e.projection!.weight.shape, [16, 8]);
  assert.deepEqual([electra.weights.head.pooler!.name, electra.weights.head.pooler!.activation], ['classifier.dense', 'gelu']);

  // DistilBERT's own config keys are named in its errors.
  const d = fresh();
  const cfg = writeSyntheticCheckpoint(d, { family: 'distilbert' });
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, n_heads: 3 }));
  expectError(d, /dim 16 is not divisible by n_heads 3/);
});

test('reads ViT and DeiT (with and without teacher) checkpoints', () => {
  const vit = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'vit', imageSize: 16, patchSize: 4, channels: 1 }); return d; })());
  assert.equal(vit.spec.normPlacement, 'pre');
  assert.deepEqual(vit.spec.image, { imageSize: [16, 16], patchSize: 4, numChannels: 1, numPatches: 16, numPrefixTokens: 1 });
  const deit = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'deit' }); return d; })());
  assert.equal(deit.spec.image!.numPrefixTokens, 2);
  assert.ok(deit.weights.head.distillationClassifier);
  const student = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'deit', withTeacher: false }); return d; })());
  assert.equal(student.weights.head.distillationClassifier, undefined);
  assert.equal(student.spec.architecture, 'DeiTForImageClassification');
});

test('reads sharded, fp16, bf16 and gamma/beta checkpoints to the same float32 weights', () => {
  const base = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'bert', seed: 7 }); return d; })());
  const sharded = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'bert', seed: 7, shards: 3 }); return d; })());
  const legacy = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'bert', seed: 7, legacyNames: true }); return d; })());
  assert.deepEqual(sharded.weights.layers[1].query.weight.data, base.weights.layers[1].query.weight.data);
  assert.deepEqual(legacy.weights.layers[1].norm2.weight.data, base.weights.layers[1].norm2.weight.data);
  for (const dtype of ['F16', 'BF16'] as const) {
    const half = loadModel((() => { const d = fresh(); writeSyntheticCheckpoint(d, { family: 'bert', seed: 7, dtype }); return d; })());
    const a = half.weights.layers[0].value.weight.data, b = base.weights.layers[0].value.weight.data;
    const maxErr = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    assert.ok(maxErr < (dtype === 'F16' ? 1e-3 : 1e-2), `${dtype} max error ${maxErr}`);
  }
});

test('derives per-layer head and neuron counts from weight shapes (pruned checkpoints)', () => {
  const dir = fresh();
  writeSyntheticCheckpoint(dir, { family: 'bert', layers: 2, heads: 4, hidden: 16, intermediate: 32 });
  // Re-save layer 1 with 2 of 4 heads and 10 neurons, as HF's prune_heads would.
  const file = path.join(dir, 'model.safetensors');
  const entries = readSafetensorsHeader(file);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, e] of entries) {
    let data = readTensorAsFloat32(e);
    let shape = e.shape;
    const l1 = name.startsWith('bert.encoder.layer.1.');
    if (l1 && /attention\.self\.(query|key|value)\.weight$/.test(name)) { shape = [8, 16]; data = data.slice(0, 128); }
    if (l1 && /attention\.self\.(query|key|value)\.bias$/.test(name)) { shape = [8]; data = data.slice(0, 8); }
    if (l1 && name.endsWith('attention.output.dense.weight')) { shape = [16, 8]; data = Float32Array.from({ length: 128 }, (_, i) => data[Math.floor(i / 8) * 16 + (i % 8)]); }
    if (l1 && name.endsWith('intermediate.dense.weight')) { shape = [10, 16]; data = data.slice(0, 160); }
    if (l1 && name.endsWith('intermediate.dense.bias')) { shape = [10]; data = data.slice(0, 10); }
    if (l1 && name.endsWith('output.dense.weight') && !name.includes('attention')) { shape = [16, 10]; data = Float32Array.from({ length: 160 }, (_, i) => data[Math.floor(i / 10) * 32 + (i % 10)]); }
    out.set(name, { shape, data });
  }
  fs.writeFileSync(file, encodeSafetensors(out));
  const { spec } = loadModel(dir);
  assert.deepEqual(spec.headsPerLayer, [4, 2]);
  assert.deepEqual(spec.neuronsPerLayer, [32, 10]);
});

function expectError(dir: string, message: RegExp): void {
  assert.throws(() => loadModel(dir), (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.match(e.message, message);
    return true;
  });
}

test('bad checkpoints give errors that name the file and the problem', () => {
  expectError(path.join(root, 'nope'), /nope: not a directory; give the Hugging Face checkpoint folder/);

  const noConfig = fresh();
  fs.mkdirSync(noConfig);
  expectError(noConfig, /config\.json: missing; a Hugging Face checkpoint folder needs config\.json/);

  const unknown = fresh();
  writeSyntheticCheckpoint(unknown, { family: 'bert' });
  const cfg = JSON.parse(fs.readFileSync(path.join(unknown, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(unknown, 'config.json'), JSON.stringify({ ...cfg, model_type: 'gpt2' }));
  expectError(unknown, /config\.json: model_type "gpt2" cannot be pruned: it is a decoder .*; supported model_type values: bert, roberta, xlm-roberta, camembert, distilbert, electra, deberta-v2, modernbert, vit, deit\./);
  fs.writeFileSync(path.join(unknown, 'config.json'), JSON.stringify({ ...cfg, model_type: 'albert' }));
  expectError(unknown, /model_type "albert" cannot be pruned: ALBERT shares one set of layer weights across all layers/);
  fs.writeFileSync(path.join(unknown, 'config.json'), JSON.stringify({ ...cfg, model_type: 'mpnet' }));
  expectError(unknown, /model_type "mpnet" is not supported; supported model_type values: bert, roberta/);

  const noType = fresh();
  writeSyntheticCheckpoint(noType, { family: 'bert' });
  fs.writeFileSync(path.join(noType, 'config.json'), JSON.stringify({ ...cfg, model_type: undefined }));
  expectError(noType, /"model_type" is missing/);

  const badJson = fresh();
  writeSyntheticCheckpoint(badJson, { family: 'bert' });
  fs.writeFileSync(path.join(badJson, 'config.json'), '{"model_type": "bert",');
  expectError(badJson, /config\.json: not valid JSON/);

  const noWeights = fresh();
  writeSyntheticCheckpoint(noWeights, { family: 'bert' });
  fs.renameSync(path.join(noWeights, 'model.safetensors'), path.join(noWeights, 'pytorch_model.bin'));
  expectError(noWeights, /no model\.safetensors or model\.safetensors\.index\.json\. Found pytorch_model\.bin: only safetensors weights are read/);

  const truncated = fresh();
  writeSyntheticCheckpoint(truncated, { family: 'bert' });
  const st = path.join(truncated, 'model.safetensors');
  fs.truncateSync(st, fs.statSync(st).size - 100);
  expectError(truncated, /model\.safetensors: tensor ".*": data_offsets .* point past the end of the file .*truncated/);

  const wrongShape = fresh();
  writeSyntheticCheckpoint(wrongShape, { family: 'bert', hidden: 16 });
  const c2 = JSON.parse(fs.readFileSync(path.join(wrongShape, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(wrongShape, 'config.json'), JSON.stringify({ ...c2, vocab_size: 99 }));
  expectError(wrongShape, /tensor "bert\.embeddings\.word_embeddings\.weight" has shape \[50,16\] but config\.json implies \[99,16\]/);

  const act = fresh();
  writeSyntheticCheckpoint(act, { family: 'bert', hiddenAct: 'quick_gelu' });
  expectError(act, /hidden_act "quick_gelu" is not supported; supported: gelu, gelu_new/);

  const extra = fresh();
  writeSyntheticCheckpoint(extra, { family: 'vit', layers: 3 });
  const c3 = JSON.parse(fs.readFileSync(path.join(extra, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(extra, 'config.json'), JSON.stringify({ ...c3, num_hidden_layers: 2 }));
  expectError(extra, /has tensor "vit\.encoder\.layer\.2\..*" but config\.json says num_hidden_layers = 2/);

  const indivisible = fresh();
  writeSyntheticCheckpoint(indivisible, { family: 'bert', hidden: 16, heads: 2 });
  const c4 = JSON.parse(fs.readFileSync(path.join(indivisible, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(indivisible, 'config.json'), JSON.stringify({ ...c4, num_attention_heads: 3 }));
  expectError(indivisible, /hidden_size 16 is not divisible by num_attention_heads 3/);

  const missingShard = fresh();
  writeSyntheticCheckpoint(missingShard, { family: 'bert', shards: 2 });
  fs.rmSync(path.join(missingShard, 'model-00002-of-00002.safetensors'));
  expectError(missingShard, /shard "model-00002-of-00002\.safetensors" listed in weight_map does not exist/);

  const escaping = fresh();
  writeSyntheticCheckpoint(escaping, { family: 'bert', shards: 2 });
  fs.writeFileSync(path.join(escaping, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: '../../etc/passwd' } }));
  expectError(escaping, /shard name "\.\.\/\.\.\/etc\/passwd" must be a plain file name/);

  const labels = fresh();
  writeSyntheticCheckpoint(labels, { family: 'bert', labels: 3 });
  const c5 = JSON.parse(fs.readFileSync(path.join(labels, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(labels, 'config.json'), JSON.stringify({ ...c5, id2label: { 0: 'a', 1: 'b' }, label2id: { a: 0, b: 1 } }));
  expectError(labels, /id2label has 2 entries but the classifier has 3 outputs/);
});
