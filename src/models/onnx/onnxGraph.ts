import onnxProto from 'onnx-proto';
import type { onnx as OnnxNs } from 'onnx-proto';
import { EnsembleGymError } from '../../core/errors.js';

/**
 * Small, general helpers to write ONNX models from TypeScript with the `onnx-proto` definitions:
 * tensors from typed arrays, nodes with typed attributes, value infos with symbolic dimensions, and a
 * `GraphBuilder` that names intermediate values so graph code reads like the math it computes.
 * Used by the tiny decoder (`buildDecoderOnnx`) and by policy export (MLP actors).
 *
 * ```ts
 * const g = new GraphBuilder('affine');
 * const x = g.input('x', DataType.FLOAT, ['batch', 3]);
 * const w = g.initializer('w', floatTensor([3, 2], new Float32Array(6)));
 * g.output(g.op('MatMul', [x, w]), 'y', DataType.FLOAT, ['batch', 2]);
 * const bytes = g.build(); // Uint8Array, loadable by onnxruntime
 * ```
 */
export const onnx = onnxProto.onnx;

/** A tensor message (initializer or attribute value). */
export type ITensorProto = OnnxNs.ITensorProto;
/** A node message. */
export type INodeProto = OnnxNs.INodeProto;
/** A typed value (graph input/output) message. */
export type IValueInfoProto = OnnxNs.IValueInfoProto;
type IAttributeProto = OnnxNs.IAttributeProto;

/** ONNX element types used in this package (values of `TensorProto.DataType`). */
export const DataType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;
/** One of `DataType`'s values. */
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** Default opset of models built here: 17 is the first with `LayerNormalization` and is widely supported. */
export const DEFAULT_OPSET = 17;
/** IR version 8 pairs with opset 17 (onnx 1.12+); onnxruntime >= 1.12 loads it. */
export const DEFAULT_IR_VERSION = 8;

/** A tensor dimension: a fixed size, or a symbolic name (`'batch'`) shared by inputs that agree. */
export type Dim = number | string;

/** Thrown when graph-building inputs are inconsistent (data length vs dims, duplicate names). */
export class OnnxGraphError extends EnsembleGymError {}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkLength(kind: string, name: string, dims: readonly number[], length: number): void {
  if (product(dims) !== length) {
    throw new OnnxGraphError(
      `${kind} tensor "${name}": data has ${length} elements but dims [${dims.join(', ')}] need ${product(dims)}. Pass dims whose product equals the data length.`,
    );
  }
}

/** Little-endian bytes of a typed array (ONNX `raw_data` is little-endian on every platform). */
function rawBytes(data: Float32Array | BigInt64Array | Int32Array | Float64Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(i * 8, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

/** A float32 tensor with `dims` (row-major data); `name` is set when it is used as an initializer. */
export function floatTensor(dims: readonly number[], data: Float32Array | readonly number[], name = ''): ITensorProto {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  checkLength('float32', name, dims, arr.length);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: rawBytes(arr) };
}

/** An int64 tensor with `dims`; numbers must be safe integers. */
export function int64Tensor(dims: readonly number[], data: BigInt64Array | readonly number[], name = ''): ITensorProto {
  const arr = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  checkLength('int64', name, dims, arr.length);
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: rawBytes(arr) };
}

/** An int32 tensor with `dims`. */
export function int32Tensor(dims: readonly number[], data: Int32Array | readonly number[], name = ''): ITensorProto {
  const arr = data instanceof Int32Array ? data : Int32Array.from(data);
  checkLength('int32', name, dims, arr.length);
  return { name, dims: [...dims], dataType: DataType.INT32, rawData: rawBytes(arr) };
}

/** A typed attribute value; build one with `attr.*` so ints and floats are never confused. */
export type AttributeValue = Omit<IAttributeProto, 'name'>;

const AT = onnx.AttributeProto.AttributeType;

/** Constructors of typed attribute values for `node` / `GraphBuilder.op`. */
export const attr = {
  /** An INT attribute (axis, keepdims, ...). */
  int: (v: number): AttributeValue => ({ type: AT.INT, i: v }),
  /** A FLOAT attribute (epsilon, alpha, ...). */
  float: (v: number): AttributeValue => ({ type: AT.FLOAT, f: v }),
  /** An INTS attribute (perm, axes in older opsets, ...). */
  ints: (v: readonly number[]): AttributeValue => ({ type: AT.INTS, ints: [...v] }),
  /** A FLOATS attribute. */
  floats: (v: readonly number[]): AttributeValue => ({ type: AT.FLOATS, floats: [...v] }),
  /** A STRING attribute (UTF-8 encoded). */
  string: (v: string): AttributeValue => ({ type: AT.STRING, s: new TextEncoder().encode(v) }),
  /** A TENSOR attribute (the `value` of a `Constant` node). */
  tensor: (t: ITensorProto): AttributeValue => ({ type: AT.TENSOR, t }),
};

