// The op set. Each op is defined once here: its constructor (with shape
// inference) and its gradient rule (vjp: the inputs' gradients from the
// output's), written in the same ops. autodiff.ts derives every backward pass
// from these rules; the lowerings (onnx/lower.ts, tfjs/lower.ts and the tests'
// float64 interpreter) give each op its forward meaning on a runtime.
import { broadcastShapes, size, type Attrs, type Graph, type Node, type Shape } from './ir';

/** A node, or a number for a scalar constant in the graph of the other operand. */
export type Operand = Node | number;

/**
 * An op's gradient rule: the gradient of each input given the gradient `dy`
 * of the output `n` ('zero' for ops whose derivative is zero wherever it
 * exists, such as comparisons).
 */
export type Vjp = ((dy: Node, n: Node) => (Node | null)[]) | 'zero';

const VJP = new Map<string, Vjp>();

export function vjpOf(op: string): Vjp | undefined {
  return VJP.get(op);
}

function graphOf(...xs: Operand[]): Graph {
  for (const x of xs) if (typeof x !== 'number') return x.graph;
  throw new Error('an op needs at least one tensor operand');
}

const node = (g: Graph, x: Operand): Node => (typeof x === 'number' ? g.scalar(x) : x);

/** Registers an op's gradient rule (once per op; graph/conv.ts adds the convolutions'). */
export function define(op: string, vjp: Vjp): void {
  if (VJP.has(op)) throw new Error(`op ${op} is defined twice`);
  VJP.set(op, vjp);
}

// ---- Elementwise binary ops (numpy broadcasting) ------------------------------------------

/** The value of a scalar constant, else undefined. */
const scalarValue = (n: Node): number | undefined => (n.op === 'const' && n.shape.length === 0 ? (n.attrs.values as number[])[0] : undefined);

const FOLD: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

/**
 * Algebra with scalar constants, so that derived gradients carry no chains of
 * scalings (x·1, x·c1·c2, x + 0): fewer nodes for every runtime to dispatch.
 */
function simplify(op: string, x: Node, y: Node, shape: readonly number[]): Node | null {
  const cx = scalarValue(x);
  const cy = scalarValue(y);
  if (cx !== undefined && cy !== undefined && FOLD[op]) return x.graph.scalar(FOLD[op](cx, cy));
  const same = (n: Node) => n.shape.length === shape.length && n.shape.every((d, i) => d === shape[i]);
  if (op === 'mul') {
    if (cy === 1 && same(x)) return x;
    if (cx === 1 && same(y)) return y;
    // (x·c1)·c2 = x·(c1·c2)
    const c = cy ?? cx;
    const other = cy !== undefined ? x : y;
    if (c !== undefined && other.op === 'mul') {
      const inner = scalarValue(other.inputs[1]) ?? scalarValue(other.inputs[0]);
      if (inner !== undefined) {
        const base = scalarValue(other.inputs[1]) !== undefined ? other.inputs[0] : other.inputs[1];
        return mul(base, c * inner);
      }
    }
  }
  if ((op === 'add' || op === 'sub') && cy === 0 && same(x)) return x;
  if (op === 'add' && cx === 0 && same(y)) return y;
  if (op === 'div' && cy !== undefined) return mul(x, 1 / cy);
  return null;
}

function binary(op: string) {
  return (a: Operand, b: Operand): Node => {
    const g = graphOf(a, b);
    const x = node(g, a);
    const y = node(g, b);
    const shape = broadcastShapes(op, x.shape, y.shape);
    return simplify(op, x, y, shape) ?? g.add(op, [x, y], {}, shape);
  };
}

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const max = binary('max');
/** 1 where a >= b, else 0. */
export const ge = binary('ge');

/** The gradient of a broadcast operand: summed over the axes it was broadcast along. */
export function unbroadcast(dy: Node, shape: Shape): Node {
  if (dy.shape.length === shape.length && dy.shape.every((d, i) => d === shape[i])) return dy;
  const lead = dy.shape.length - shape.length;
  const axes: number[] = [];
  dy.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  // Only leading axes (a bias's gradient): one reduction, no reshape.
  if (axes.length === lead) return reshape(sum(dy, axes), shape);
  return reshape(sum(dy, axes, true), shape);
}

