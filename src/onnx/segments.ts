/**
 * The graphs the fast OPTIN scorer runs. A candidate unit in layer i cannot change layers
 * before i, and within layer i it changes the output by exactly its own contribution, so:
 * - `probe`: layer i of the unpruned model from its cached input, exposing its internals;
 * - `headCandidates` / `neuronCandidates`: layer i's output with one unit removed, for many
 *   candidates at once (replica c of the batch has candidate c removed), from those internals;
 * - `tail`: layers i+1..N, the classifier and the losses against the teacher, per candidate.
 * All are built for one fixed calibration batch [B, S]; candidates are stacked on the batch axis.
 */
import type { LoadedModel } from '../model/spec';
import { encoderLayer, featureFollowsUnits, finishFromAttention, finishFromFfn, Trajectory } from './encoder';
import { classifierHead } from './head';
import { CalibrationShape, kdLoss, KdOptions, mdLoss, sampledGram } from './losses';
import { transpose2d } from './ops';
import { attr, ElemType, GraphBuilder } from './proto';
import { allPositions, QueryPositions } from './relative';

const FLOAT32_MIN = -3.4028234663852886e38;

export interface BuiltSegment {
  bytes: Uint8Array;
  outputNames: string[];
}

/** Tokens in front of the sequence that the classifier reads: [CLS] (+ DeiT's distillation token). */
export function prefixTokens(model: LoadedModel): number {
  return model.spec.image?.numPrefixTokens ?? 1;
}

/**
 * How the calibration tokens are laid out in the scoring graphs: [B, S] examples as padded
 * (text: with HF's key mask), or packed rows [B', S'] of several examples each (text; see
 * optin/packing.ts) with a block-diagonal mask given by each position's segment.
 */
export interface ScoringLayout {
  /** The rows and row length the graphs are built for. */
  shape: CalibrationShape;
  /** Examples the classifier reads (B; = shape.batch unless packed). */
  examples: number;
  /** Unpacked text: attention mask [B, S] (1 = real token). */
  keyMask?: BigInt64Array;
  /** Packed text: the example of every position [B'·S'], -1 for empty positions. */
  segments?: Int32Array;
  /** Packed: flat position of each example's first token. */
  starts?: number[];
  /** The K sampled token positions for L_MD in this layout, in the teacher's order. */
  tokenIndex: number[];
}

export function unpackedLayout(shape: CalibrationShape, tokenIndex: number[], keyMask?: BigInt64Array): ScoringLayout {
  return { shape, examples: shape.batch, keyMask, tokenIndex };
}

interface MaskIO {
  extendedMask?: string;
  maskGroups?: number;
  /** Where the query rows sit (for position-dependent attention). */
  positions: QueryPositions;
}

/** The positions of a row plan's query rows: row b's are its kept positions. */
function planPositions(layout: ScoringLayout, plan: RowPlan): QueryPositions {
  const { batch, seq } = layout.shape;
  return { groups: batch, rows: plan.rows, seq, query: plan.flatIndex.map((i) => i % seq) };
}

/**
 * The additive attention mask of the layout. Unpacked text: HF's [B, 1, 1, S] tiled to the
 * candidates. Packed: [B', 1, Q, S'] (Q query rows: all, or the positions `queries` of a row
 * plan) applied per group of B' rows, so it is never copied per candidate.
 */
export function attentionMask(g: GraphBuilder, layout: ScoringLayout, like: string, queries?: RowPlan): MaskIO {
  const { batch: B, seq: S } = layout.shape;
  const positions = queries ? planPositions(layout, queries) : allPositions(S);
  if (layout.keyMask) {
    const data = Float32Array.from(layout.keyMask, (m) => (m === 0n ? FLOAT32_MIN : 0));
    return { extendedMask: tileToCandidates(g, g.weight('calibration.extended_mask', [B, 1, 1, S], data), like, B, 4), positions };
  }
  const seg = layout.segments;
  if (!seg) return { positions };
  const Q = queries?.rows ?? S;
  const data = new Float32Array(B * Q * S);
  for (let r = 0; r < B; r++) {
    for (let q = 0; q < Q; q++) {
      const pos = queries ? queries.flatIndex[r * Q + q] : r * S + q;
      const own = seg[pos];
      for (let k = 0; k < S; k++) data[(r * Q + q) * S + k] = seg[r * S + k] === own && own >= 0 ? 0 : FLOAT32_MIN;
    }
  }
  return { extendedMask: g.weight(queries ? 'calibration.block_mask.plan' : 'calibration.block_mask', [B, 1, Q, S], data), maskGroups: B, positions };
}

