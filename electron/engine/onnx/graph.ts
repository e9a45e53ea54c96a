// Builds ONNX graphs node by node and encodes them with the ONNX schema
// (onnx-proto). Values are named strings; every helper returns the name of its
// output, so graph code reads like the tensor code it mirrors.
import { onnx } from 'onnx-proto';

/** A tensor in the graph, by name. */
export type Value = string;
/** A dimension: a size, or a symbolic name for a size fixed at run time. */
export type Dim = number | string;

export const OPSET = 17;
const IR_VERSION = 8;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Element type of graph inputs and outputs (constants are float32 or int64). */
export type ElemType = 'float32' | 'float64';
const elem = (t: ElemType) => (t === 'float64' ? DOUBLE : FLOAT);

type AttrValue = number | number[] | string;
/** Attributes; numbers are ints unless listed in `floats`. */
type Attrs = Record<string, AttrValue>;

function attribute(name: string, v: AttrValue, isFloat: boolean): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: Buffer.from(v) };
  if (Array.isArray(v)) return isFloat ? { name, type: T.FLOATS, floats: v } : { name, type: T.INTS, ints: v };
  return isFloat ? { name, type: T.FLOAT, f: v } : { name, type: T.INT, i: v };
}

const valueInfo = (name: string, shape: Dim[], elemType = FLOAT): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  /** Value -> the node that produces it. */
  private readonly producer = new Map<Value, onnx.INodeProto>();
  private readonly constants = new Map<string, Value>();
  private readonly names = new Set<string>();
  /** Values renamed by output(): later uses of the old name mean the new one. */
  private readonly renamed = new Map<Value, Value>();
  private count = 0;

  constructor(readonly name: string) {}

  private fresh(hint: string): Value {
    let v: Value;
    do v = `${hint}_${this.count++}`;
    while (this.names.has(v));
    this.names.add(v);
    return v;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`GraphBuilder: the name ${name} is taken`);
    this.names.add(name);
  }

  input(name: string, shape: Dim[], type: ElemType = 'float32'): Value {
    this.claim(name);
    this.inputs.push(valueInfo(name, shape, elem(type)));
    return name;
  }

  /** Makes `value` a graph output called `name` (renaming its node's output when it can). */
  output(value: Value, name: string, shape: Dim[], type: ElemType = 'float32'): void {
    value = this.renamed.get(value) ?? value;
    const node = this.producer.get(value);
    const isOutput = this.outputs.some((o) => o.name === value);
    if (node && !isOutput && value !== name) {
      this.claim(name);
      node.output = node.output!.map((o) => (o === value ? name : o));
      for (const n of this.nodes) n.input = n.input!.map((i) => (i === value ? name : i));
      this.producer.delete(value);
      this.producer.set(name, node);
      this.renamed.set(value, name);
    } else if (value !== name) {
      this.claim(name);
      this.addNode('Identity', [value], {}, [name]);
    }
    this.outputs.push(valueInfo(name, shape, elem(type)));
  }

  private addNode(opType: string, input: Value[], attrs: Attrs, output: Value[], floats: string[] = []): void {
    const node: onnx.INodeProto = {
      opType,
      input: input.map((v) => this.renamed.get(v) ?? v),
      output,
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v, floats.includes(k))),
    };
    this.nodes.push(node);
    for (const o of output) this.producer.set(o, node);
  }

  /** One node with one output. */
  op(opType: string, input: Value[], attrs: Attrs = {}, floats: string[] = []): Value {
    const out = this.fresh(opType.toLowerCase());
    this.addNode(opType, input, attrs, [out], floats);
    return out;
  }

  /** A float32 constant (scalars are shared). */
  floats(values: ArrayLike<number>, dims: number[]): Value {
    const key = dims.length === 0 ? `f:${Math.fround(values[0])}` : null;
    if (key && this.constants.has(key)) return this.constants.get(key)!;
    const name = this.fresh('const');
    this.initializers.push({ name, dataType: FLOAT, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    if (key) this.constants.set(key, name);
    return name;
  }

  scalar(v: number): Value {
    return this.floats([v], []);
  }

  /** An int64 vector constant (axes, shapes, slice bounds). */
  ints(values: number[]): Value {
    const key = `i:${values.join(',')}`;
    if (this.constants.has(key)) return this.constants.get(key)!;
    const name = this.fresh('ints');
    this.initializers.push({ name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    this.constants.set(key, name);
    return name;
  }

  // Elementwise (numpy broadcasting).
  add = (a: Value, b: Value) => this.op('Add', [a, b]);
  sub = (a: Value, b: Value) => this.op('Sub', [a, b]);
  mul = (a: Value, b: Value) => this.op('Mul', [a, b]);
  div = (a: Value, b: Value) => this.op('Div', [a, b]);
  neg = (a: Value) => this.op('Neg', [a]);
  sqrt = (a: Value) => this.op('Sqrt', [a]);
  reciprocal = (a: Value) => this.op('Reciprocal', [a]);
  square = (a: Value) => this.op('Mul', [a, a]);
  /** a·c for a number c. */
  scale = (a: Value, c: number) => this.mul(a, this.scalar(c));
  /** Sum of any number of values (one node). */
  sum = (vs: Value[]) => (vs.length === 1 ? vs[0] : this.op('Sum', vs));

  /** a·b + c with optional transposes (MLAS reads transposed operands directly). */
  gemm(a: Value, b: Value, opts: { c?: Value; transA?: boolean; transB?: boolean; alpha?: number } = {}): Value {
    const attrs: Attrs = {};
    if (opts.transA) attrs.transA = 1;
    if (opts.transB) attrs.transB = 1;
    if (opts.alpha !== undefined) attrs.alpha = opts.alpha;
    return this.op('Gemm', opts.c ? [a, b, opts.c] : [a, b], attrs, ['alpha']);
  }

  /** Sum over `axes` (all when omitted). */
  reduceSum(x: Value, axes?: number[], keepdims = false): Value {
    return this.op('ReduceSum', axes ? [x, this.ints(axes)] : [x], { keepdims: keepdims ? 1 : 0 });
  }

  reduceMean(x: Value, axes?: number[], keepdims = false): Value {
    return this.op('ReduceMean', [x], { ...(axes ? { axes } : {}), keepdims: keepdims ? 1 : 0 });
  }

  reduceSumSquare(x: Value, axes?: number[], keepdims = false): Value {
    return this.op('ReduceSumSquare', [x], { ...(axes ? { axes } : {}), keepdims: keepdims ? 1 : 0 });
  }

  /** A scalar as a vector of length 1 (for Concat). */
  toVector = (x: Value) => this.op('Unsqueeze', [x, this.ints([0])]);

  concat = (vs: Value[], axis = 0) => this.op('Concat', vs, { axis });

  /** Rows [start, end) of a matrix. */
  rows = (x: Value, start: number, end: number) => this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([0])]);

  encode(producerVersion: string): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'racecar-workbench',
      producerVersion,
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    return onnx.ModelProto.encode(model).finish();
  }

  /** Node count by operator type (tests and the bench look at the graph's size). */
  opCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.nodes) out[n.opType!] = (out[n.opType!] ?? 0) + 1;
    return out;
  }
}
