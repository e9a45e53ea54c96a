// Finite-difference checks in float64 on the interpreter of float64.ts.
import { gradients } from '../../../electron/engine/graph/autodiff';
import { Graph, size, type Node, type Shape } from '../../../electron/engine/graph/ir';
import * as op from '../../../electron/engine/graph/ops';
import { Rng } from '../../../electron/engine/util/rng';
import { interpret } from './float64';

/** ‖a − b‖ / max(‖b‖, floor): relative, or absolute where b is (close to) zero, e.g. a bias under batch norm. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  const scale = Math.max(Math.sqrt(den), floor);
  return scale === 0 ? Math.sqrt(num) : Math.sqrt(num) / scale;
}

/** Central differences of element `index` of output `name` of `g` with respect to the input `wrt`, in float64. */
export function finiteDifferences(g: Graph, feeds: Record<string, Float64Array>, name: string, wrt: string, eps = 1e-6, index = 0): Float64Array {
  const x = feeds[wrt];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + eps;
    const up = interpret(g, feeds)[name][index];
    x[i] = keep - eps;
    const down = interpret(g, feeds)[name][index];
    x[i] = keep;
    out[i] = (up - down) / (2 * eps);
  }
  return out;
}

export interface OpCase {
  name: string;
  /** Input shapes. */
  shapes: Shape[];
  build: (...xs: Node[]) => Node;
  /** Values of input i, element j (default: uniform in [-1, 1]). */
  value?: (i: number, j: number, rng: Rng) => number;
}

/**
 * The derived gradient of sum(op(x) ⊙ R) (R random, so every output element
 * weighs differently) against central differences; returns the worst
 * relative difference over the inputs.
 */
export function checkOp(c: OpCase, seed = 1): { worst: number; perInput: number[] } {
  const rng = new Rng(seed);
  const g = new Graph(c.name);
  const xs = c.shapes.map((s, i) => g.input(`x${i}`, s));
  const out = c.build(...xs);
  const r = g.input('r', out.shape);
  const loss = op.sum(op.mul(out, r));
  g.output('loss', loss);
  gradients(loss, xs).forEach((d, i) => g.output(`d${i}`, d));
  const feeds: Record<string, Float64Array> = { r: Float64Array.from({ length: size(out.shape) }, () => rng.uniform(-1, 1)) };
  c.shapes.forEach((s, i) => (feeds[`x${i}`] = Float64Array.from({ length: size(s) }, (_, j) => c.value?.(i, j, rng) ?? rng.uniform(-1, 1))));
  const derived = interpret(g, feeds);
  const perInput = c.shapes.map((_, i) => relDiff(derived[`d${i}`], finiteDifferences(g, feeds, 'loss', `x${i}`)));
  return { worst: Math.max(...perInput), perInput };
}
