/**
 * DeBERTa's disentangled attention terms (content-to-position and position-to-content) as ONNX
 * ops, added to a layer's attention scores. A head's terms use its own slices of the key/query
 * projections (or pos_key_proj/pos_query_proj), so removing a head removes them with it.
 *
 * Where the rows sit: graphs built for one calibration layout know every query row's position
 * (`QueryPositions`, static); the exported model knows only the input's length (dynamic: queries
 * and keys at 0..S-1). Either way the relative index depends on i − j alone, so packed rows (several
 * examples in one row, attending only within their own) see exactly their own positions' terms.
 */
import { relativeIndex } from '../model/deberta';
import type { EncoderLayerWeights, Linear, ModelSpec } from '../model/spec';
import { linear } from './ops';
import { attr, GraphBuilder } from './proto';

/**
 * Static positions of the query rows a graph computes: in each of `groups` row groups (row r of
 * the batch, and of each candidate's copy of it, uses group r mod groups), the positions of its
 * `rows` query rows; keys are at 0..seq-1.
 */
export interface QueryPositions {
  groups: number;
  rows: number;
  seq: number;
  /** [groups · rows] query positions. */
  query: number[];
}

/** Every row's queries at 0..seq-1 (a layout whose rows all start at position 0). */
export function allPositions(seq: number): QueryPositions {
  return { groups: 1, rows: seq, seq, query: Array.from({ length: seq }, (_, i) => i) };
}

/** The relative-embedding index [G, Q, S] of each (query, key) pair, static or from the input's length. */
function relativeIndexTensor(g: GraphBuilder, spec: ModelSpec, like: string, positions?: QueryPositions): string {
  const rel = spec.relative!;
  if (positions) {
    const { groups, rows, seq, query } = positions;
    // Every layer of a graph uses the same index: one initializer.
    return g.int64Weight(`relative.index:${groups}:${seq}:${query.join(',')}`, [groups, rows, seq], () => {
      const data = new Array<number>(groups * rows * seq);
      for (let q = 0; q < groups * rows; q++) for (let j = 0; j < seq; j++) data[q * seq + j] = relativeIndex(rel, query[q] - j);
      return data;
    });
  }
  // The index of every distance i − j in [−(M−1), M−1], looked up for the input's S×S pairs.
  const M = rel.maxLength;
  const table = g.int64Weight('relative.index_by_distance', [2 * M - 1], () => Array.from({ length: 2 * M - 1 }, (_, t) => relativeIndex(rel, t - (M - 1))));
  const seqLen = g.op('Squeeze', [g.op('Slice', [g.op('Shape', [like]), g.ints([-2]), g.ints([-1])]), g.ints([0])]);
  const range = g.op('Range', [g.int(0), seqLen, g.int(1)]);
  const distance = g.op('Sub', [g.op('Unsqueeze', [range, g.ints([1])]), g.op('Unsqueeze', [range, g.ints([0])])]);
  return g.op('Unsqueeze', [g.op('Gather', [table, g.op('Add', [distance, g.int(M - 1)])]), g.ints([0])]);
}

/**
 * out[n, h, i, j] = data[n, h, i, index[i, j]] (axis 3) or data[n, h, index[i, j], j] (axis 2),
 * with the index of row n's group: data [N, H, ·, ·] is viewed as [N/G, G, H, ·, ·].
 */
function gatherByGroup(g: GraphBuilder, data: string, index: string, groups: number, axis: 2 | 3): string {
  const shape = g.op('Shape', [data]);
  const grouped = g.op('Reshape', [data, g.op('Concat', [g.ints([-1, groups]), g.op('Slice', [shape, g.ints([1]), g.ints([4])])], [attr.int('axis', 0)])]);
  const index5 = g.op('Unsqueeze', [index, g.ints([0, 2])]); // [1, G, 1, Q, S]
  const groupedShape = g.op('Shape', [grouped]);
  const indexShape = g.op('Shape', [index5]);
  const target = g.op('Concat', [
    g.op('Slice', [groupedShape, g.ints([0]), g.ints([3])]),
    g.op('Slice', [indexShape, g.ints([3]), g.ints([5])]),
  ], [attr.int('axis', 0)]); // [N/G, G, H, Q, S]
  const picked = g.op('GatherElements', [grouped, g.op('Expand', [index5, target])], [attr.int('axis', axis + 1)]);
  const out = g.op('Concat', [g.op('Slice', [shape, g.ints([0]), g.ints([2])]), g.op('Slice', [indexShape, g.ints([3]), g.ints([5])])], [attr.int('axis', 0)]);
  return g.op('Reshape', [picked, out]);
}

/** The relative embeddings projected by a layer's (pruned) key or query map, per head: [H, 2·span, d]. */
function projected(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, map: Linear, heads: number, name: string): string {
  const table = w.relativeEmbeddings!;
  const rel = g.sharedWeight('encoder.rel_embeddings', table.shape, table.data);
  const p = linear(g, rel, map, name); // [2A, H·d]
  return g.op('Transpose', [g.op('Reshape', [p, g.ints([table.shape[0], heads, spec.headDim])])], [attr.ints('perm', [1, 0, 2])]);
}

/** √(d · (1 + #terms)): DeBERTa scales content and position terms alike. */
export function relativeScale(spec: ModelSpec): number {
  const rel = spec.relative!;
  return Math.sqrt(spec.headDim * (1 + Number(rel.c2p) + Number(rel.p2c)));
}

/**
 * The c2p + p2c terms [N, H, Q, S] of a layer, unscaled: q [N, H, Q, d] queries, kT [N, H, d, S]
 * keys (transposed, as the content scores use them).
 */
export function relativeTerms(g: GraphBuilder, spec: ModelSpec, w: EncoderLayerWeights, layer: number, q: string, kT: string, heads: number, positions?: QueryPositions): string | undefined {
  const rel = spec.relative!;
  const index = relativeIndexTensor(g, spec, q, positions);
  const groups = positions?.groups ?? 1;
  const name = `layer.${layer}.attention.relative`;
  let terms: string | undefined;
  if (rel.c2p) {
    const posKey = projected(g, spec, w, w.posKey ?? w.key, heads, `${name}.pos_key`); // [H, 2A, d]
    const c2p = g.op('MatMul', [q, g.op('Transpose', [posKey], [attr.ints('perm', [0, 2, 1])])]); // [N, H, Q, 2A]
    terms = gatherByGroup(g, c2p, index, groups, 3);
  }
  if (rel.p2c) {
    const posQuery = projected(g, spec, w, w.posQuery ?? w.query, heads, `${name}.pos_query`); // [H, 2A, d]
    const p2c = gatherByGroup(g, g.op('MatMul', [posQuery, kT]), index, groups, 2); // [N, H, 2A, S] -> [N, H, Q, S]
    terms = terms ? g.op('Add', [terms, p2c]) : p2c;
  }
  return terms;
}
