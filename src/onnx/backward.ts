/**
 * Hand-built backward (vector-Jacobian) graphs of the encoder, for the linear-response estimate
 * of neuron scores (optin/linearResponse.ts). ONNX Runtime for Node has no autodiff, so each
 * layer's input gradient is written out from its forward definition (encoder.ts): LayerNorm,
 * the activation, softmax attention with the layout's mask, residuals. Every graph recomputes
 * the layer's forward internals from its cached input once per run and applies them to P
 * gradient probes stacked on a leading axis: [P, R, S, D].
 *
 * One removed neuron u of layer i changes the FFN output by −a_u ⊗ w_u, so for a probe with
 * gradient g at that point, its first-order effect is −Σ_t a[t,u]·(g[t]·w_u) = −Σ_t a ⊙ (g·W_out).
 */
import type { Activation, EncoderLayerWeights, LayerNormWeights, LoadedModel, Linear } from '../model/spec';
import { activation, broadcastBias, layerNorm, linear } from './ops';
import { attr, ElemType, GraphBuilder } from './proto';
import { attentionMask, BuiltSegment, prefixTokens, ScoringLayout } from './segments';

/** Tensor with the rows of `x` [.., D] normalised as LayerNorm does (without scale/bias), and 1/σ. */
function normalised(g: GraphBuilder, x: string, eps: number): { xhat: string; rstd: string } {
  const mean = g.op('ReduceMean', [x], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]);
  const xc = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [xc, xc])], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]);
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
  return { xhat: g.op('Mul', [xc, rstd]), rstd };
}

/** dL/dx of y = LayerNorm(x) given dL/dy [P, .., D] and the forward input x [.., D] (broadcast over P). */
function layerNormBackward(g: GraphBuilder, x: string, dy: string, ln: LayerNormWeights, eps: number, name: string): string {
  const { xhat, rstd } = normalised(g, x, eps);
  const dxhat = g.op('Mul', [dy, g.weight(`${name}.grad.weight`, ln.weight.shape, ln.weight.data)]);
  const mean = (t: string) => g.op('ReduceMean', [t], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]);
  const centred = g.op('Sub', [g.op('Sub', [dxhat, mean(dxhat)]), g.op('Mul', [xhat, mean(g.op('Mul', [dxhat, xhat]))])]);
  return g.op('Mul', [centred, rstd]);
}

/** The activation's derivative at the pre-activation x. */
function activationDerivative(g: GraphBuilder, x: string, act: Activation): string {
  switch (act) {
    case 'gelu': {
      // Φ(x) + x·φ(x)
      const cdf = g.op('Mul', [g.op('Add', [g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])]), g.scalar(1)]), g.scalar(0.5)]);
      const pdf = g.op('Mul', [g.op('Exp', [g.op('Mul', [g.op('Mul', [x, x]), g.scalar(-0.5)])]), g.scalar(1 / Math.sqrt(2 * Math.PI))]);
      return g.op('Add', [cdf, g.op('Mul', [x, pdf])]);
    }
    case 'gelu_tanh': {
      const c = Math.sqrt(2 / Math.PI);
      const x2 = g.op('Mul', [x, x]);
      const t = g.op('Tanh', [g.op('Mul', [g.op('Mul', [x, g.op('Add', [g.scalar(1), g.op('Mul', [x2, g.scalar(0.044715)])])]), g.scalar(c)])]);
      const dInner = g.op('Mul', [g.op('Add', [g.scalar(1), g.op('Mul', [x2, g.scalar(3 * 0.044715)])]), g.scalar(c)]);
      const sech2 = g.op('Sub', [g.scalar(1), g.op('Mul', [t, t])]);
      return g.op('Add', [g.op('Mul', [g.op('Add', [t, g.scalar(1)]), g.scalar(0.5)]), g.op('Mul', [g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), sech2]), dInner])]);
    }
    case 'relu':
      return g.op('Cast', [g.op('Greater', [x, g.scalar(0)])], [attr.int('to', ElemType.FLOAT)]);
    case 'silu': {
      const s = g.op('Sigmoid', [x]);
      return g.op('Mul', [s, g.op('Add', [g.scalar(1), g.op('Mul', [x, g.op('Sub', [g.scalar(1), s])])])]);
    }
  }
}

