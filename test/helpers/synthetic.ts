/**
 * Writes Hugging Face-layout checkpoints with seeded random weights, for tests and benchmarks
 * that need shapes we do not ship (other sizes, sharding, legacy names, fp16/bf16).
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodeSafetensors } from '../../src/model/safetensors';

export interface SyntheticOptions {
  family: 'bert' | 'roberta' | 'distilbert' | 'electra' | 'deberta-v2' | 'modernbert' | 'vit' | 'deit';
  /** ModernBERT: pooling, biases, the global-layer period and the sliding window (local_attention). */
  modernbert?: { pooling?: 'cls' | 'mean'; bias?: boolean; every?: number; localAttention?: number };
  /** DeBERTa-v2: share_att_key, pos_att_type, position_buckets, position_biased_input, type_vocab_size. */
  deberta?: { shareAttKey?: boolean; posAttType?: string[]; buckets?: number; maxRelative?: number; positionBiasedInput?: boolean; typeVocab?: number };
  /** config.json's model_type when it differs from the family (xlm-roberta, camembert). */
  modelType?: string;
  /** ELECTRA's embedding_size (default hidden / 2, so embeddings_project exists). */
  embeddingSize?: number;
  layers?: number;
  heads?: number;
  hidden?: number;
  intermediate?: number;
  labels?: number;
  vocab?: number;
  maxPositions?: number;
  imageSize?: number;
  patchSize?: number;
  channels?: number;
  withTeacher?: boolean;
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Split the tensors over this many shard files with a model.safetensors.index.json. */
  shards?: number;
  /** Name LayerNorm parameters gamma/beta like old TF-converted checkpoints. */
  legacyNames?: boolean;
  seed?: number;
  std?: number;
  hiddenAct?: string;
}

export { mulberry32 as rng } from '../../src/optin/random';
import { mulberry32 as rng } from '../../src/optin/random';

