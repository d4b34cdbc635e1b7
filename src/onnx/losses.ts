import { attr, GraphBuilder } from './proto';

/** The fixed shape of the calibration batch every scoring graph is built for. */
export interface CalibrationShape {
  batch: number;
  seq: number;
  hidden: number;
}

/**
 * The manifold-distillation Gram matrix of K sampled token rows: features [cand·B, S, D] ->
 * rows L2-normalised -> [cand, K, K]. `tokenIndex` indexes the flattened B·S tokens.
 */
export function sampledGram(g: GraphBuilder, feature: string, shape: CalibrationShape, tokenIndex: string): string {
  const flat = g.op('Reshape', [feature, g.ints([-1, shape.batch * shape.seq, shape.hidden])]);
  const rows = g.op('Gather', [flat, tokenIndex], [attr.int('axis', 1)]);
  const norm = g.op('Max', [g.op('ReduceL2', [rows], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]), g.scalar(1e-12)]);
  const unit = g.op('Div', [rows, norm]);
  return g.op('MatMul', [unit, g.op('Transpose', [unit], [attr.ints('perm', [0, 2, 1])])]);
}

/** L_MD per candidate: Σ (or mean) of squared Gram differences against the teacher's Gram [K, K]. */
export function mdLoss(g: GraphBuilder, feature: string, teacherGram: string, shape: CalibrationShape, tokenIndex: string, aggregate: 'sum' | 'mean'): string {
  const diff = g.op('Sub', [sampledGram(g, feature, shape, tokenIndex), teacherGram]);
  const sq = g.op('Mul', [diff, diff]);
  return aggregate === 'sum'
    ? g.op('ReduceSum', [sq, g.ints([1, 2])], [attr.int('keepdims', 0)])
    : g.op('ReduceMean', [sq], [attr.ints('axes', [1, 2]), attr.int('keepdims', 0)]);
}

export interface KdOptions {
  temperature: number;
  /** Standard distillation divides both logit sets by T; the released OPTIN code does not. */
  divideByTemperature: boolean;
}

/**
 * L_KD per candidate: T² · Σ_batch KL(teacher ‖ student) of the class distributions.
 *
 * Removing one neuron moves the logits by ~1e-5, and the textbook form Σ p_t (log p_t − log p_s)
 * then cancels to float32 noise (~1e-6, even negative). We use the equivalent
 * KL = log Σ_c p_t,c·e^{u_c} = log(1 + Σ_c p_t,c·(e^{u_c} − 1 − u_c)), u = δ − Σ p_t δ, δ = s − t,
 * with Taylor series where e^u − 1 − u and log(1 + w) would cancel: small KLs stay accurate.
 */
export function kdLoss(g: GraphBuilder, logits: string, teacherLogits: string, batch: number, numLabels: number, opts: KdOptions): string {
  const scale = (t: string) => (opts.divideByTemperature ? g.op('Div', [t, g.scalar(opts.temperature)]) : t);
  const student = scale(g.op('Reshape', [logits, g.ints([-1, batch, numLabels])]));
  const teacher = scale(teacherLogits);
  const p = g.op('Softmax', [teacher], [attr.int('axis', -1)]);
  const delta = g.op('Sub', [student, teacher]);
  const mean = g.op('ReduceSum', [g.op('Mul', [p, delta]), g.ints([-1])], [attr.int('keepdims', 1)]);
  const u = g.op('Sub', [delta, mean]);
  // e^u − 1 − u: series u²(1/2 + u/6 + u²/24 + u³/120) for |u| < 0.1, else direct.
  const horner = (x: string, coeffs: number[]) => coeffs.slice(0, -1).reduceRight((acc, c) => g.op('Add', [g.scalar(c), g.op('Mul', [x, acc])]), g.scalar(coeffs.at(-1)!));
  const series = g.op('Mul', [g.op('Mul', [u, u]), horner(u, [1 / 2, 1 / 6, 1 / 24, 1 / 120])]);
  const direct = g.op('Sub', [g.op('Sub', [g.op('Exp', [u]), g.scalar(1)]), u]);
  const excess = g.op('Where', [g.op('Less', [g.op('Abs', [u]), g.scalar(0.1)]), series, direct]);
  const w = g.op('ReduceSum', [g.op('Mul', [p, excess]), g.ints([-1])], [attr.int('keepdims', 0)]);
  // log(1 + w): series w(1 − w/2 + w²/3 − w³/4) for w < 0.01, else direct.
  const logSeries = g.op('Mul', [w, horner(w, [1, -1 / 2, 1 / 3, -1 / 4])]);
  const klPerExample = g.op('Where', [g.op('Less', [w, g.scalar(0.01)]), logSeries, g.op('Log', [g.op('Add', [w, g.scalar(1)])])]);
  const sum = g.op('ReduceSum', [klPerExample, g.ints([1])], [attr.int('keepdims', 0)]);
  return g.op('Mul', [sum, g.scalar(opts.temperature * opts.temperature)]);
}