define('add', (dy, n) => [unbroadcast(dy, n.inputs[0].shape), unbroadcast(dy, n.inputs[1].shape)]);
define('sub', (dy, n) => [unbroadcast(dy, n.inputs[0].shape), unbroadcast(neg(dy), n.inputs[1].shape)]);
define('mul', (dy, n) => {
  const [a, b] = n.inputs;
  return [unbroadcast(mul(dy, b), a.shape), unbroadcast(mul(dy, a), b.shape)];
});
define('div', (dy, n) => {
  const [a, b] = n.inputs;
  return [unbroadcast(div(dy, b), a.shape), unbroadcast(neg(div(mul(dy, n), b)), b.shape)];
});
// As tf.maximum: the gradient goes to a where a >= b, else to b.
define('max', (dy, n) => {
  const [a, b] = n.inputs;
  const mask = ge(a, b);
  return [unbroadcast(mul(dy, mask), a.shape), unbroadcast(mul(dy, sub(1, mask)), b.shape)];
});
define('ge', 'zero');

/** Sum of any number of same-shaped (or broadcastable) tensors. */
export function addN(xs: Node[]): Node {
  if (xs.length === 0) throw new Error('addN needs at least one tensor');
  if (xs.length === 1) return xs[0];
  const shape = xs.reduce<Shape>((s, x) => broadcastShapes('addN', s, x.shape), []);
  return xs[0].graph.add('addN', xs, {}, shape);
}
define('addN', (dy, n) => n.inputs.map((x) => unbroadcast(dy, x.shape)));

// ---- Elementwise unary ops ----------------------------------------------------------------

function unary(op: string, vjp: Vjp) {
  define(op, vjp);
  return (x: Node): Node => x.graph.add(op, [x], {}, x.shape);
}

export const neg: (x: Node) => Node = unary('neg', (dy) => [neg(dy)]);
export const sqrt: (x: Node) => Node = unary('sqrt', (dy, y) => [div(dy, mul(y, 2))]);
/** 1/sqrt(x). */
export const rsqrt: (x: Node) => Node = unary('rsqrt', (dy, y) => [mul(dy, mul(mul(y, square(y)), -0.5))]);
export const reciprocal: (x: Node) => Node = unary('reciprocal', (dy, y) => [neg(mul(dy, square(y)))]);
export const exp: (x: Node) => Node = unary('exp', (dy, y) => [mul(dy, y)]);
export const log: (x: Node) => Node = unary('log', (dy, y) => [div(dy, y.inputs[0])]);
export const square: (x: Node) => Node = unary('square', (dy, y) => [mul(dy, mul(y.inputs[0], 2))]);
/** 1 where x > 0, else 0. */
export const step: (x: Node) => Node = unary('step', 'zero');
// From the output: relu(x) > 0 exactly where x > 0.
export const relu: (x: Node) => Node = unary('relu', (dy, y) => [mul(dy, step(y))]);
export const tanh: (x: Node) => Node = unary('tanh', (dy, y) => [mul(dy, sub(1, square(y)))]);
export const sigmoid: (x: Node) => Node = unary('sigmoid', (dy, y) => [mul(dy, mul(y, sub(1, y)))]);

// ---- Matrix product -----------------------------------------------------------------------

/** op(a)·op(b) of two matrices, op transposing where asked (the runtimes read transposed operands directly). */
export function matmul(a: Node, b: Node, transA = false, transB = false): Node {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`matmul: needs matrices, got [${a.shape}] and [${b.shape}]`);
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== k2) throw new Error(`matmul: inner sizes ${k} and ${k2} differ`);
  return a.graph.add('matmul', [a, b], { transA, transB }, [m, n]);
}
define('matmul', (dy, n) => {
  const [a, b] = n.inputs;
  const { transA, transB } = n.attrs as { transA: boolean; transB: boolean };
  if (!transA && !transB) return [matmul(dy, b, false, true), matmul(a, dy, true, false)];
  if (!transA && transB) return [matmul(dy, b), matmul(dy, a, true, false)];
  if (transA && !transB) return [matmul(b, dy, false, true), matmul(a, dy)];
  return [matmul(b, dy, true, true), matmul(dy, a, true, true)];
});

// ---- Reductions and shapes ----------------------------------------------------------------

function reducedShape(op: string, x: Node, axes: number[] | undefined, keepdims: boolean): { axes: number[]; shape: number[] } {
  const all = axes ?? x.shape.map((_, i) => i);
  for (const a of all) if (a < 0 || a >= x.shape.length) throw new Error(`${op}: axis ${a} of a rank-${x.shape.length} tensor`);
  const shape = x.shape.flatMap((d, i) => (all.includes(i) ? (keepdims ? [1] : []) : [d]));
  return { axes: [...all].sort((p, q) => p - q), shape };
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Node, axes?: number[], keepdims = false): Node {
  const r = reducedShape('sum', x, axes, keepdims);
  return x.graph.add('sum', [x], { axes: r.axes, keepdims }, r.shape);
}
export function mean(x: Node, axes?: number[], keepdims = false): Node {
  const r = reducedShape('mean', x, axes, keepdims);
  return x.graph.add('mean', [x], { axes: r.axes, keepdims }, r.shape);
}

