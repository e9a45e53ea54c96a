// Plain, obviously-correct linear algebra for checking the fast SVD code.
import { Rng } from '../../../electron/engine/util/rng';

/** r x c (c <= r) row-major with orthonormal columns: Gram–Schmidt (twice) of a Gaussian matrix. */
export function randomOrthonormal(rng: Rng, r: number, c: number): Float64Array {
  const cols: Float64Array[] = [];
  for (let j = 0; j < c; j++) {
    const x = Float64Array.from({ length: r }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let d = 0;
        for (let i = 0; i < r; i++) d += q[i] * x[i];
        for (let i = 0; i < r; i++) x[i] -= d * q[i];
      }
    }
    let n = 0;
    for (let i = 0; i < r; i++) n += x[i] * x[i];
    n = Math.sqrt(n);
    for (let i = 0; i < r; i++) x[i] /= n;
    cols.push(x);
  }
  const out = new Float64Array(r * c);
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out[i * c + j] = cols[j][i];
  return out;
}

/** U (rows x k) diag(s) Vᵀ (V cols x k). */
export function compose(u: Float64Array, s: ArrayLike<number>, v: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const w = new Float64Array(rows * cols);
  const us = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < k; p++) us[p] = u[i * k + p] * s[p];
    for (let j = 0; j < cols; j++) {
      let x = 0;
      for (let p = 0; p < k; p++) x += us[p] * v[j * k + p];
      w[i * cols + j] = x;
    }
  }
  return w;
}

/** max |QᵀQ - I| for Q (r x c). */
export function orthoError(q: Float64Array, r: number, c: number): number {
  const t = new Float64Array(c * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = q[i * c + j];
  let err = 0;
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      let d = 0;
      for (let i = 0; i < r; i++) d += t[a * r + i] * t[b * r + i];
      err = Math.max(err, Math.abs(d - (a === b ? 1 : 0)));
    }
  }
  return err;
}

export function frobenius(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

export function column(m: Float64Array, rows: number, cols: number, j: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, i) => m[i * cols + j]);
}
