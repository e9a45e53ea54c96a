import { describe, expect, it } from 'vitest';
import { thinSvd } from '../../../electron/engine/svd/svd';
import { Rng } from '../../../electron/engine/util/rng';
import { column, compose, frobenius, orthoError, randomOrthonormal } from './helpers';

interface Case {
  rows: number;
  cols: number;
  s0: number[]; // descending, length min(rows, cols)
}

/** W = U0 diag(s0) V0ᵀ with random orthonormal U0, V0; checks the spec tolerances. */
function checkKnown({ rows, cols, s0 }: Case, seed: number) {
  const rng = new Rng(seed);
  const k = Math.min(rows, cols);
  const u0 = randomOrthonormal(rng, rows, k);
  const v0 = randomOrthonormal(rng, cols, k);
  const w = compose(u0, s0, v0, rows, cols, k);
  const { s, u, v } = thinSvd(w, rows, cols);

  expect(s.length).toBe(k);
  expect(u.length).toBe(rows * k);
  expect(v.length).toBe(cols * k);
  const smax = s0[0];
  for (let j = 0; j < k; j++) {
    expect(Math.abs(s[j] - s0[j])).toBeLessThanOrEqual(1e-6 * smax);
    if (j > 0) expect(s[j]).toBeLessThanOrEqual(s[j - 1]);
  }
  expect(orthoError(u, rows, k)).toBeLessThan(1e-6);
  expect(orthoError(v, cols, k)).toBeLessThan(1e-6);
  const diff = compose(u, s, v, rows, cols, k).map((x, i) => x - w[i]);
  expect(frobenius(diff) / frobenius(w)).toBeLessThan(1e-4);
  return { w, s, u, v, u0, v0, k };
}

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

describe('thinSvd against known decompositions', () => {
  it('784 x 128, distinct values: also recovers the singular vectors', () => {
    const s0 = linspace(3, 0.2, 128);
    const { u, v, u0, v0, k } = checkKnown({ rows: 784, cols: 128, s0 }, 1);
    // Distinct, well separated values: each vector is determined up to sign.
    for (let j = 0; j < k; j++) {
      const a = column(u, 784, k, j);
      const b = column(u0, 784, k, j);
      const c = column(v, 128, k, j);
      const d = column(v0, 128, k, j);
      const cu = a.reduce((acc, x, i) => acc + x * b[i], 0);
      const cv = c.reduce((acc, x, i) => acc + x * d[i], 0);
      expect(Math.abs(cu)).toBeGreaterThan(1 - 1e-9);
      expect(cu * cv).toBeGreaterThan(0); // u and v flip together
    }
  });

  it('784 x 512 with repeated, zero and 1e-8 singular values', () => {
    const s0 = [
      ...Array(100).fill(2),
      ...linspace(1.9, 0.5, 200),
      ...Array(100).fill(0.5),
      ...Array(40).fill(1e-3),
      ...Array(30).fill(1e-8),
      ...Array(42).fill(0),
    ];
    const { s } = checkKnown({ rows: 784, cols: 512, s0 }, 2);
    // Beyond the spec: the tiny ones keep relative precision (the Gram matrix alone
    // would blur 1e-8 and 0 into ~7e-9 each), the zeros stay near rounding level.
    for (let j = 0; j < 470; j++) expect(Math.abs(s[j] / s0[j] - 1)).toBeLessThan(1e-5);
    for (let j = 470; j < 512; j++) expect(s[j]).toBeLessThan(1e-10);
  });

  it('wide 10 x 784 and tall 784 x 10', () => {
    checkKnown({ rows: 10, cols: 784, s0: [9, 7, 7, 5, 3, 1, 1e-2, 1e-8, 0, 0] }, 3);
    checkKnown({ rows: 784, cols: 10, s0: [9, 7, 7, 5, 3, 1, 1e-2, 1e-8, 0, 0] }, 4);
  });

  it('rank-deficient 784 x 128 (rank 20) and 300 x 40 (rank 1)', () => {
    checkKnown({ rows: 784, cols: 128, s0: [...linspace(50, 1, 20), ...Array(108).fill(0)] }, 5);
    checkKnown({ rows: 300, cols: 40, s0: [4, ...Array(39).fill(0)] }, 6);
  });

  it('vectors 1 x 5 and 5 x 1', () => {
    checkKnown({ rows: 1, cols: 5, s0: [2.5] }, 7);
    checkKnown({ rows: 5, cols: 1, s0: [0.3] }, 8);
    const { s, u, v } = thinSvd([3, 0, -4, 0, 0], 1, 5);
    expect(s[0]).toBeCloseTo(5, 14);
    expect(u[0]).toBe(1);
    expect(Array.from(v).map((x) => x + 0)).toEqual([0.6, 0, -0.8, 0, 0].map((x) => expect.closeTo(x, 14)));
  });
});

describe('thinSvd behaviour', () => {
  it('decomposes a Float32 Glorot-like layer and is deterministic', () => {
    const rng = new Rng(9);
    const rows = 784;
    const cols = 128;
    const lim = Math.sqrt(6 / (rows + cols));
    const w = new Float32Array(rows * cols).map(() => rng.uniform(-lim, lim));
    const a = thinSvd(w, rows, cols);
    const b = thinSvd(w, rows, cols);
    expect(Array.from(a.u)).toEqual(Array.from(b.u));
    expect(Array.from(a.s)).toEqual(Array.from(b.s));
    const diff = compose(a.u, a.s, a.v, rows, cols, cols).map((x, i) => x - w[i]);
    expect(frobenius(diff) / frobenius(w)).toBeLessThan(1e-12);
    expect(orthoError(a.u, rows, cols)).toBeLessThan(1e-12);
    expect(orthoError(a.v, cols, cols)).toBeLessThan(1e-12);
  });

  it('makes the largest-magnitude entry of each u column positive', () => {
    const rng = new Rng(10);
    const w = Float64Array.from({ length: 60 * 12 }, () => rng.normal());
    const { u, k } = { ...thinSvd(w, 60, 12), k: 12 };
    for (let j = 0; j < k; j++) {
      const col = column(u, 60, k, j);
      let best = 0;
      for (let i = 1; i < 60; i++) if (Math.abs(col[i]) > Math.abs(col[best])) best = i;
      expect(col[best]).toBeGreaterThan(0);
    }
    // Negating W flips v, not u.
    const neg = thinSvd(
      w.map((x) => -x),
      60,
      12,
    );
    const pos = thinSvd(w, 60, 12);
    for (let i = 0; i < u.length; i++) expect(neg.u[i]).toBeCloseTo(pos.u[i], 12);
    for (let i = 0; i < pos.v.length; i++) expect(neg.v[i]).toBeCloseTo(-pos.v[i], 12);
  });

  it('gives orthonormal bases for the zero matrix', () => {
    const { s, u, v } = thinSvd(new Float32Array(30 * 7), 30, 7);
    expect(Array.from(s)).toEqual(Array(7).fill(0));
    expect(orthoError(u, 30, 7)).toBeLessThan(1e-14);
    expect(orthoError(v, 7, 7)).toBeLessThan(1e-14);
  });

  it('rejects mismatched sizes and non-finite values', () => {
    expect(() => thinSvd(new Float64Array(10), 3, 4)).toThrow(RangeError);
    expect(() => thinSvd([1, NaN, 0, 1], 2, 2)).toThrow(RangeError);
    expect(thinSvd(new Float64Array(0), 0, 5).s.length).toBe(0);
  });
});
