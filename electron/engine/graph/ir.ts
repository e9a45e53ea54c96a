// The engine's one model definition is a graph of a small set of tensor ops
// (ops.ts); this file holds the graph itself. Nodes are immutable and know
// their shape, so a definition fails at build time, not at run time, when
// shapes do not fit. Every lowering (ONNX Runtime, tfjs, the float64
// interpreter of the tests) walks the same nodes.

export type Shape = readonly number[];

export type AttrValue = number | boolean | string | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly shape: Shape;
  readonly graph: Graph;
}

/** Named graph inputs (fed each run) and outputs (fetched), plus every node in creation order. */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs = new Map<string, Node>();
  readonly outputs = new Map<string, Node>();
  private readonly scalars = new Map<number, Node>();

  constructor(readonly name: string) {}

  add(op: string, inputs: readonly Node[], attrs: Attrs, shape: Shape): Node {
    for (const i of inputs) if (i.graph !== this) throw new Error(`${op}: an input belongs to another graph`);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${op}: bad shape [${shape.join(', ')}]`);
    const n: Node = { id: this.nodes.length, op, inputs, attrs, shape: [...shape], graph: this };
    this.nodes.push(n);
    return n;
  }

  input(name: string, shape: Shape): Node {
    if (this.inputs.has(name)) throw new Error(`graph ${this.name}: the input ${name} exists`);
    const n = this.add('input', [], { name }, shape);
    this.inputs.set(name, n);
    return n;
  }

  output(name: string, n: Node): void {
    if (this.outputs.has(name)) throw new Error(`graph ${this.name}: the output ${name} exists`);
    this.outputs.set(name, n);
  }

  /** A constant tensor (row-major values). */
  constant(values: ArrayLike<number>, shape: Shape): Node {
    if (values.length !== size(shape)) throw new Error(`constant: ${values.length} values for shape [${shape.join(', ')}]`);
    return this.add('const', [], { values: Array.from(values) }, shape);
  }

  /** A scalar constant (one node per value). */
  scalar(v: number): Node {
    let n = this.scalars.get(v);
    if (!n) {
      n = this.constant([v], []);
      this.scalars.set(v, n);
    }
    return n;
  }
}

export const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** numpy broadcasting of two shapes; throws naming the op when they do not fit. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

/** Nodes that `roots` depend on, inputs before their users. */
export function topoOrder(roots: readonly Node[]): Node[] {
  const seen = new Set<number>();
  const order: Node[] = [];
  // Iterative: deep networks make deep graphs.
  const stack: [Node, number][] = roots.map((r) => [r, 0]);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [n, i] = top;
    if (i === 0 && seen.has(n.id)) {
      stack.pop();
      continue;
    }
    if (i < n.inputs.length) {
      top[1]++;
      const c = n.inputs[i];
      if (!seen.has(c.id)) stack.push([c, 0]);
      continue;
    }
    stack.pop();
    if (!seen.has(n.id)) {
      seen.add(n.id);
      order.push(n);
    }
  }
  return order;
}

/** The nodes every output needs, in evaluation order. */
export const outputOrder = (g: Graph): Node[] => topoOrder([...g.outputs.values()]);

/** Floating-point operations of a graph's products (2·m·n·k each): what decides its thread count. */
export function graphFlops(g: Graph): number {
  let flops = 0;
  for (const n of outputOrder(g)) {
    if (n.op !== 'matmul') continue;
    const a = n.inputs[0].shape;
    const k = n.attrs.transA ? a[0] : a[1];
    flops += 2 * n.shape[0] * n.shape[1] * k;
  }
  return flops;
}
