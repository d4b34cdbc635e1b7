/**
 * Packing of the calibration sequences for scoring. A text calibration batch is padded to its
 * longest example, and every candidate would run the later layers over that padding. The scorer
 * resumes from cached layer inputs (the embeddings, the only place position ids enter, are
 * behind it), so the cached rows of several short examples can share one row of the same length:
 * a block-diagonal attention mask keeps each example attending to its own tokens only. The
 * result is exact: masked keys get a weight of exactly 0, and per-token operations do not care
 * which row a token sits in.
 */
import { ScoringLayout, unpackedLayout } from '../onnx/segments';
import type { Baseline } from './calibration';
import type { CalibrationShape } from '../onnx/losses';

/** Where one example's tokens sit in the packed layout. */
export interface Placement {
  row: number;
  offset: number;
  length: number;
}

export interface Packing {
  /** Packed rows B' and their length S' (the padded length of the batch). */
  rows: number;
  seq: number;
  place: Placement[];
}

/**
 * Real lengths of a right-padded [B, S] attention mask, or undefined when some row is not
 * right-padded (then packing is not attempted: the graphs stay unpacked and exact).
 */
export function rightPaddedLengths(mask: BigInt64Array, batch: number, seq: number): number[] | undefined {
  const lengths: number[] = [];
  for (let b = 0; b < batch; b++) {
    let n = 0;
    while (n < seq && mask[b * seq + n] !== 0n) n++;
    for (let s = n; s < seq; s++) if (mask[b * seq + s] !== 0n) return undefined;
    lengths.push(n);
  }
  return lengths;
}

/** First-fit decreasing bin packing of the examples into rows of `seq` tokens. */
export function packSequences(lengths: number[], seq: number): Packing {
  const order = lengths.map((_, b) => b).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const used: number[] = [];
  const place: Placement[] = new Array(lengths.length);
  for (const b of order) {
    const n = Math.max(1, lengths[b]);
    let row = used.findIndex((u) => u + n <= seq);
    if (row < 0) {
      row = used.length;
      used.push(0);
    }
    place[b] = { row, offset: used[row], length: lengths[b] };
    used[row] += n;
  }
  return { rows: used.length, seq, place };
}

/** A position in the unpacked [B·S] layout, in the packed [B'·S'] layout. */
export function packedPosition(p: Packing, unpackedSeq: number, flat: number): number {
  const b = Math.floor(flat / unpackedSeq);
  const s = flat % unpackedSeq;
  return p.place[b].row * p.seq + p.place[b].offset + s;
}

/** Copies each example's real rows of a [B, S, W] tensor into the packed [B', S', W] (zeros elsewhere). */
export function repack(data: Float32Array, width: number, unpackedSeq: number, p: Packing): Float32Array {
  const out = new Float32Array(p.rows * p.seq * width);
  p.place.forEach((pl, b) => {
    const from = b * unpackedSeq * width;
    out.set(data.subarray(from, from + pl.length * width), (pl.row * p.seq + pl.offset) * width);
  });
  return out;
}

/** Segment id (the example) of every packed position, -1 where no example sits. */
export function packedSegments(p: Packing): Int32Array {
  const seg = new Int32Array(p.rows * p.seq).fill(-1);
  p.place.forEach((pl, b) => seg.fill(b, pl.row * p.seq + pl.offset, pl.row * p.seq + pl.offset + pl.length));
  return seg;
}

/** What the scorer's graphs run on: the layout and each layer's cached input in that layout. */
export interface ScoringInput {
  layout: ScoringLayout;
  hidden: Float32Array[];
  packing?: Packing;
}

/**
 * A calibration batch's layout: packed when `pack` and packing saves rows (text, right-padded),
 * else as padded. Vision batches have no padding and stay as they are. `tokenIndex` (positions in
 * the unpacked batch) is carried into the layout.
 */
export function calibrationLayout(shape: CalibrationShape, mask: BigInt64Array | undefined, tokenIndex: number[], pack = true): { layout: ScoringLayout; packing?: Packing } {
  const lengths = mask && pack ? rightPaddedLengths(mask, shape.batch, shape.seq) : undefined;
  const packing = lengths ? packSequences(lengths, shape.seq) : undefined;
  if (!packing || packing.rows >= shape.batch) return { layout: unpackedLayout(shape, tokenIndex, mask) };
  const layout: ScoringLayout = {
    shape: { batch: packing.rows, seq: packing.seq, hidden: shape.hidden },
    examples: shape.batch,
    segments: packedSegments(packing),
    starts: packing.place.map((pl) => pl.row * packing.seq + pl.offset),
    tokenIndex: tokenIndex.map((t) => packedPosition(packing, shape.seq, t)),
  };
  return { layout, packing };
}

/** Flat positions of the real tokens in a layout (packed: occupied positions; padded: the key mask's ones). */
export function realPositions(layout: ScoringLayout): number[] {
  const { batch, seq } = layout.shape;
  const out: number[] = [];
  for (let i = 0; i < batch * seq; i++) {
    if (layout.segments ? layout.segments[i] >= 0 : !layout.keyMask || layout.keyMask[i] !== 0n) out.push(i);
  }
  return out;
}

/** The calibration batch laid out for scoring (see calibrationLayout), with each layer's cached input in that layout. */
export function scoringInput(baseline: Baseline, pack = true): ScoringInput {
  const { shape, mask } = baseline;
  const { layout, packing } = calibrationLayout(shape, mask, baseline.teacher.tokenIndex, pack);
  if (!packing) return { layout, hidden: baseline.hidden };
  return { layout, hidden: baseline.hidden.map((h) => repack(h, shape.hidden, shape.seq, packing)), packing };
}
