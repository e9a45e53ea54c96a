// Dot products of rows, X·Yᵀ, in float64: register-blocked JavaScript and the
// WebAssembly SIMD kernel of eigen.ts. The SVD's largest products go to ONNX
// Runtime where it loads (products.ts).
import { simdKernels, type Kernels } from './simdKernels';

export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
  }
  if (i < len) s0 += x[xo + i] * y[yo + i];
  return s0 + s1;
}

/**
 * The 3 x 3 blocks of rowDots with the SIMD kernel: X and Y are copied into the
 * kernels' memory (O(size), against O(size·rows) work), the last column of an
 * odd length is added here.
 */
function simdBlocks(
  K: Kernels,
  x: Float64Array,
  xr3: number,
  y: Float64Array,
  yr3: number,
  len: number,
  out: Float64Array,
  yr: number,
  symmetric: boolean,
): void {
  const same = x === y;
  const xn = xr3 * len;
  const heap = K.session(xn + (same ? 0 : yr3 * len));
  heap.set(x.subarray(0, xn));
  if (!same) heap.set(y.subarray(0, yr3 * len), xn);
  const yBase = same ? 0 : xn * 8;
  const rb = len * 8;
  const end = (len >> 1) * 16;
  const odd = len & 1;
  const sc = K.scratch / 8;
  for (let a = 0; a < xr3; a += 3) {
    for (let b = symmetric ? a : 0; b < yr3; b += 3) {
      K.dots3(a * rb, yBase + b * rb, rb, end, K.scratch);
      for (let r = 0; r < 3; r++) {
        const o = (a + r) * yr + b;
        const xl = odd ? x[(a + r) * len + len - 1] : 0;
        for (let c = 0; c < 3; c++) out[o + c] = heap[sc + 3 * r + c] + (odd ? xl * y[(b + c) * len + len - 1] : 0);
      }
    }
  }
}

/**
 * out[a*yr + b] = dot(row a of X, row b of Y), rows of length len (X·Yᵀ).
 * Blocks of 3 x 3 rows: nine independent accumulators, six loads per nine
 * multiply-adds, which V8 keeps in registers. With symmetric (X === Y) only the
 * upper block triangle is computed and mirrored.
 */
export function rowDots(
  x: Float64Array,
  xr: number,
  y: Float64Array,
  yr: number,
  len: number,
  out: Float64Array = new Float64Array(xr * yr),
  symmetric = false,
): Float64Array {
  const xr3 = xr - (xr % 3);
  const yr3 = yr - (yr % 3);
  const K = len >= 16 && xr3 > 0 && yr3 > 0 ? simdKernels() : null;
  if (K) simdBlocks(K, x, xr3, y, yr3, len, out, yr, symmetric);
  for (let a = 0; a < (K ? 0 : xr3); a += 3) {
    const a0 = a * len,
      a1 = a0 + len,
      a2 = a1 + len;
    for (let b = symmetric ? a : 0; b < yr3; b += 3) {
      const b0 = b * len,
        b1 = b0 + len,
        b2 = b1 + len;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s20 = 0,
        s21 = 0,
        s22 = 0;
      for (let k = 0; k < len; k++) {
        const x0 = x[a0 + k],
          x1 = x[a1 + k],
          x2 = x[a2 + k];
        const y0 = y[b0 + k],
          y1 = y[b1 + k],
          y2 = y[b2 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s22 += x2 * y2;
      }
      const c0 = a * yr + b,
        c1 = c0 + yr,
        c2 = c1 + yr;
      out[c0] = s00;
      out[c0 + 1] = s01;
      out[c0 + 2] = s02;
      out[c1] = s10;
      out[c1 + 1] = s11;
      out[c1 + 2] = s12;
      out[c2] = s20;
      out[c2 + 1] = s21;
      out[c2 + 2] = s22;
    }
  }
  // Edges: the leftover rows of X against all of Y, and the leftover rows of Y.
  for (let a = 0; a < xr; a++) {
    const bStart = a < xr3 ? yr3 : symmetric ? a : 0;
    for (let b = bStart; b < yr; b++) out[a * yr + b] = dot(x, a * len, y, b * len, len);
  }
  if (symmetric) {
    for (let a = 0; a < xr; a++) {
      for (let b = a + 1; b < yr; b++) out[b * yr + a] = out[a * yr + b];
    }
  }
  return out;
}