/** A reduction's gradient: dy put back on the reduced axes and copied along them. */
function spread(dy: Node, n: Node): Node {
  const x = n.inputs[0];
  const { axes } = n.attrs as { axes: number[] };
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return expand(reshape(dy, kept), x.shape);
}
define('sum', (dy, n) => [spread(dy, n)]);
define('mean', (dy, n) => {
  const { axes } = n.attrs as { axes: number[] };
  const count = axes.reduce((a, i) => a * n.inputs[0].shape[i], 1);
  return [spread(mul(dy, 1 / count), n)];
});

/** Broadcast to `shape` (numpy rules). */
export function expand(x: Node, shape: Shape): Node {
  const out = broadcastShapes('expand', x.shape, shape);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) throw new Error(`expand: [${x.shape}] does not expand to [${shape}]`);
  if (out.length === x.shape.length && out.every((d, i) => d === x.shape[i])) return x;
  return x.graph.add('expand', [x], { shape: [...shape] }, shape);
}
define('expand', (dy, n) => [unbroadcast(dy, n.inputs[0].shape)]);

export function reshape(x: Node, shape: Shape): Node {
  if (size(shape) !== size(x.shape)) throw new Error(`reshape: [${x.shape}] has ${size(x.shape)} values, [${shape}] ${size(shape)}`);
  if (shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i])) return x;
  if (x.op === 'reshape') return reshape(x.inputs[0], shape);
  return x.graph.add('reshape', [x], { shape: [...shape] }, shape);
}
define('reshape', (dy, n) => [reshape(dy, n.inputs[0].shape)]);

export function transpose(x: Node, perm: number[]): Node {
  if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i))
    throw new Error(`transpose: [${perm}] is no permutation of rank ${x.shape.length}`);
  return x.graph.add(
    'transpose',
    [x],
    { perm },
    perm.map((p) => x.shape[p]),
  );
}
define('transpose', (dy, n) => {
  const perm = n.attrs.perm as number[];
  const inv = perm.map((_, i) => perm.indexOf(i));
  return [transpose(dy, inv)];
});

export function concat(xs: Node[], axis: number): Node {
  if (xs.length === 1) return xs[0];
  const first = xs[0].shape;
  for (const x of xs) {
    if (x.shape.length !== first.length || x.shape.some((d, i) => i !== axis && d !== first[i])) throw new Error('concat: shapes differ off the axis');
  }
  const shape = first.map((d, i) => (i === axis ? xs.reduce((a, x) => a + x.shape[axis], 0) : d));
  return xs[0].graph.add('concat', xs, { axis }, shape);
}
define('concat', (dy, n) => {
  const axis = n.attrs.axis as number;
  let start = 0;
  return n.inputs.map((x) => {
    const end = start + x.shape[axis];
    const s = slice(dy, axis, start, end);
    start = end;
    return s;
  });
});

/** Entries [start, end) along one axis. */
export function slice(x: Node, axis: number, start: number, end: number): Node {
  if (start < 0 || end > x.shape[axis] || start >= end) throw new Error(`slice: [${start}, ${end}) of an axis of ${x.shape[axis]}`);
  if (start === 0 && end === x.shape[axis]) return x;
  return x.graph.add(
    'slice',
    [x],
    { axis, start, end },
    x.shape.map((d, i) => (i === axis ? end - start : d)),
  );
}
// Only the evaluation graphs slice; no gradient flows through a slice.

// ---- Softmax ------------------------------------------------------------------------------

const lastAxis = (op: string, x: Node): number => {
  if (x.shape.length < 1) throw new Error(`${op}: needs a tensor of rank >= 1`);
  return x.shape.length - 1;
};

/** Softmax over the last axis. */
export function softmax(x: Node): Node {
  return x.graph.add('softmax', [x], { axis: lastAxis('softmax', x) }, x.shape);
}
define('softmax', (dy, y) => [mul(y, sub(dy, sum(mul(dy, y), [y.attrs.axis as number], true)))]);

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(x: Node): Node {
  return x.graph.add('logSoftmax', [x], { axis: lastAxis('logSoftmax', x) }, x.shape);
}
define('logSoftmax', (dy, y) => [sub(dy, mul(softmax(y.inputs[0]), sum(dy, [y.attrs.axis as number], true)))]);

/** Attributes of a node, typed for a lowering. */
export const attrs = <T extends object>(n: Node): T => n.attrs as Attrs as T;