/** dL/dx of y = x·Wᵀ + b: dL/dy · W (PyTorch's [out, in] layout is already the one needed). */
function denseBackward(g: GraphBuilder, dy: string, lin: Linear, name: string): string {
  return g.op('MatMul', [dy, g.weight(`${name}.grad.weight`, lin.weight.shape, lin.weight.data)]);
}

/** Attention internals recomputed from its input `x` [R,S,D]: per-head q, k, v [R,H,S,d], probabilities p [R,H,S,S], block output. */
interface AttentionForward {
  q: string;
  k: string;
  v: string;
  p: string;
  output: string;
}

function attentionForward(g: GraphBuilder, model: LoadedModel, w: EncoderLayerWeights, layer: number, layout: ScoringLayout, x: string): AttentionForward | { output: string } {
  const { spec } = model;
  const H = spec.headsPerLayer[layer];
  const name = `layer.${layer}.attention`;
  if (H === 0) return { output: broadcastBias(g, x, w.attentionOutput.bias.data, `${name}.output.dense.bias`) };
  const d = spec.headDim;
  const split = (t: string) => g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, H, d])])], [attr.ints('perm', [0, 2, 1, 3])]);
  const q = split(linear(g, x, w.query, `${name}.query`));
  const k = split(linear(g, x, w.key, `${name}.key`));
  const v = split(linear(g, x, w.value, `${name}.value`));
  let scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], [attr.ints('perm', [0, 1, 3, 2])])]), g.scalar(1 / Math.sqrt(d))]);
  // No candidate axis here: the layout's mask ([R,1,1,S] or packed [R,1,S,S]) adds directly.
  const mask = attentionMask(g, layout, x).extendedMask;
  if (mask) scores = g.op('Add', [scores, mask]);
  const p = g.op('Softmax', [scores], [attr.int('axis', -1)]);
  const ctx = g.op('MatMul', [p, v]);
  const merged = g.op('Reshape', [g.op('Transpose', [ctx], [attr.ints('perm', [0, 2, 1, 3])]), g.ints([0, 0, H * d])]);
  return { q, k, v, p, output: linear(g, merged, w.attentionOutput, `${name}.output.dense`) };
}

/** Self-attention's input gradient for `dy` [P,R,S,D], the gradient of the block output. */
function attentionBackward(g: GraphBuilder, model: LoadedModel, w: EncoderLayerWeights, layer: number, f: AttentionForward, dy: string): string {
  const H = model.spec.headsPerLayer[layer];
  const d = model.spec.headDim;
  const name = `layer.${layer}.attention`;
  const { q, k, v, p } = f;
  // Back through the output projection, then per head ([P,R,H,S,d]).
  const dctx = denseBackward(g, dy, w.attentionOutput, `${name}.output.dense`);
  const dctxH = g.op('Transpose', [g.op('Reshape', [dctx, g.ints([0, 0, 0, H, d])])], [attr.ints('perm', [0, 1, 3, 2, 4])]);
  const dp = g.op('MatMul', [dctxH, g.op('Transpose', [v], [attr.ints('perm', [0, 1, 3, 2])])]);
  const dv = g.op('MatMul', [g.op('Transpose', [p], [attr.ints('perm', [0, 1, 3, 2])]), dctxH]);
  // Softmax: ds = p ⊙ (dp − Σ_k dp·p); masked keys have p = 0 and get none.
  const rowDot = g.op('ReduceSum', [g.op('Mul', [dp, p]), g.ints([-1])], [attr.int('keepdims', 1)]);
  const ds = g.op('Mul', [g.op('Mul', [p, g.op('Sub', [dp, rowDot])]), g.scalar(1 / Math.sqrt(d))]);
  const dq = g.op('MatMul', [ds, k]);
  const dk = g.op('MatMul', [g.op('Transpose', [ds], [attr.ints('perm', [0, 1, 2, 4, 3])]), q]);
  const merge = (t: string) => g.op('Reshape', [g.op('Transpose', [t], [attr.ints('perm', [0, 1, 3, 2, 4])]), g.ints([0, 0, 0, H * d])]);
  return g.op('Add', [
    g.op('Add', [denseBackward(g, merge(dq), w.query, `${name}.query`), denseBackward(g, merge(dk), w.key, `${name}.key`)]),
    denseBackward(g, merge(dv), w.value, `${name}.value`),
  ]);
}