/** Repeats a [B, ...] constant along the batch axis to match `like` [cand·B, ...]. */
function tileToCandidates(g: GraphBuilder, value: string, like: string, batch: number, rank: number): string {
  const rows = g.op('Slice', [g.op('Shape', [like]), g.ints([0]), g.ints([1])]);
  const candidates = g.op('Div', [rows, g.ints([batch])]);
  const repeats = g.op('Concat', [candidates, g.ints(new Array(rank - 1).fill(1))], [attr.int('axis', 0)]);
  return g.op('Tile', [value, repeats]);
}

const D3 = (s: CalibrationShape) => [s.batch, s.seq, s.hidden];

/** A fixed [B, S, W] input restricted to the plan's rows: [B, Q, W]. */
function restrictInput(g: GraphBuilder, t: string, plan: RowPlan, width: number): string {
  const flat = g.op('Reshape', [t, g.ints([-1, width])]);
  return g.op('Reshape', [g.op('Gather', [flat, g.ints(plan.flatIndex)], [attr.int('axis', 0)]), g.ints([-1, plan.rows, width])]);
}

/** Layer `layer` of the unpruned model, exposing what the candidate graphs resume from. */
export function buildProbe(model: LoadedModel, layer: number, layout: ScoringLayout): BuiltSegment {
  const { spec, weights } = model;
  const { shape } = layout;
  const g = new GraphBuilder(`probe-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, D3(shape));
  const out = encoderLayer(g, spec, weights.layers[layer], layer, { input: x, ...attentionMask(g, layout, x) });
  const names: Array<[string | undefined, string, number]> = [
    [out.context, 'context', spec.headsPerLayer[layer] * spec.headDim],
    [out.attention, 'attention', spec.hiddenSize],
    [out.mid, 'mid', spec.hiddenSize],
    [out.activation, 'activation', spec.neuronsPerLayer[layer]],
    [out.ffn, 'ffn', spec.hiddenSize],
    [out.output, 'output', spec.hiddenSize],
  ];
  for (const [value, name, width] of names) if (value) g.output(value, name, ElemType.FLOAT, [shape.batch, shape.seq, width]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/**
 * Layer output with head h removed, for candidates `unit` [cand]: the attention output loses
 * exactly context_h · W_O[h], then the rest of the layer is recomputed.
 * Outputs `output` [cand·B, S, D] and, when the trajectory feature is output.dense, `feature`.
 */
export function buildHeadCandidates(model: LoadedModel, layer: number, shape: CalibrationShape, trajectory: Trajectory, plan?: RowPlan): BuiltSegment {
  const { spec, weights } = model;
  const w = weights.layers[layer];
  const H = spec.headsPerLayer[layer];
  const d = spec.headDim;
  const { batch: B, seq: S, hidden: D } = shape;
  const g = new GraphBuilder(`heads-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, D3(shape));
  const attention = g.input('attention', ElemType.FLOAT, D3(shape));
  const context = g.input('context', ElemType.FLOAT, [B, S, H * d]);
  const unit = g.input('unit', ElemType.INT64, ['candidates']);
  // Everything after attention is row-wise: with a plan (last layer) only its rows are computed.
  const R = plan?.rows ?? S;
  const rows = (t: string, width: number) => (plan ? restrictInput(g, t, plan, width) : t);
  // context [B,R,H,d] -> the candidates' heads [cand, B·R, d]
  const ctx = g.op('Gather', [g.op('Reshape', [rows(context, H * d), g.ints([B, R, H, d])]), unit], [attr.int('axis', 2)]);
  const ctxByCand = g.op('Reshape', [g.op('Transpose', [ctx], [attr.ints('perm', [2, 0, 1, 3])]), g.ints([-1, B * R, d])]);
  // W_O as [H, d, D]: rows of the output projection that read head h.
  const wo = g.weight(`layer.${layer}.attention.output.dense.weight_by_head`, [H, d, D], transpose2d(w.attentionOutput.weight.data, D, H * d));
  const contribution = g.op('MatMul', [ctxByCand, g.op('Gather', [wo, unit], [attr.int('axis', 0)])]);
  const attnOut = g.op('Sub', [rows(attention, D), g.op('Reshape', [contribution, g.ints([-1, B, R, D])])]);
  const rest = finishFromAttention(g, spec, w, layer, rows(x, D), attnOut);
  g.output(g.op('Reshape', [rest.output, g.ints([-1, R, D])]), 'output', ElemType.FLOAT, ['rows', R, D]);
  if (featureFollowsUnits(spec, trajectory)) g.output(g.op('Reshape', [rest.ffn, g.ints([-1, R, D])]), 'feature', ElemType.FLOAT, ['rows', R, D]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/**
 * Layer output with neuron j removed: the FFN output loses exactly act_j ⊗ W_out[:, j].
 * Outputs as buildHeadCandidates.
 */
export function buildNeuronCandidates(model: LoadedModel, layer: number, shape: CalibrationShape, trajectory: Trajectory, plan?: RowPlan): BuiltSegment {
  const { spec, weights } = model;
  const w = weights.layers[layer];
  const F = spec.neuronsPerLayer[layer];
  const { batch: B, seq: S, hidden: D } = shape;
  const g = new GraphBuilder(`neurons-${layer}`);
  const mid = g.input('mid', ElemType.FLOAT, D3(shape));
  const ffn = g.input('ffn', ElemType.FLOAT, D3(shape));
  const act = g.input('activation', ElemType.FLOAT, [B, S, F]);
  const unit = g.input('unit', ElemType.INT64, ['candidates']);
  const R = plan?.rows ?? S;
  const rows = (t: string, width: number) => (plan ? restrictInput(g, t, plan, width) : t);
  const a = g.op('Unsqueeze', [g.op('Transpose', [g.op('Gather', [rows(act, F), unit], [attr.int('axis', 2)])], [attr.ints('perm', [2, 0, 1])]), g.ints([3])]);
  const wOut = g.weight(`layer.${layer}.output.dense.weight_by_neuron`, [F, D], transpose2d(w.output.weight.data, D, F));
  const col = g.op('Reshape', [g.op('Gather', [wOut, unit], [attr.int('axis', 0)]), g.ints([-1, 1, 1, D])]);
  const ffnOut = g.op('Sub', [rows(ffn, D), g.op('Mul', [a, col])]);
  const output = finishFromFfn(g, spec, w, layer, rows(mid, D), ffnOut);
  g.output(g.op('Reshape', [output, g.ints([-1, R, D])]), 'output', ElemType.FLOAT, ['rows', R, D]);
  if (featureFollowsUnits(spec, trajectory)) g.output(g.op('Reshape', [ffnOut, g.ints([-1, R, D])]), 'feature', ElemType.FLOAT, ['rows', R, D]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/**
 * The token rows the last layer must compute: each example's prefix tokens ([CLS], DeiT's
 * distillation token) first, then (when the last layer's feature is computed after attention)
 * the sampled tokens. Rows are padded to the longest with copies of the row's first position.
 * Unpacked, row b holds example b, so the classifier finds its tokens at positions 0 and 1;
 * packed, `prefixIndex` says where each example's prefix tokens are.
 */
export interface RowPlan {
  /** Q: positions kept per row. */
  rows: number;
  /** [B·Q] positions into the flattened B·S tokens of the layout. */
  flatIndex: number[];
  /** The sampled tokens' positions in the restricted [B·Q] layout, in the original order. */
  tokenIndex: number[];
  /** Packed: [examples·prefix] positions of each example's prefix tokens in the restricted layout. */
  prefixIndex?: number[];
}

/** Flat position of each example's first token: packed, where it was placed; else the start of its row. */
export function exampleStarts(layout: ScoringLayout): number[] {
  const { batch, seq } = layout.shape;
  return layout.starts ?? Array.from({ length: batch }, (_, b) => b * seq);
}

/**
 * The rows the last layer must compute, or undefined when the classifier reads every token
 * (mean pooling): then nothing is restricted.
 */
export function lastLayerPlan(model: LoadedModel, layout: ScoringLayout, withSampled: boolean): RowPlan | undefined {
  return model.spec.pooling === 'mean' ? undefined : planRows(layout, prefixTokens(model), withSampled);
}

/** Mean pooling in a layout: [examples, B·S] weights 1/n over each example's n real tokens. */
export function poolingWeights(layout: ScoringLayout): Float32Array {
  const { batch: B, seq: S } = layout.shape;
  const E = layout.examples;
  const exampleAt = (p: number): number =>
    layout.segments ? layout.segments[p] : layout.keyMask && layout.keyMask[p] === 0n ? -1 : Math.floor(p / S);
  const counts = new Array<number>(E).fill(0);
  for (let p = 0; p < B * S; p++) if (exampleAt(p) >= 0) counts[exampleAt(p)]++;
  const w = new Float32Array(E * B * S);
  for (let p = 0; p < B * S; p++) {
    const e = exampleAt(p);
    if (e >= 0) w[e * B * S + p] = 1 / counts[e];
  }
  return w;
}

export function planRows(layout: ScoringLayout, prefix: number, withSampled: boolean): RowPlan {
  const { batch, seq } = layout.shape;
  const starts = exampleStarts(layout);
  const perRow: number[][] = Array.from({ length: batch }, () => []);
  for (const start of starts) perRow[Math.floor(start / seq)].push(...Array.from({ length: prefix }, (_, i) => (start % seq) + i));
  if (withSampled) {
    for (const t of layout.tokenIndex) {
      const list = perRow[Math.floor(t / seq)];
      if (!list.includes(t % seq)) list.push(t % seq);
    }
  }
  const rows = Math.max(...perRow.map((l) => l.length));
  const flatIndex = perRow.flatMap((l, b) => Array.from({ length: rows }, (_, q) => b * seq + (l[q] ?? l[0] ?? 0)));
  const restricted = (t: number) => Math.floor(t / seq) * rows + perRow[Math.floor(t / seq)].indexOf(t % seq);
  return {
    rows,
    flatIndex,
    tokenIndex: withSampled ? layout.tokenIndex.map(restricted) : [],
    prefixIndex: layout.starts ? layout.starts.flatMap((start) => Array.from({ length: prefix }, (_, i) => restricted(start + i))) : undefined,
  };
}

/** Teacher quantities the losses compare against, fixed for a run. */
export interface Teacher {
  /** Gram [K, K] of each layer's trajectory feature. */
  grams: Float32Array[];
  /** Logits [B, numLabels]. */
  logits: Float32Array;
  /** K positions into the flattened B·S calibration tokens (real tokens only). */
  tokenIndex: number[];
}

export interface LossOptions extends KdOptions {
  aggregate: 'sum' | 'mean';
  /** The trajectory feature L_MD compares (`embedding_choice`). */
  trajectory: Trajectory;
}

/**
 * Layers `from`..N-1, the classifier and the per-candidate losses. Input `hidden` [cand·B, S, D]
 * is layer `from`'s input (B, S: the layout's rows). Outputs `md.{z}` [cand] for each later layer
 * z, `kd` [cand], and with `ownFeature`, `md.own` for the feature fed as `own_feature` (the last
 * layer's own feature).
 */
export function buildTail(model: LoadedModel, from: number, layout: ScoringLayout, teacher: Teacher, loss: LossOptions, ownFeature?: number, ownPlan?: RowPlan): BuiltSegment {
  const { spec, weights } = model;
  const { shape } = layout;
  const { batch: B, seq: S, hidden: D } = shape;
  const g = new GraphBuilder(`tail-${from}`);
  // After the last layer (from = N) the input holds only the plan's rows.
  const hidden = g.input('hidden', ElemType.FLOAT, ['rows', ownPlan?.rows ?? S, D]);
  const K = layout.tokenIndex.length;
  const tokenIndex = g.ints(layout.tokenIndex);
  const gram = (z: number) => g.weight(`teacher.gram.${z}`, [K, K], teacher.grams[z]);
  const mask = from < spec.numLayers ? attentionMask(g, layout, hidden) : undefined;
  const restricted = (plan: RowPlan) => ({ batch: B, seq: plan.rows, hidden: D });
  if (ownFeature !== undefined) {
    const own = g.input('own_feature', ElemType.FLOAT, ['rows', ownPlan?.rows ?? S, D]);
    const md = ownPlan
      ? mdLoss(g, own, gram(ownFeature), restricted(ownPlan), g.ints(ownPlan.tokenIndex), loss.aggregate)
      : mdLoss(g, own, gram(ownFeature), shape, tokenIndex, loss.aggregate);
    g.output(md, 'md.own', ElemType.FLOAT, ['candidates']);
  }
  let x = hidden;
  let plan = ownPlan;
  const last = spec.numLayers - 1;
  for (let z = from; z < spec.numLayers; z++) {
    if (z < last) {
      const out = encoderLayer(g, spec, weights.layers[z], z, { input: x, ...mask }, loss.trajectory);
      g.output(mdLoss(g, out.feature, gram(z), shape, tokenIndex, loss.aggregate), `md.${z}`, ElemType.FLOAT, ['candidates']);
      x = out.output;
      continue;
    }
    // The last layer: only the classifier's token rows and the sampled rows are read after it.
    const featureAfterAttention = featureFollowsUnits(spec, loss.trajectory);
    plan = lastLayerPlan(model, layout, featureAfterAttention);
    if (!plan) {
      // Mean pooling reads every token: the last layer computes all rows, as the others do.
      const out = encoderLayer(g, spec, weights.layers[z], z, { input: x, ...mask }, loss.trajectory);
      g.output(mdLoss(g, out.feature, gram(z), shape, tokenIndex, loss.aggregate), `md.${z}`, ElemType.FLOAT, ['candidates']);
      x = out.output;
      continue;
    }
    const flat = g.ints(plan.flatIndex);
    const Q = plan.rows;
    const queryRows = (t: string) =>
      g.op('Reshape', [g.op('Gather', [g.op('Reshape', [t, g.ints([-1, B * S, D])]), flat], [attr.int('axis', 1)]), g.ints([-1, Q, D])]);
    const lastMask = layout.segments ? attentionMask(g, layout, x, plan) : { ...mask, positions: planPositions(layout, plan) };
    const out = encoderLayer(g, spec, weights.layers[z], z, { input: x, ...lastMask, queryRows }, loss.trajectory);
    const md = featureAfterAttention
      ? mdLoss(g, out.feature, gram(z), restricted(plan), g.ints(plan.tokenIndex), loss.aggregate)
      : mdLoss(g, out.feature, gram(z), shape, tokenIndex, loss.aggregate);
    g.output(md, `md.${z}`, ElemType.FLOAT, ['candidates']);
    x = out.output;
  }
  if (plan?.prefixIndex) {
    // Packed rows: gather each example's prefix tokens into a row of its own, in example order.
    const prefix = prefixTokens(model);
    const flat = g.op('Reshape', [x, g.ints([-1, B * plan.rows, D])]);
    x = g.op('Reshape', [g.op('Gather', [flat, g.ints(plan.prefixIndex)], [attr.int('axis', 1)]), g.ints([-1, prefix, D])]);
  }
  const E = layout.examples;
  const pooling = spec.pooling === 'mean' ? g.weight('calibration.pooling', [E, B * S], poolingWeights(layout)) : undefined;
  const logits = classifierHead(g, spec, weights.head, x, { pooling });
  const teacherLogits = g.weight('teacher.logits', [E, spec.numLabels], teacher.logits);
  g.output(kdLoss(g, logits, teacherLogits, E, spec.numLabels, loss), 'kd', ElemType.FLOAT, ['candidates']);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/** The teacher's Gram [K, K] of one feature [B, S, D]. */
/**
 * One layer of the unpruned model for the baseline pass: its `output` (the next layer's input)
 * and the Gram [K, K] of its trajectory feature at the layout's sampled tokens, so the feature
 * itself never leaves ONNX Runtime.
 */
export function buildBaselineLayer(model: LoadedModel, layer: number, layout: ScoringLayout, trajectory: Trajectory): BuiltSegment {
  const { spec, weights } = model;
  const { shape } = layout;
  const g = new GraphBuilder(`baseline-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, D3(shape));
  const out = encoderLayer(g, spec, weights.layers[layer], layer, { input: x, ...attentionMask(g, layout, x) }, trajectory);
  const K = layout.tokenIndex.length;
  g.output(out.output, 'output', ElemType.FLOAT, D3(shape));
  g.output(g.op('Reshape', [sampledGram(g, out.feature, shape, g.ints(layout.tokenIndex)), g.ints([K, K])]), 'gram', ElemType.FLOAT, [K, K]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/**
 * The losses of one full forward pass (the naive scorer and the tests use it): inputs `feature.{z}`
 * [B, S, D] for every layer and `logits` [B, C]; outputs `md.{z}` [1] and `kd` [1].
 */
export function buildLossGraph(model: LoadedModel, shape: CalibrationShape, teacher: Teacher, loss: LossOptions): BuiltSegment {
  const { spec } = model;
  const g = new GraphBuilder('losses');
  const K = teacher.tokenIndex.length;
  const tokenIndex = g.ints(teacher.tokenIndex);
  for (let z = 0; z < spec.numLayers; z++) {
    const f = g.input(`feature.${z}`, ElemType.FLOAT, D3(shape));
    const gram = g.weight(`teacher.gram.${z}`, [K, K], teacher.grams[z]);
    g.output(mdLoss(g, f, gram, shape, tokenIndex, loss.aggregate), `md.${z}`, ElemType.FLOAT, [1]);
  }
  const logits = g.input('logits', ElemType.FLOAT, [shape.batch, spec.numLabels]);
  const teacherLogits = g.weight('teacher.logits', [shape.batch, spec.numLabels], teacher.logits);
  g.output(kdLoss(g, logits, teacherLogits, shape.batch, spec.numLabels, loss), 'kd', ElemType.FLOAT, [1]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

