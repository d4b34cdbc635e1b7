import type { Activation, LayerNormWeights, Linear } from '../model/spec';
import { attr, GraphBuilder } from './proto';

/** PyTorch stores Linear weights [out, in]; MatMul wants [in, out]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** y = x · Wᵀ + b over the last axis. */
export function linear(g: GraphBuilder, x: string, lin: Linear, name: string): string {
  const [out, inp] = lin.weight.shape;
  const w = g.weight(`${name}.weight`, [inp, out], transpose2d(lin.weight.data, out, inp));
  const b = g.weight(`${name}.bias`, [out], lin.bias.data);
  return g.op('Add', [g.op('MatMul', [x, w]), b]);
}

export function layerNorm(g: GraphBuilder, x: string, ln: LayerNormWeights, eps: number, name: string): string {
  const scale = g.weight(`${name}.weight`, ln.weight.shape, ln.weight.data);
  const bias = g.weight(`${name}.bias`, ln.bias.shape, ln.bias.data);
  return g.op('LayerNormalization', [x, scale, bias], [attr.int('axis', -1), attr.float('epsilon', eps)]);
}

/** Activations as Hugging Face defines them (`gelu` is the exact erf form). */
export function activation(g: GraphBuilder, x: string, act: Activation): string {
  switch (act) {
    case 'gelu': {
      const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])]);
      return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [erf, g.scalar(1)])]);
    }
    case 'gelu_tanh': {
      const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
      const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
      return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])]);
    }
    case 'relu':
      return g.op('Relu', [x]);
    case 'silu':
      return g.op('Mul', [x, g.op('Sigmoid', [x])]);
  }
}

/** A tensor shaped like `like` (over all but the last axis) that holds `bias` everywhere. */
export function broadcastBias(g: GraphBuilder, like: string, bias: Float32Array, name: string): string {
  // ConstantOfShape defaults to float32 zeros.
  const zeros = g.op('ConstantOfShape', [g.op('Shape', [like])]);
  return g.op('Add', [zeros, g.weight(name, [bias.length], bias)]);
}
