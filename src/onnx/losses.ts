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

/** L_KD per candidate: T² · Σ_batch KL(teacher ‖ student) of the class distributions. */
export function kdLoss(g: GraphBuilder, logits: string, teacherLogits: string, batch: number, numLabels: number, opts: KdOptions): string {
  const scale = (t: string) => (opts.divideByTemperature ? g.op('Div', [t, g.scalar(opts.temperature)]) : t);
  const student = g.op('LogSoftmax', [scale(g.op('Reshape', [logits, g.ints([-1, batch, numLabels])]))], [attr.int('axis', -1)]);
  const teacherLog = g.op('LogSoftmax', [scale(teacherLogits)], [attr.int('axis', -1)]);
  const teacherP = g.op('Exp', [teacherLog]);
  const kl = g.op('Mul', [teacherP, g.op('Sub', [teacherLog, student])]);
  const sum = g.op('ReduceSum', [kl, g.ints([1, 2])], [attr.int('keepdims', 0)]);
  return g.op('Mul', [sum, g.scalar(opts.temperature * opts.temperature)]);
}
