/**
 * Memory a scoring run needs, estimated before any work so a batch that cannot fit is refused
 * with the numbers instead of failing (or swapping) an hour in.
 */
import { UserError } from '../errors';
import { countParameters } from '../model/params';
import type { LoadedModel } from '../model/spec';
import type { CalibrationShape } from '../onnx/losses';

/** Activation bytes per candidate replica: hidden-size tensors, FFN activations, attention maps. */
export function bytesPerCandidate(model: LoadedModel, shape: CalibrationShape): number {
  const { batch, seq, hidden } = shape;
  const F = Math.max(...model.spec.neuronsPerLayer);
  const H = Math.max(...model.spec.headsPerLayer);
  return 4 * batch * seq * (8 * hidden + 2 * F + 2 * H * seq);
}

export interface MemoryEstimate {
  /** Weights held three times: our float32 copy, the serialised graph, ONNX Runtime's copy. */
  weightsBytes: number;
  /** Cached layer inputs and trajectory features of every layer, plus one probed layer. */
  cacheBytes: number;
  perCandidateBytes: number;
  /** With one candidate per ONNX Runtime call. */
  minimumBytes: number;
}

export function estimateScoringMemory(model: LoadedModel, shape: CalibrationShape): MemoryEstimate {
  const tokens = shape.batch * shape.seq;
  const weightsBytes = 3 * 4 * countParameters(model);
  const cacheBytes = 4 * tokens * (2 * model.spec.numLayers * shape.hidden + 4 * shape.hidden + Math.max(...model.spec.neuronsPerLayer));
  const perCandidateBytes = bytesPerCandidate(model, shape);
  return { weightsBytes, cacheBytes, perCandidateBytes, minimumBytes: weightsBytes + cacheBytes + perCandidateBytes };
}

const gib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);

/**
 * Refuses a batch that cannot fit in `limitBytes`; otherwise returns the activation budget for
 * candidate batches (what is left, at most 512 MiB: bigger batches gain little).
 */
export function checkScoringMemory(model: LoadedModel, shape: CalibrationShape, limitBytes: number): { estimate: MemoryEstimate; candidateBudgetBytes: number } {
  const estimate = estimateScoringMemory(model, shape);
  if (estimate.minimumBytes > limitBytes) {
    throw new UserError(
      `scoring a calibration batch of ${shape.batch} examples × ${shape.seq} tokens needs about ${gib(estimate.minimumBytes)} ` +
        `(weights ${gib(estimate.weightsBytes)}, cached layer inputs and features ${gib(estimate.cacheBytes)}, one candidate ${gib(estimate.perCandidateBytes)}), ` +
        `more than the memory limit of ${gib(limitBytes)}; lower calibration_size or max_seq_length, or raise memory_limit_mb.`,
    );
  }
  const left = limitBytes - estimate.weightsBytes - estimate.cacheBytes;
  return { estimate, candidateBudgetBytes: Math.min(512 * 2 ** 20, left) };
}