/** A node computing `outputs` from `inputs` with operator `opType` (default domain) and named attributes. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeValue>> = {},
  name = '',
): INodeProto {
  return {
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    attribute: Object.entries(attributes).map(([n, a]) => ({ name: n, ...a })),
  };
}

/** A typed tensor value (graph input/output) with fixed or symbolic dimensions. */
export function valueInfo(name: string, elemType: DataTypeValue, dims: readonly Dim[]): IValueInfoProto {
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

/** Everything a model needs; `opset` defaults to 17, `producerName` to the package name. */
export interface ModelParts {
  readonly graphName: string;
  readonly nodes: readonly INodeProto[];
  readonly inputs: readonly IValueInfoProto[];
  readonly outputs: readonly IValueInfoProto[];
  readonly initializers?: readonly ITensorProto[];
  readonly opset?: number;
  readonly producerName?: string;
  readonly docString?: string;
  /** Key/value metadata stored in the model (e.g. config fields). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Serializes a model (ModelProto bytes) from its parts. */
export function buildModel(p: ModelParts): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: DEFAULT_IR_VERSION,
    producerName: p.producerName ?? 'llm-ensemble-gym',
    producerVersion: '0.1.0',
    docString: p.docString ?? '',
    opsetImport: [{ domain: '', version: p.opset ?? DEFAULT_OPSET }],
    metadataProps: Object.entries(p.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: p.graphName,
      node: [...p.nodes],
      input: [...p.inputs],
      output: [...p.outputs],
      initializer: [...(p.initializers ?? [])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Parses serialized model bytes (for inspection and tests). */
export function decodeModel(bytes: Uint8Array): OnnxNs.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/**
 * Accumulates nodes, initializers, inputs and outputs; generates unique names for intermediate
 * values so each `op` call returns the name of what it computed.
 */
export class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly inits: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** Starts an empty graph called `graphName`. */
  constructor(readonly graphName: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) {
      throw new OnnxGraphError(`graph "${this.graphName}": value name "${name}" is used twice. Give each value a unique name.`);
    }
    this.names.add(name);
    return name;
  }

  /** A value name starting with `hint` that no value uses yet (claimed when a value takes it). */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, elemType: DataTypeValue, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  /** Adds an initializer (weights, constants) under `name` and returns the name. */
  initializer(name: string, tensor: ITensorProto): string {
    this.inits.push({ ...tensor, name: this.claim(name) });
    return name;
  }

  /** Adds a float32 constant initializer with a generated name (`hint` prefix). */
  constFloat(hint: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    return this.initializer(this.fresh(hint), floatTensor(dims, data));
  }

  /** Adds an int64 constant initializer with a generated name (shapes, axes, indices). */
  constInt64(hint: string, dims: readonly number[], data: BigInt64Array | readonly number[]): string {
    return this.initializer(this.fresh(hint), int64Tensor(dims, data));
  }

  /** Adds a node with one output and returns the output's name (`outName` or a generated one). */
  op(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}, outName?: string): string {
    return this.opMulti(opType, inputs, 1, attributes, outName === undefined ? undefined : [outName])[0];
  }

  /** Adds a node with `nOutputs` outputs (e.g. `Split`) and returns their names. */
  opMulti(
    opType: string,
    inputs: readonly string[],
    nOutputs: number,
    attributes: Readonly<Record<string, AttributeValue>> = {},
    outNames?: readonly string[],
  ): string[] {
    const outs = (outNames ?? Array.from({ length: nOutputs }, () => this.fresh(opType.toLowerCase()))).map((n) => this.claim(n));
    this.nodes.push(node(opType, inputs, outs, attributes, `${opType}_${this.nodes.length}`));
    return outs;
  }

  /**
   * Declares `value` as a graph output called `name` (an Identity node renames it when the names
   * differ, so outputs keep stable public names).
   */
  output(value: string, name: string, elemType: DataTypeValue, dims: readonly Dim[]): void {
    if (value !== name) this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Serializes the graph as a model (opset 17 unless given). */
  build(opts: Omit<ModelParts, 'graphName' | 'nodes' | 'inputs' | 'outputs' | 'initializers'> = {}): Uint8Array {
    return buildModel({ ...opts, graphName: this.graphName, nodes: this.nodes, inputs: this.inputs, outputs: this.outputs, initializers: this.inits });
  }
}