/**
 * Rows of `updates` [P, K, W] placed at the flat token positions `tokenIndex` of a [P, R, S, W]
 * tensor of zeros (like `like`, whose shape it takes over the first three axes).
 */
function scatterTokens(g: GraphBuilder, updates: string, tokenIndex: number[], like: string, rows: number, seq: number, width: number): string {
  const P = g.op('Slice', [g.op('Shape', [like]), g.ints([0]), g.ints([1])]);
  const zeros = g.op('ConstantOfShape', [g.op('Concat', [g.ints([rows * seq]), P, g.ints([width])], [attr.int('axis', 0)])]);
  const indices = g.op('Reshape', [g.ints(tokenIndex), g.ints([-1, 1])]);
  const placed = g.op('ScatterND', [zeros, indices, g.op('Transpose', [updates], [attr.ints('perm', [1, 0, 2])])]);
  return g.op('Reshape', [g.op('Transpose', [placed], [attr.ints('perm', [1, 0, 2])]), g.op('Concat', [P, g.ints([rows, seq, width])], [attr.int('axis', 0)])]);
}

/**
 * The gradient of Σ_jk V[p]_jk · Gram_jk with respect to the feature [R,S,D], for probes V
 * [P, K, K]: the Gram's rows are the L2-normalised sampled tokens (losses.ts sampledGram).
 */
function gramProbeGradient(g: GraphBuilder, feature: string, probes: string, layout: ScoringLayout): string {
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const rows = g.op('Gather', [g.op('Reshape', [feature, g.ints([R * S, D])]), g.ints(layout.tokenIndex)], [attr.int('axis', 0)]);
  const norm = g.op('Max', [g.op('ReduceL2', [rows], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]), g.scalar(1e-12)]);
  const unit = g.op('Div', [rows, norm]); // [K,D]
  const dUnit = g.op('MatMul', [g.op('Add', [probes, g.op('Transpose', [probes], [attr.ints('perm', [0, 2, 1])])]), unit]); // [P,K,D]
  const radial = g.op('ReduceSum', [g.op('Mul', [dUnit, unit]), g.ints([-1])], [attr.int('keepdims', 1)]);
  const dRows = g.op('Div', [g.op('Sub', [dUnit, g.op('Mul', [unit, radial])]), norm]);
  return scatterTokens(g, dRows, layout.tokenIndex, probes, R, S, D);
}

export interface LayerBackwardOptions {
  /** Add the gradient of Gram probes `gram_probe` [P,K,K] at this layer's trajectory feature. */
  gramProbe: boolean;
  /** Output `grad_in` (the layer input's gradient); not needed below the lowest scored layer. */
  gradIn: boolean;
  /**
   * The neuron sums this layer's units need, from the gradient arriving at the layer output
   * (later layers only): `md_part` [F] = Σ_p (Σ_t a ⊙ g·W)², or `kd_part` [F] = Σ_p Σ_example (…)²
   * (per-example sums: the KD directions of different examples must not mix).
   */
  neurons?: 'flat' | 'per-example';
  /**
   * `compute` (default): recompute the layer's forward internals in the graph; `inputs`: take
   * them as inputs, from buildLayerForward run once (many probe batches then share them).
   */
  internals?: 'compute' | 'inputs';
}

/** The forward tensors a layer's backward pass reads. */
interface Internals {
  /** Attention input: BERT the layer input; ViT layernorm_before's output (its trajectory feature). */
  attnIn: string;
  att: AttentionForward | { output?: string };
  sum1: string;
  mid: string;
  pre?: string;
  act?: string;
  /** BERT: output.dense (its trajectory feature). */
  ffnOut?: string;
}