export function syntheticTensors(o: SyntheticOptions): { config: Record<string, unknown>; tensors: Map<string, { shape: number[]; data: Float32Array }> } {
  const L = o.layers ?? 2, H = o.heads ?? 2, D = o.hidden ?? 16, F = o.intermediate ?? 4 * D, C = o.labels ?? 3;
  const rand = rng(o.seed ?? 1);
  const std = o.std ?? 0.2;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const normal = (shape: number[], scale = std) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = Math.max(rand(), 1e-12), v = rand();
      data[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    return { shape, data };
  };
  const ones = (n: number) => ({ shape: [n], data: new Float32Array(n).map(() => 1 + 0.1 * (rand() - 0.5)) });
  const lin = (name: string, out: number, inp: number) => {
    tensors.set(`${name}.weight`, normal([out, inp]));
    tensors.set(`${name}.bias`, normal([out], 0.05));
  };
  const ln = (name: string, n: number) => {
    tensors.set(`${name}.${o.legacyNames ? 'gamma' : 'weight'}`, ones(n));
    tensors.set(`${name}.${o.legacyNames ? 'beta' : 'bias'}`, normal([n], 0.05));
  };
  const id2label = Object.fromEntries(Array.from({ length: C }, (_, i) => [String(i), `class_${i}`]));
  const label2id = Object.fromEntries(Array.from({ length: C }, (_, i) => [`class_${i}`, i]));
  const common = {
    hidden_size: D, num_hidden_layers: L, num_attention_heads: H, intermediate_size: F,
    hidden_act: o.hiddenAct ?? 'gelu', layer_norm_eps: 1e-12, id2label, label2id,
    hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, initializer_range: 0.02,
  };
  if (o.family === 'bert' || o.family === 'roberta' || o.family === 'electra') {
    // transformers' BertLayer names, under the family's base model; RoBERTa counts positions
    // from pad_token_id + 1 = 2 and has one token type; ELECTRA embeds in embedding_size.
    const base = o.family;
    const V = o.vocab ?? 50, P = (o.maxPositions ?? 64) + (o.family === 'roberta' ? 2 : 0);
    const E = o.family === 'electra' ? o.embeddingSize ?? D / 2 : D;
    const types = o.family === 'roberta' ? 1 : 2;
    tensors.set(`${base}.embeddings.word_embeddings.weight`, normal([V, E], 0.5));
    tensors.set(`${base}.embeddings.position_embeddings.weight`, normal([P, E], 0.5));
    tensors.set(`${base}.embeddings.token_type_embeddings.weight`, normal([types, E], 0.5));
    ln(`${base}.embeddings.LayerNorm`, E);
    if (E !== D) lin(`${base}.embeddings_project`, D, E);
    for (let i = 0; i < L; i++) {
      const l = `${base}.encoder.layer.${i}`;
      lin(`${l}.attention.self.query`, D, D);
      lin(`${l}.attention.self.key`, D, D);
      lin(`${l}.attention.self.value`, D, D);
      lin(`${l}.attention.output.dense`, D, D);
      ln(`${l}.attention.output.LayerNorm`, D);
      lin(`${l}.intermediate.dense`, F, D);
      lin(`${l}.output.dense`, D, F);
      ln(`${l}.output.LayerNorm`, D);
    }
    if (o.family === 'bert') {
      lin('bert.pooler.dense', D, D);
      lin('classifier', C, D);
    } else {
      lin('classifier.dense', D, D);
      lin('classifier.out_proj', C, D);
    }
    const modelType = o.modelType ?? o.family;
    const arch = { bert: 'BertForSequenceClassification', roberta: 'RobertaForSequenceClassification', electra: 'ElectraForSequenceClassification' }[o.family];
    return {
      config: {
        architectures: [modelType === 'xlm-roberta' ? 'XLMRobertaForSequenceClassification' : modelType === 'camembert' ? 'CamembertForSequenceClassification' : arch],
        model_type: modelType, vocab_size: V, max_position_embeddings: P, type_vocab_size: types,
        pad_token_id: o.family === 'roberta' ? 1 : 0, position_embedding_type: 'absolute',
        ...(o.family === 'roberta' && { bos_token_id: 0, eos_token_id: 2 }),
        ...(o.family === 'electra' && { embedding_size: E }),
        ...common,
      },
      tensors,
    };
  }
  if (o.family === 'deberta-v2') {
    const V = o.vocab ?? 50, P = o.maxPositions ?? 64;
    const opt = { shareAttKey: true, posAttType: ['p2c', 'c2p'], buckets: 8, maxRelative: 32, positionBiasedInput: false, typeVocab: 0, ...o.deberta };
    const E = o.embeddingSize ?? D;
    const span = opt.buckets > 0 ? opt.buckets : opt.maxRelative;
    tensors.set('deberta.embeddings.word_embeddings.weight', normal([V, E], 0.5));
    if (opt.positionBiasedInput) tensors.set('deberta.embeddings.position_embeddings.weight', normal([P, E], 0.5));
    if (opt.typeVocab > 0) tensors.set('deberta.embeddings.token_type_embeddings.weight', normal([opt.typeVocab, E], 0.5));
    if (E !== D) tensors.set('deberta.embeddings.embed_proj.weight', normal([D, E]));
    ln('deberta.embeddings.LayerNorm', D);
    tensors.set('deberta.encoder.rel_embeddings.weight', normal([2 * span, D], 0.5));
    ln('deberta.encoder.LayerNorm', D);
    for (let i = 0; i < L; i++) {
      const l = `deberta.encoder.layer.${i}`;
      for (const n of ['query_proj', 'key_proj', 'value_proj']) lin(`${l}.attention.self.${n}`, D, D);
      if (!opt.shareAttKey && opt.posAttType.includes('c2p')) lin(`${l}.attention.self.pos_key_proj`, D, D);
      if (!opt.shareAttKey && opt.posAttType.includes('p2c')) lin(`${l}.attention.self.pos_query_proj`, D, D);
      lin(`${l}.attention.output.dense`, D, D);
      ln(`${l}.attention.output.LayerNorm`, D);
      lin(`${l}.intermediate.dense`, F, D);
      lin(`${l}.output.dense`, D, F);
      ln(`${l}.output.LayerNorm`, D);
    }
    lin('pooler.dense', D, D);
    lin('classifier', C, D);
    return {
      config: {
        architectures: ['DebertaV2ForSequenceClassification'], model_type: 'deberta-v2', vocab_size: V, max_position_embeddings: P,
        type_vocab_size: opt.typeVocab, pad_token_id: 0, relative_attention: true, pos_att_type: opt.posAttType, share_att_key: opt.shareAttKey,
        position_buckets: opt.buckets, max_relative_positions: opt.maxRelative, norm_rel_ebd: 'layer_norm', position_biased_input: opt.positionBiasedInput,
        pooler_hidden_size: D, pooler_hidden_act: 'gelu', ...(E !== D && { embedding_size: E }), ...common, layer_norm_eps: 1e-7,
      },
      tensors,
    };
  }
  if (o.family === 'modernbert') {
    const V = o.vocab ?? 50, P = o.maxPositions ?? 64;
    const opt = { pooling: 'mean', bias: false, every: 2, localAttention: 4, ...o.modernbert };
    const weightOnly = (name: string, out: number, inp: number) => {
      tensors.set(`${name}.weight`, normal([out, inp]));
      if (opt.bias) tensors.set(`${name}.bias`, normal([out], 0.05));
    };
    const norm = (name: string) => {
      tensors.set(`${name}.weight`, ones(D));
      if (opt.bias) tensors.set(`${name}.bias`, normal([D], 0.05));
    };
    tensors.set('model.embeddings.tok_embeddings.weight', normal([V, D], 0.5));
    norm('model.embeddings.norm');
    for (let i = 0; i < L; i++) {
      const l = `model.layers.${i}`;
      if (i > 0) norm(`${l}.attn_norm`);
      weightOnly(`${l}.attn.Wqkv`, 3 * D, D);
      weightOnly(`${l}.attn.Wo`, D, D);
      norm(`${l}.mlp_norm`);
      weightOnly(`${l}.mlp.Wi`, 2 * F, D);
      weightOnly(`${l}.mlp.Wo`, D, F);
    }
    norm('model.final_norm');
    weightOnly('head.dense', D, D);
    norm('head.norm');
    lin('classifier', C, D);
    return {
      config: {
        architectures: ['ModernBertForSequenceClassification'], model_type: 'modernbert', vocab_size: V, max_position_embeddings: P,
        hidden_size: D, num_hidden_layers: L, num_attention_heads: H, intermediate_size: F, hidden_activation: o.hiddenAct ?? 'gelu',
        norm_eps: 1e-5, norm_bias: opt.bias, attention_bias: opt.bias, mlp_bias: opt.bias, classifier_bias: opt.bias, classifier_activation: 'gelu',
        classifier_pooling: opt.pooling, global_attn_every_n_layers: opt.every, local_attention: opt.localAttention,
        global_rope_theta: 160000, local_rope_theta: 10000, pad_token_id: 0, id2label, label2id,
      },
      tensors,
    };
  }
  if (o.family === 'distilbert') {
    const V = o.vocab ?? 50, P = o.maxPositions ?? 64;
    tensors.set('distilbert.embeddings.word_embeddings.weight', normal([V, D], 0.5));
    tensors.set('distilbert.embeddings.position_embeddings.weight', normal([P, D], 0.5));
    ln('distilbert.embeddings.LayerNorm', D);
    for (let i = 0; i < L; i++) {
      const l = `distilbert.transformer.layer.${i}`;
      for (const n of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) lin(`${l}.attention.${n}`, D, D);
      ln(`${l}.sa_layer_norm`, D);
      lin(`${l}.ffn.lin1`, F, D);
      lin(`${l}.ffn.lin2`, D, F);
      ln(`${l}.output_layer_norm`, D);
    }
    lin('pre_classifier', D, D);
    lin('classifier', C, D);
    return {
      config: {
        architectures: ['DistilBertForSequenceClassification'], model_type: 'distilbert', vocab_size: V, max_position_embeddings: P,
        dim: D, n_layers: L, n_heads: H, hidden_dim: F, activation: o.hiddenAct ?? 'gelu', pad_token_id: 0, sinusoidal_pos_embds: false,
        dropout: 0.1, attention_dropout: 0.1, seq_classif_dropout: 0.2, initializer_range: 0.02, id2label, label2id,
      },
      tensors,
    };
  }
  const prefix = o.family === 'deit' ? 'deit' : 'vit';
  const S = o.imageSize ?? 16, p = o.patchSize ?? 4, ch = o.channels ?? 3;
  const distill = o.family === 'deit';
  const tokens = (S / p) ** 2 + (distill ? 2 : 1);
  tensors.set(`${prefix}.embeddings.cls_token`, normal([1, 1, D], 0.5));
  if (distill) tensors.set(`${prefix}.embeddings.distillation_token`, normal([1, 1, D], 0.5));
  tensors.set(`${prefix}.embeddings.position_embeddings`, normal([1, tokens, D], 0.5));
  tensors.set(`${prefix}.embeddings.patch_embeddings.projection.weight`, normal([D, ch, p, p]));
  tensors.set(`${prefix}.embeddings.patch_embeddings.projection.bias`, normal([D], 0.05));
  for (let i = 0; i < L; i++) {
    const l = `${prefix}.encoder.layer.${i}`;
    ln(`${l}.layernorm_before`, D);
    lin(`${l}.attention.attention.query`, D, D);
    lin(`${l}.attention.attention.key`, D, D);
    lin(`${l}.attention.attention.value`, D, D);
    lin(`${l}.attention.output.dense`, D, D);
    ln(`${l}.layernorm_after`, D);
    lin(`${l}.intermediate.dense`, F, D);
    lin(`${l}.output.dense`, D, F);
  }
  ln(`${prefix}.layernorm`, D);
  if (distill && o.withTeacher !== false) {
    lin('cls_classifier', C, D);
    lin('distillation_classifier', C, D);
  } else {
    lin('classifier', C, D);
  }
  const arch = o.family === 'vit' ? 'ViTForImageClassification' : o.withTeacher !== false ? 'DeiTForImageClassificationWithTeacher' : 'DeiTForImageClassification';
  return {
    config: {
      architectures: [arch], model_type: prefix, image_size: S, patch_size: p, num_channels: ch,
      qkv_bias: true, encoder_stride: p, ...common,
    },
    tensors,
  };
}

/** Writes the checkpoint into `dir` (created) and returns its config. */
export function writeSyntheticCheckpoint(dir: string, o: SyntheticOptions): Record<string, unknown> {
  const { config, tensors } = syntheticTensors(o);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const dtype = o.dtype ?? 'F32';
  const shards = o.shards ?? 1;
  if (shards <= 1) {
    fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(tensors, dtype));
    return config;
  }
  const names = [...tensors.keys()];
  const per = Math.ceil(names.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = new Map(names.slice(s * per, (s + 1) * per).map((n) => [n, tensors.get(n)!]));
    for (const n of part.keys()) weightMap[n] = file;
    fs.writeFileSync(path.join(dir, file), encodeSafetensors(part, dtype));
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
  return config;
}
