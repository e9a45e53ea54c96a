// Every op's gradient rule against central finite differences in float64,
// and the interpreter's forward meaning on cases with known answers.
import { describe, expect, it } from 'vitest';
import { gradients } from '../../../electron/engine/graph/autodiff';
import { Graph, graphFlops } from '../../../electron/engine/graph/ir';
import * as conv from '../../../electron/engine/graph/conv';
import * as op from '../../../electron/engine/graph/ops';
import { checkOp, finiteDifferences, relDiff } from './check';
import { OP_CASES } from './opCases';
import { interpret } from './float64';

describe('op gradients against central finite differences (float64)', () => {
  for (const c of OP_CASES) {
    it(c.name, () => {
      const r = checkOp(c);
      expect(r.worst, `per input: ${r.perInput.map((d) => d.toExponential(1)).join(', ')}`).toBeLessThan(1e-7);
    });
  }

  it('the check can fail: another function’s gradient is far off', () => {
    const g = new Graph('wrong');
    const x = g.input('x', [5]);
    g.output('loss', op.sum(op.square(x)));
    g.output('d', gradients(op.sum(op.mul(op.square(x), 1.01)), [x])[0]);
    const feeds = { x: Float64Array.of(0.3, -0.2, 0.9, 1.1, -0.7) };
    expect(relDiff(interpret(g, feeds).d, finiteDifferences(g, feeds, 'loss', 'x'))).toBeGreaterThan(5e-3);
  });

  it('ops with a zero derivative pass no gradient; ops without a rule refuse to be differentiated', () => {
    const g = new Graph('rules');
    const x = g.input('x', [2, 3]);
    const [d] = gradients(op.sum(op.mul(op.step(x), op.ge(x, 0))), [x]);
    g.output('d', d);
    expect(Array.from(interpret(g, { x: new Float64Array(6).fill(0.5) }).d)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => gradients(op.sum(op.slice(x, 0, 0, 1)), [x])).toThrow(/slice has no gradient rule/);
  });

  it('a parameter the loss does not reach gets a zero gradient', () => {
    const g = new Graph('unused');
    const x = g.input('x', [3]);
    const w = g.input('w', [2, 2]);
    g.output('d', gradients(op.sum(x), [w])[0]);
    expect(Array.from(interpret(g, { x: new Float64Array(3), w: new Float64Array(4) }).d)).toEqual([0, 0, 0, 0]);
  });
});

describe('shapes are checked when the graph is built', () => {
  const g = new Graph('shapes');
  const a = g.input('a', [3, 4]);
  const b = g.input('b', [5, 6]);
  it('names the op and the shapes', () => {
    expect(() => op.matmul(a, b)).toThrow('matmul: inner sizes 4 and 5 differ');
    expect(() => op.add(a, b)).toThrow('add: shapes [3, 4] and [5, 6] do not broadcast');
    expect(() => op.reshape(a, [5])).toThrow('reshape: [3,4] has 12 values, [5] 5');
    expect(() => op.sum(a, [2])).toThrow('sum: axis 2 of a rank-2 tensor');
  });
  it('a loss must be a scalar', () => expect(() => gradients(a, [a])).toThrow(/must be a scalar/));
});

describe('the float64 interpreter on known answers', () => {
  it('matmul with transposes, softmax, reductions', () => {
    const g = new Graph('known');
    const a = g.input('a', [2, 2]);
    g.output('mm', op.matmul(a, a, true, false));
    g.output('sm', op.softmax(op.reshape(a, [1, 4])));
    g.output('mean0', op.mean(a, [0]));
    const r = interpret(g, { a: Float64Array.of(1, 2, 3, 4) });
    expect(Array.from(r.mm)).toEqual([10, 14, 14, 20]); // [[1,3],[2,4]]·[[1,2],[3,4]]
    const e = [1, 2, 3, 4].map(Math.exp);
    const s = e.reduce((p, q) => p + q);
    e.forEach((v, i) => expect(r.sm[i]).toBeCloseTo(v / s, 14));
    expect(Array.from(r.mean0)).toEqual([2, 3]);
  });

  it('counts a graph’s product flops', () => {
    const g = new Graph('flops');
    g.output('y', op.matmul(g.input('a', [3, 4]), g.input('b', [4, 5])));
    expect(graphFlops(g)).toBe(2 * 3 * 4 * 5);
  });
});

describe('convolutions', () => {
  it('convTranspose2d is the adjoint of conv2d: <convT(y, w), x> = <y, conv2d(x, w)>', () => {
    const g = new Graph('adjoint');
    const x = g.input('x', [2, 3, 7, 7]);
    const y = g.input('y', [2, 4, 4, 4]);
    const w = g.input('w', [4, 3, 3, 3]);
    const a = { stride: 2, pad: 1 };
    g.output('lhs', op.sum(op.mul(conv.convTranspose2d(y, w, a, [7, 7]), x)));
    g.output('rhs', op.sum(op.mul(y, conv.conv2d(x, w, a))));
    let seed = 1;
    const rnd = (n: number) => Float64Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
    const r = interpret(g, { x: rnd(2 * 3 * 49), y: rnd(2 * 4 * 16), w: rnd(4 * 27) });
    expect(r.lhs[0]).toBeCloseTo(r.rhs[0], 10);
  });

  it('a 3x3 kernel on a known image', () => {
    const g = new Graph('known-conv');
    const x = g.input('x', [1, 1, 3, 3]);
    g.output('y', conv.conv2d(x, g.constant([0, 0, 0, 0, 1, 1, 0, 0, 0], [1, 1, 3, 3]), { stride: 1, pad: 1 }));
    // Each output is its pixel plus its right neighbour (zero past the edge).
    expect(Array.from(interpret(g, { x: [1, 2, 3, 4, 5, 6, 7, 8, 9] }).y)).toEqual([3, 5, 3, 9, 11, 6, 15, 17, 9]);
  });

  it('refuses shapes that cannot work, naming the sizes', () => {
    const g = new Graph('bad-conv');
    const x = g.input('x', [1, 1, 2, 2]);
    expect(() => conv.conv2d(x, g.input('w', [1, 1, 3, 3]), { stride: 1, pad: 0 })).toThrow('a 3x3 kernel does not fit an input of 2 (padding 0)');
    expect(() => conv.maxPool(g.input('z', [1, 1, 5, 5]), 2)).toThrow('maxPool: a 2x2 window does not divide 5x5');
  });
});