function layerInternals(g: GraphBuilder, model: LoadedModel, layer: number, layout: ScoringLayout, x: string): Internals {
  const { spec, weights } = model;
  const w = weights.layers[layer];
  const eps = spec.layerNormEps;
  const name = `layer.${layer}`;
  const post = spec.normPlacement === 'post';
  const attnIn = post ? x : layerNorm(g, x, w.norm1!, eps, `${name}.layernorm_before`);
  const att = attentionForward(g, model, w, layer, layout, attnIn);
  const sum1 = g.op('Add', [att.output, x]);
  const mid = post ? layerNorm(g, sum1, w.norm1!, eps, `${name}.attention.output.LayerNorm`) : sum1;
  const ffnIn = post ? mid : layerNorm(g, mid, w.norm2, eps, `${name}.layernorm_after`);
  const pre = spec.neuronsPerLayer[layer] > 0 ? linear(g, ffnIn, w.intermediate, `${name}.intermediate.dense`) : undefined;
  const act = pre ? activation(g, pre, spec.hiddenAct) : undefined;
  const ffnOut = !post ? undefined : act ? linear(g, act, w.output, `${name}.output.dense`)
    : broadcastBias(g, mid, w.output.bias.data, `${name}.output.dense.bias`);
  return { attnIn, att, sum1, mid, pre, act, ffnOut };
}

/** Names and shapes of the internals, as graph outputs (forward) or inputs (backward). */
function internalShapes(model: LoadedModel, layer: number, layout: ScoringLayout): Array<[keyof Internals | 'q' | 'k' | 'v' | 'p', number[]]> {
  const { spec } = model;
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const H = spec.headsPerLayer[layer];
  const F = spec.neuronsPerLayer[layer];
  const d3 = [R, S, D];
  return [
    ['attnIn', d3], ['sum1', d3], ['mid', d3],
    ...(H > 0 ? [['q', [R, H, S, spec.headDim]], ['k', [R, H, S, spec.headDim]], ['v', [R, H, S, spec.headDim]], ['p', [R, H, S, S]]] as Array<['q' | 'k' | 'v' | 'p', number[]]> : []),
    ...(F > 0 ? [['pre', [R, S, F]], ['act', [R, S, F]]] as Array<['pre' | 'act', number[]]> : []),
    ...(spec.normPlacement === 'post' ? [['ffnOut', d3]] as Array<['ffnOut', number[]]> : []),
  ];
}

function internalInputs(g: GraphBuilder, model: LoadedModel, layer: number, layout: ScoringLayout): Internals {
  const t: Record<string, string> = {};
  for (const [name, dims] of internalShapes(model, layer, layout)) t[name] = g.input(name, ElemType.FLOAT, dims);
  const att = t.p ? { q: t.q, k: t.k, v: t.v, p: t.p, output: '' } : {};
  return { attnIn: t.attnIn, att, sum1: t.sum1, mid: t.mid, pre: t.pre, act: t.act, ffnOut: t.ffnOut };
}

