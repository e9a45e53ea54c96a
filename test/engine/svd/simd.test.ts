// The WebAssembly SIMD kernels against their JavaScript twins (same algorithm,
// other summation order), on sizes that exercise every odd tail and edge.
import { afterEach, describe, expect, it } from 'vitest';
import { symmetricEigenRows } from '../../../electron/engine/svd/eigen';
import { setSimdKernels, simdKernels } from '../../../electron/engine/svd/simdKernels';
import { rowDots } from '../../../electron/engine/svd/rowDots';
import { thinSvd } from '../../../electron/engine/svd/svd';
import { Rng } from '../../../electron/engine/util/rng';
import { compose, frobenius, orthoError } from './helpers';

afterEach(() => {
  setSimdKernels(true);
});

const random = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.normal());

function bothPaths<T>(f: () => T): { simd: T; js: T } {
  setSimdKernels(true);
  const simd = f();
  setSimdKernels(false);
  const js = f();
  setSimdKernels(true);
  return { simd, js };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('SIMD kernels', () => {
  it('are available in this runtime (Node has WebAssembly SIMD)', () => {
    expect(simdKernels()).not.toBeNull();
  });

  it('rowDots matches the JavaScript blocks, symmetric or not, odd lengths and edges', () => {
    const rng = new Rng(3);
    for (const [xr, yr, len] of [
      [7, 5, 17],
      [16, 16, 33],
      [31, 20, 64],
      [9, 9, 9],
      [40, 3, 101],
    ]) {
      const x = random(rng, xr * len);
      const y = random(rng, yr * len);
      const r = bothPaths(() => rowDots(x, xr, y, yr, len));
      expect(maxAbsDiff(r.simd, r.js), `${xr}x${yr}x${len}`).toBeLessThan(1e-12 * len);
      const s = bothPaths(() => rowDots(x, xr, x, xr, len, new Float64Array(xr * xr), true));
      expect(maxAbsDiff(s.simd, s.js), `${xr}x${xr}x${len} symmetric`).toBeLessThan(1e-12 * len);
    }
  });

  it('the eigen-solver gives the same eigenpairs (even and odd sizes, with and without clusters)', () => {
    const rng = new Rng(4);
    for (const n of [16, 17, 33, 64, 97]) {
      const b = random(rng, n * n);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j] + b[j * n + i];
      const r = bothPaths(() => symmetricEigenRows(a, n));
      const scale = Math.abs(r.js.values[0]) + Math.abs(r.js.values[n - 1]);
      expect(maxAbsDiff(r.simd.values, r.js.values), `n=${n} values`).toBeLessThan(1e-12 * scale);
      // Random spectra are well separated: each vector agrees up to sign.
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += r.simd.rows[j * n + i] * r.js.rows[j * n + i];
        expect(Math.abs(dot), `n=${n} vector ${j}`).toBeGreaterThan(1 - 1e-9);
      }
    }
  });

  it('thinSvd decomposes odd-sized matrices the same way on both paths', () => {
    const rng = new Rng(5);
    for (const [rows, cols] of [
      [101, 37],
      [37, 101],
      [64, 63],
    ]) {
      const w = random(rng, rows * cols);
      const r = bothPaths(() => thinSvd(w, rows, cols));
      const k = Math.min(rows, cols);
      expect(maxAbsDiff(r.simd.s, r.js.s)).toBeLessThan(1e-11 * r.js.s[0]);
      expect(orthoError(r.simd.u, rows, k)).toBeLessThan(1e-12);
      expect(orthoError(r.simd.v, cols, k)).toBeLessThan(1e-12);
      const back = compose(r.simd.u, r.simd.s, r.simd.v, rows, cols, k).map((x, i) => x - w[i]);
      expect(frobenius(back) / frobenius(w)).toBeLessThan(1e-13);
    }
  });
});
