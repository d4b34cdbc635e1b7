import { onnx } from 'onnx-proto';

/** ONNX opset we build against: 17 brings LayerNormalization as a single op. */
export const OPSET = 17;
export const IR_VERSION = 8;

export const ElemType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  INT64: onnx.TensorProto.DataType.INT64,
  DOUBLE: onnx.TensorProto.DataType.DOUBLE,
} as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

export type Dim = number | string;

/** Attribute constructors, explicit about the ONNX type (an integer-valued float stays a float). */
export const attr = {
  int: (name: string, i: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  string: (name: string, value: string): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) }),
  float: (name: string, f: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f }),
  ints: (name: string, ints: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  tensor: (name: string, t: onnx.ITensorProto): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.TENSOR, t }),
};

function valueInfo(name: string, elemType: ElemType, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: ElemType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function int64Tensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dims, dataType: ElemType.INT64, rawData: new Uint8Array(data.buffer) };
}

/**
 * Accumulates nodes, initializers, inputs and outputs of one ONNX graph and serialises it.
 * Names are made unique with a prefix counter so building blocks can be composed freely.
 */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attributes: onnx.IAttributeProto[] = [], outputName?: string): string {
    const out = outputName ?? this.fresh(opType);
    this.nodes.push({ opType, input: inputs, output: [out], name: this.fresh(`n_${opType}`), attribute: attributes });
    return out;
  }

  /** Adds a node with several outputs (TopK's values and indices) and returns their names. */
  opMulti(opType: string, inputs: string[], outputs: number, attributes: onnx.IAttributeProto[] = []): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType));
    this.nodes.push({ opType, input: inputs, output: names, name: this.fresh(`n_${opType}`), attribute: attributes });
    return names;
  }

  /** A float32 initializer (weights). */
  weight(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  /** A float32 initializer that several parts of the graph use (DeBERTa's relative embeddings): added once under its name. */
  sharedWeight(name: string, dims: number[], data: Float32Array): string {
    if (!this.constCache.has(`w:${name}`)) {
      this.initializers.push(floatTensor(name, dims, data));
      this.constCache.set(`w:${name}`, name);
    }
    return name;
  }

  /** An int64 initializer of any shape (index tables), once per distinct `key`. */
  int64Weight(key: string, dims: number[], values: () => ArrayLike<number>): string {
    return this.cached(`i64:${key}`, 'const_i64', (n) => int64Tensor(n, dims, Array.from(values())));
  }

  /** A float32 constant of any shape, once per distinct `key` (tables several layers share). */
  floatConstant(key: string, dims: number[], values: () => Float32Array): string {
    return this.cached(`f32:${key}`, 'const_f32', (n) => floatTensor(n, dims, values()));
  }

  /** One initializer per distinct constant value, shared by every node that uses it. */
  private cached(key: string, prefix: string, make: (name: string) => onnx.ITensorProto): string {
    let name = this.constCache.get(key);
    if (!name) {
      name = this.fresh(prefix);
      this.initializers.push(make(name));
      this.constCache.set(key, name);
    }
    return name;
  }

  /** A float scalar constant. */
  scalar(value: number): string {
    return this.cached(`f:${value}`, 'const_f', (n) => floatTensor(n, [], new Float32Array([value])));
  }

  /** An int64 vector constant (shapes, axes, indices). */
  ints(values: number[]): string {
    return this.cached(`i:${values.join(',')}`, 'const_i', (n) => int64Tensor(n, [values.length], values));
  }

  /** An int64 scalar constant. */
  int(value: number): string {
    return this.cached(`is:${value}`, 'const_is', (n) => int64Tensor(n, [], [value]));
  }

  input(name: string, elemType: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output; renames the value with an Identity if needed. */
  output(value: string, name: string, elemType: ElemType, dims: Dim[]): void {
    if (value !== name) this.op('Identity', [value], [], name);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  inputNames(): string[] {
    return this.inputs.map((i) => i.name ?? '');
  }

  outputNames(): string[] {
    return this.outputs.map((o) => o.name ?? '');
  }

  toBytes(docString = ''): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'optin-vscode',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