/** The layer's forward internals from its input `hidden`, for buildLayerBackward(internals: 'inputs'). */
export function buildLayerForward(model: LoadedModel, layer: number, layout: ScoringLayout): BuiltSegment {
  const g = new GraphBuilder(`forward-${layer}`);
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const x = g.input('hidden', ElemType.FLOAT, [R, S, D]);
  const i = layerInternals(g, model, layer, layout, x);
  const att = 'p' in i.att ? i.att : undefined;
  const named: Record<string, string | undefined> = { attnIn: i.attnIn, sum1: i.sum1, mid: i.mid, pre: i.pre, act: i.act, ffnOut: i.ffnOut, q: att?.q, k: att?.k, v: att?.v, p: att?.p };
  for (const [name, dims] of internalShapes(model, layer, layout)) g.output(named[name]!, name, ElemType.FLOAT, dims);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/** The per-example sums of a [P, R, S, F] tensor: [P, E, F]. */
function perExample(g: GraphBuilder, y: string, layout: ScoringLayout, width: number): string {
  const { batch: R, seq: S } = layout.shape;
  if (!layout.segments) return g.op('ReduceSum', [y, g.ints([2])], [attr.int('keepdims', 0)]);
  const E = layout.examples;
  const onehot = new Float32Array(E * R * S);
  layout.segments.forEach((e, t) => { if (e >= 0) onehot[e * R * S + t] = 1; });
  const flat = g.op('Reshape', [y, g.ints([0, R * S, width])]);
  return g.op('MatMul', [g.weight('calibration.example_of_token', [E, R * S], onehot), flat]);
}

/**
 * One encoder layer backwards: inputs `hidden` [R,S,D] (the layer's cached input), `grad`
 * [P,R,S,D] (gradient at the layer output), optionally `gram_probe`; outputs per options.
 */
export function buildLayerBackward(model: LoadedModel, layer: number, layout: ScoringLayout, opts: LayerBackwardOptions): BuiltSegment {
  const { spec, weights } = model;
  const w = weights.layers[layer];
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const K = layout.tokenIndex.length;
  const F = spec.neuronsPerLayer[layer];
  const eps = spec.layerNormEps;
  const name = `layer.${layer}`;
  const g = new GraphBuilder(`backward-${layer}`);
  const x = g.input('hidden', ElemType.FLOAT, [R, S, D]);
  const dOut = g.input('grad', ElemType.FLOAT, ['probes', R, S, D]);
  const probes = opts.gramProbe ? g.input('gram_probe', ElemType.FLOAT, ['probes', K, K]) : undefined;
  const post = spec.normPlacement === 'post';

  const { attnIn, att, sum1, mid, pre, act, ffnOut } = opts.internals === 'inputs'
    ? internalInputs(g, model, layer, layout)
    : layerInternals(g, model, layer, layout, x);

  // Gradient at the FFN output from the layer output (post: through output.LayerNorm).
  const dFfn = post ? layerNormBackward(g, g.op('Add', [ffnOut!, mid]), dOut, w.norm2, eps, `${name}.output.LayerNorm`) : dOut;
  // The trajectory feature: BERT output.dense (this FFN output); ViT layernorm_before's output.
  const injection = probes ? gramProbeGradient(g, post ? ffnOut! : attnIn, probes, layout) : undefined;

  let dAct: string | undefined;
  if (act) {
    dAct = denseBackward(g, dFfn, w.output, `${name}.output.dense`);
    if (opts.neurons) {
      const y = g.op('Mul', [act, dAct]); // [P,R,S,F]
      const perProbe = opts.neurons === 'flat'
        ? g.op('ReduceSum', [y, g.ints([1, 2])], [attr.int('keepdims', 0)])
        : perExample(g, y, layout, F);
      const squares = g.op('Mul', [perProbe, perProbe]);
      const axes = opts.neurons === 'flat' ? [0] : [0, 1];
      g.output(g.op('ReduceSum', [squares, g.ints(axes)], [attr.int('keepdims', 0)]), opts.neurons === 'flat' ? 'md_part' : 'kd_part', ElemType.FLOAT, [F]);
    }
  } else if (opts.neurons) {
    g.output(g.op('ConstantOfShape', [g.ints([0])]), opts.neurons === 'flat' ? 'md_part' : 'kd_part', ElemType.FLOAT, [0]);
  }
  if (opts.gradIn) {
    // The FFN's own gradient includes the feature probe (BERT: it sits at the FFN output).
    let dActAll = dAct;
    if (act && injection && post) dActAll = g.op('Add', [dAct!, denseBackward(g, injection, w.output, `${name}.output.dense.inj`)]);
    const dFfnIn = act && dActAll ? denseBackward(g, g.op('Mul', [dActAll, activationDerivative(g, pre!, spec.hiddenAct)]), w.intermediate, `${name}.intermediate.dense`) : undefined;
    let dMid: string;
    if (post) {
      // mid feeds the FFN and the output residual.
      dMid = dFfnIn ? g.op('Add', [dFfn, dFfnIn]) : dFfn;
    } else {
      dMid = dFfnIn ? g.op('Add', [dOut, layerNormBackward(g, mid, dFfnIn, w.norm2, eps, `${name}.layernorm_after`)]) : dOut;
    }
    const dSum1 = post ? layerNormBackward(g, sum1, dMid, w.norm1!, eps, `${name}.attention.output.LayerNorm`) : dMid;
    const dAttnIn = 'p' in att ? attentionBackward(g, model, w, layer, att, dSum1) : undefined;
    let dx: string;
    if (post) {
      dx = dAttnIn ? g.op('Add', [dSum1, dAttnIn]) : dSum1;
    } else {
      const dNorm = dAttnIn && injection ? g.op('Add', [dAttnIn, injection]) : dAttnIn ?? injection;
      dx = dNorm ? g.op('Add', [dSum1, layerNormBackward(g, x, dNorm, w.norm1!, eps, `${name}.layernorm_before`)]) : dSum1;
    }
    g.output(dx, 'grad_in', ElemType.FLOAT, ['probes', R, S, D]);
  }
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}

/**
 * The classifier head backwards: input `output` [R,S,D] (the last layer's output in the layout)
 * and `direction` [P, E, C] (a direction in logit space per example); output `grad` [P,R,S,D],
 * the gradient of Σ_e direction·logits_e, non-zero at each example's prefix tokens only.
 */
export function buildHeadBackward(model: LoadedModel, layout: ScoringLayout): BuiltSegment {
  const { spec, weights } = model;
  const w = weights.head;
  const { batch: R, seq: S, hidden: D } = layout.shape;
  const E = layout.examples;
  const C = spec.numLabels;
  const prefix = prefixTokens(model);
  const g = new GraphBuilder('head-backward');
  const out = g.input('output', ElemType.FLOAT, [R, S, D]);
  const dir = g.input('direction', ElemType.FLOAT, ['probes', E, C]);
  const starts = layout.starts ?? Array.from({ length: E }, (_, e) => e * S);
  const tokenAt = (k: number) => starts.map((s) => s + k);
  const rowsOf = (k: number) => g.op('Gather', [g.op('Reshape', [out, g.ints([R * S, D])]), g.ints(tokenAt(k))], [attr.int('axis', 0)]); // [E,D]
  const normBack = (x: string, dy: string, k: number) => (w.finalNorm ? layerNormBackward(g, x, dy, w.finalNorm, spec.layerNormEps, `final.layernorm.${k}`) : dy);
  const normFwd = (x: string) => (w.finalNorm ? layerNorm(g, x, w.finalNorm, spec.layerNormEps, 'final.layernorm') : x);
  const half = w.distillationClassifier ? 0.5 : 1;
  const scaled = half === 1 ? dir : g.op('Mul', [dir, g.scalar(half)]);
  const cls = rowsOf(0);
  let dFirst = denseBackward(g, scaled, w.classifier, 'classifier'); // [P,E,·]
  if (w.pooler) {
    const pre = linear(g, normFwd(cls), w.pooler.dense, w.pooler.name);
    let slope: string;
    if (w.pooler.activation === 'tanh') {
      const pooled = g.op('Tanh', [pre]);
      slope = g.op('Sub', [g.scalar(1), g.op('Mul', [pooled, pooled])]);
    } else {
      slope = activationDerivative(g, pre, w.pooler.activation);
    }
    dFirst = denseBackward(g, g.op('Mul', [dFirst, slope]), w.pooler.dense, w.pooler.name);
  }
  const grads: Array<[number, string]> = [[0, normBack(cls, dFirst, 0)]];
  if (w.distillationClassifier) grads.push([1, normBack(rowsOf(1), denseBackward(g, scaled, w.distillationClassifier, 'distillation_classifier'), 1)]);
  let grad: string | undefined;
  for (const [k, d] of grads) {
    if (k >= prefix) continue;
    const placed = scatterTokens(g, d, tokenAt(k), dir, R, S, D);
    grad = grad ? g.op('Add', [grad, placed]) : placed;
  }
  g.output(grad!, 'grad', ElemType.FLOAT, ['probes', R, S, D]);
  return { bytes: g.toBytes(), outputNames: g.outputNames() };
}
