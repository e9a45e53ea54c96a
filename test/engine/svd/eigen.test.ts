import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../../electron/engine/svd/eigen';
import { Rng } from '../../../electron/engine/util/rng';
import { orthoError, randomOrthonormal } from './helpers';

/** max_j ‖A v_j − λ_j v_j‖ with v_j the columns of vectors. */
function residual(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): number {
  let worst = 0;
  for (let j = 0; j < n; j++) {
    let r2 = 0;
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + j];
      r2 += (av - values[j] * vectors[i * n + j]) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(r2));
  }
  return worst;
}

/** Q diag(lambda) Qᵀ for a random orthogonal Q. */
function withSpectrum(rng: Rng, lambda: number[]): Float64Array {
  const n = lambda.length;
  const q = randomOrthonormal(rng, n, n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let p = 0; p < n; p++) x += q[i * n + p] * lambda[p] * q[j * n + p];
      a[i * n + j] = x;
    }
  }
  return a;
}

describe('symmetricEigen', () => {
  it('handles empty and 1 x 1 matrices', () => {
    expect(symmetricEigen(new Float64Array(0), 0).values.length).toBe(0);
    const r = symmetricEigen([-3.5], 1);
    expect(Array.from(r.values)).toEqual([-3.5]);
    expect(Math.abs(r.vectors[0])).toBe(1);
  });

  it('returns a diagonal matrix sorted descending with unit-vector eigenvectors', () => {
    const diag = [3, -1, 7, 0, 2];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((x, i) => (a[i * n + i] = x));
    const { values, vectors } = symmetricEigen(a, n);
    expect(Array.from(values)).toEqual([7, 3, 2, 0, -1]);
    const origin = [2, 0, 4, 3, 1]; // index of each sorted value in diag
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) expect(Math.abs(vectors[i * n + j])).toBeCloseTo(i === origin[j] ? 1 : 0, 14);
    }
  });

  it('matches the 2 x 2 closed form', () => {
    for (const [p, q, r] of [
      [2, 1, 2],
      [1, -3, 5],
      [0, 1e-9, 0],
      [4, 0.5, -4],
    ]) {
      const { values, vectors } = symmetricEigen([p, q, q, r], 2);
      const mid = (p + r) / 2;
      const rad = Math.hypot((p - r) / 2, q);
      expect(values[0]).toBeCloseTo(mid + rad, 12);
      expect(values[1]).toBeCloseTo(mid - rad, 12);
      // Eigenvector of the larger value is proportional to (q, λ1 − p) (or (λ1 − r, q)).
      const l1 = values[0];
      const ref = Math.abs(q) > 0 ? [q, l1 - p] : [1, 0];
      const norm = Math.hypot(ref[0], ref[1]);
      const cos = Math.abs(ref[0] * vectors[0] + ref[1] * vectors[2]) / norm;
      expect(cos).toBeCloseTo(1, 12);
      expect(orthoError(vectors, 2, 2)).toBeLessThan(1e-15);
    }
  });

  it('decomposes random symmetric matrices accurately', () => {
    const rng = new Rng(7);
    for (const n of [3, 17, 100, 301]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
      }
      const { values, vectors } = symmetricEigen(a, n);
      for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      expect(residual(a, n, values, vectors)).toBeLessThan(1e-12 * n);
      expect(orthoError(vectors, n, n)).toBeLessThan(1e-13 * n);
      let trace = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) trace += a[i * n + i];
      for (const v of values) sum += v;
      expect(sum).toBeCloseTo(trace, 9);
    }
  });

  it('recovers known spectra with repeated, zero and clustered eigenvalues', () => {
    const rng = new Rng(11);
    const lambda = [5, 5, 5, 2, 2, 1 + 1e-12, 1, 0, 0, 0, -1e-9, -4, -4, 3e-14, 7.5, 0.25];
    const n = lambda.length;
    const a = withSpectrum(rng, lambda);
    const { values, vectors } = symmetricEigen(a, n);
    const sorted = [...lambda].sort((x, y) => y - x);
    for (let j = 0; j < n; j++) expect(Math.abs(values[j] - sorted[j])).toBeLessThan(1e-13);
    expect(orthoError(vectors, n, n)).toBeLessThan(1e-13);
    expect(residual(a, n, values, vectors)).toBeLessThan(1e-13);
  });

  it('handles matrices that split into blocks (reduced tridiagonal form)', () => {
    // Block diagonal: two independent random blocks and an isolated diagonal entry.
    const rng = new Rng(5);
    const n = 41;
    const a = new Float64Array(n * n);
    const blocks = [
      [0, 20],
      [20, 40],
      [40, 41],
    ];
    for (const [lo, hi] of blocks) {
      for (let i = lo; i < hi; i++) {
        for (let j = i; j < hi; j++) a[i * n + j] = a[j * n + i] = rng.normal();
      }
    }
    const { values, vectors } = symmetricEigen(a, n);
    expect(residual(a, n, values, vectors)).toBeLessThan(1e-12);
    expect(orthoError(vectors, n, n)).toBeLessThan(1e-13);
  });

  it('reads only the upper triangle and rejects bad input', () => {
    const full = symmetricEigen([2, 1, 1, 3], 2);
    const upper = symmetricEigen([2, 1, 999, 3], 2);
    expect(Array.from(upper.values)).toEqual(Array.from(full.values));
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(RangeError);
  });
});
