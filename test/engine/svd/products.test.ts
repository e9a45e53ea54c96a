// The SVD's large products on ONNX Runtime (double-precision Gemm) against the
// JavaScript dot products, and the whole SVD on both paths.
import { afterEach, describe, expect, it } from 'vitest';
import { products, setRuntimeProducts, usesRuntime } from '../../../electron/engine/svd/products';
import { rowDots } from '../../../electron/engine/svd/rowDots';
import { thinSvd } from '../../../electron/engine/svd/svd';
import { Rng } from '../../../electron/engine/util/rng';
import { compose, frobenius, orthoError } from './helpers';

afterEach(() => {
  setRuntimeProducts(true);
});

const random = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.normal());

describe('SVD products on ONNX Runtime', () => {
  it('are used for large products only, and not when turned off', () => {
    expect(usesRuntime(512, 512, 784)).toBe(true);
    expect(usesRuntime(8, 8, 8)).toBe(false);
    setRuntimeProducts(false);
    expect(usesRuntime(512, 512, 784)).toBe(false);
  });

  it('match the JavaScript dot products to float64 rounding (into a sub-array too)', () => {
    const rng = new Rng(8);
    for (const [xr, yr, len] of [
      [300, 200, 101],
      [129, 257, 784],
    ]) {
      const x = random(rng, xr * len);
      const y = random(rng, yr * len);
      expect(usesRuntime(xr, yr, len)).toBe(true);
      const out = new Float64Array(xr * yr + 5).fill(7);
      products(x, xr, y, yr, len, out.subarray(5));
      const ref = rowDots(x, xr, y, yr, len);
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(out[5 + i] - ref[i]));
      expect(err).toBeLessThan(1e-11 * Math.sqrt(len));
      expect(Array.from(out.subarray(0, 5))).toEqual([7, 7, 7, 7, 7]);
    }
  });

  it('give the same SVD as the JavaScript path (784 x 300)', () => {
    const rng = new Rng(2);
    const [rows, cols] = [784, 300];
    const w = Float64Array.from({ length: rows * cols }, () => rng.uniform(-0.1, 0.1));
    const fast = thinSvd(w, rows, cols);
    setRuntimeProducts(false);
    const js = thinSvd(w, rows, cols);
    for (let j = 0; j < cols; j++) expect(Math.abs(fast.s[j] - js.s[j])).toBeLessThan(1e-12 * js.s[0]);
    const back = compose(fast.u, fast.s, fast.v, rows, cols, cols);
    expect(frobenius(back.map((v, i) => v - w[i]))).toBeLessThan(1e-11 * frobenius(w));
    expect(orthoError(fast.u, rows, cols)).toBeLessThan(1e-11);
    expect(orthoError(fast.v, cols, cols)).toBeLessThan(1e-11);
  });
});
