// Householder reduction of a symmetric matrix to tridiagonal form, the first
// half of the eigen-solver (eigen.ts). The working matrix is stored transposed
// (M = Vᵀ), so every O(n³) loop runs along contiguous rows; the inner loops run
// on the WebAssembly SIMD kernels (simdKernels.ts) where they exist.
import type { Kernels } from './simdKernels';

/**
 * Householder reduction to tridiagonal form (JAMA tred2 with V[r][c] read as m[c*n + r]).
 * On return d holds the diagonal, e the subdiagonal (e[0] = 0) and m the transposed
 * orthogonal transform.
 */
export function tred2(m: Float64Array, n: number, d: Float64Array, e: Float64Array, d1: Float64Array, d2: Float64Array, K: Kernels | null): void {
  for (let j = 0; j < n; j++) d[j] = m[j * n + n - 1];

  for (let i = n - 1; i > 0; i--) {
    // Scale to avoid under/overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = m[j * n + i - 1];
        m[j * n + i] = 0;
        m[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) {
        e[j] = 0;
        m[i * n + j] = d[j]; // Householder vector, kept in row i for the accumulation below.
      }
      symUpperMatVec(m, n, i, d, e, K);
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      rank2Update(m, n, i, d, e, K);
    }
    d[i] = h;
  }

  // Accumulate the transformations (rows of m are the columns of JAMA's V), two
  // reflections per pass over the rows: the pass is memory bound, the flops are not.
  let i = 0;
  for (; i + 2 < n; i += 2) {
    const ri = i * n;
    const r1 = ri + n; // reflector of step i, then row i+1 of the result
    const r2 = r1 + n; // reflector of step i+1
    m[ri + n - 1] = m[ri + i];
    m[ri + i] = 1;
    m[r1 + n - 1] = m[r1 + i + 1];
    const h1 = d[i + 1];
    const h2 = d[i + 2];
    // A zero h means "no reflection": zero d makes the update vanish.
    for (let k = 0; k <= i; k++) d1[k] = h1 !== 0 ? m[r1 + k] / h1 : 0;
    for (let k = 0; k <= i + 1; k++) d2[k] = h2 !== 0 ? m[r2 + k] / h2 : 0;
    let c = 0;
    for (let k = 0; k <= i; k++) c += m[r2 + k] * d1[k];
    reflectRowsTwice(m, n, i + 1, r1, r2, d1, d2, c, K);
    // Row i+1 was e_{i+1} before the second reflection.
    const g = m[r2 + i + 1];
    for (let k = 0; k <= i + 1; k++) m[r1 + k] = -g * d2[k];
    m[r1 + i + 1] += 1;
    for (let k = 0; k <= i + 1; k++) m[r2 + k] = 0;
  }
  for (; i < n - 1; i++) {
    const ri = i * n;
    const rh = (i + 1) * n; // Householder vector of step i+1
    m[ri + n - 1] = m[ri + i];
    m[ri + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = m[rh + k] / h;
      reflectRows(m, n, i + 1, rh, d);
    }
    for (let k = 0; k <= i; k++) m[rh + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = m[j * n + n - 1];
    m[j * n + n - 1] = 0;
  }
  m[n * n - 1] = 1;
  e[0] = 0;
}

/**
 * e += A·d for the leading i x i block of the symmetric matrix whose upper triangle
 * is stored in m. Four rows at a time, so each e[k] is read and written once per
 * four rows and the four row dot products run as independent chains.
 */
function symUpperMatVec(m: Float64Array, n: number, i: number, d: Float64Array, e: Float64Array, K: Kernels | null): void {
  let j = 0;
  if (K) {
    const rb = n * 8;
    const S = K.heap;
    const sc = K.scratch / 8;
    for (; j + 3 < i; j += 4) {
      const r0 = j * n,
        r1 = r0 + n,
        r2 = r1 + n,
        r3 = r2 + n;
      const f0 = d[j],
        f1 = d[j + 1],
        f2 = d[j + 2],
        f3 = d[j + 3];
      const a01 = m[r0 + j + 1],
        a02 = m[r0 + j + 2],
        a03 = m[r0 + j + 3];
      const a12 = m[r1 + j + 2],
        a13 = m[r1 + j + 3],
        a23 = m[r2 + j + 3];
      let g0 = m[r0 + j] * f0 + a01 * f1 + a02 * f2 + a03 * f3;
      let g1 = a01 * f0 + m[r1 + j + 1] * f1 + a12 * f2 + a13 * f3;
      let g2 = a02 * f0 + a12 * f1 + m[r2 + j + 2] * f2 + a23 * f3;
      let g3 = a03 * f0 + a13 * f1 + a23 * f2 + m[r3 + j + 3] * f3;
      const k0 = j + 4;
      const pairs = (i - k0) >> 1;
      if (pairs > 0) {
        K.symRows4(m.byteOffset + (r0 + k0) * 8, rb, d.byteOffset + k0 * 8, e.byteOffset + k0 * 8, pairs * 16, f0, f1, f2, f3, K.scratch);
        g0 += S[sc];
        g1 += S[sc + 1];
        g2 += S[sc + 2];
        g3 += S[sc + 3];
      }
      for (let k = k0 + 2 * pairs; k < i; k++) {
        const x0 = m[r0 + k],
          x1 = m[r1 + k],
          x2 = m[r2 + k],
          x3 = m[r3 + k];
        const dk = d[k];
        g0 += x0 * dk;
        g1 += x1 * dk;
        g2 += x2 * dk;
        g3 += x3 * dk;
        e[k] += x0 * f0 + x1 * f1 + x2 * f2 + x3 * f3;
      }
      e[j] += g0;
      e[j + 1] += g1;
      e[j + 2] += g2;
      e[j + 3] += g3;
    }
  }
  for (; j + 3 < i; j += 4) {
    const r0 = j * n,
      r1 = r0 + n,
      r2 = r1 + n,
      r3 = r2 + n;
    const f0 = d[j],
      f1 = d[j + 1],
      f2 = d[j + 2],
      f3 = d[j + 3];
    // The 4 x 4 diagonal block.
    const a01 = m[r0 + j + 1],
      a02 = m[r0 + j + 2],
      a03 = m[r0 + j + 3];
    const a12 = m[r1 + j + 2],
      a13 = m[r1 + j + 3],
      a23 = m[r2 + j + 3];
    let g0 = m[r0 + j] * f0 + a01 * f1 + a02 * f2 + a03 * f3;
    let g1 = a01 * f0 + m[r1 + j + 1] * f1 + a12 * f2 + a13 * f3;
    let g2 = a02 * f0 + a12 * f1 + m[r2 + j + 2] * f2 + a23 * f3;
    let g3 = a03 * f0 + a13 * f1 + a23 * f2 + m[r3 + j + 3] * f3;
    for (let k = j + 4; k < i; k++) {
      const x0 = m[r0 + k],
        x1 = m[r1 + k],
        x2 = m[r2 + k],
        x3 = m[r3 + k];
      const dk = d[k];
      g0 += x0 * dk;
      g1 += x1 * dk;
      g2 += x2 * dk;
      g3 += x3 * dk;
      e[k] += x0 * f0 + x1 * f1 + x2 * f2 + x3 * f3;
    }
    e[j] += g0;
    e[j + 1] += g1;
    e[j + 2] += g2;
    e[j + 3] += g3;
  }
  for (; j < i; j++) {
    const rj = j * n;
    const f = d[j];
    let g = m[rj + j] * f;
    for (let k = j + 1; k < i; k++) {
      const x = m[rj + k];
      g += x * d[k];
      e[k] += x * f;
    }
    e[j] += g;
  }
}

/**
 * A -= d·eᵀ + e·dᵀ on the upper triangle of the leading i x i block, then moves the
 * next Householder column (column i-1) into d and clears column i. Two rows at a time.
 */
function rank2Update(m: Float64Array, n: number, i: number, d: Float64Array, e: Float64Array, K: Kernels | null): void {
  let j = 0;
  for (; j + 1 < i; j += 2) {
    const r0 = j * n,
      r1 = r0 + n;
    const f0 = d[j],
      g0 = e[j],
      f1 = d[j + 1],
      g1 = e[j + 1];
    m[r0 + j] -= f0 * g0 + g0 * f0;
    let k = j + 1;
    if (K) {
      const pairs = (i - k) >> 1;
      if (pairs > 0) K.rank2Rows2(m.byteOffset + (r0 + k) * 8, n * 8, e.byteOffset + k * 8, d.byteOffset + k * 8, pairs * 16, f0, g0, f1, g1);
      k += 2 * pairs;
    }
    for (; k < i; k++) {
      const ek = e[k],
        dk = d[k];
      m[r0 + k] -= f0 * ek + g0 * dk;
      m[r1 + k] -= f1 * ek + g1 * dk;
    }
    d[j] = m[r0 + i - 1];
    d[j + 1] = m[r1 + i - 1];
    m[r0 + i] = 0;
    m[r1 + i] = 0;
  }
  for (; j < i; j++) {
    const rj = j * n;
    const f = d[j],
      g = e[j];
    for (let k = j; k < i; k++) m[rj + k] -= f * e[k] + g * d[k];
    d[j] = m[rj + i - 1];
    m[rj + i] = 0;
  }
}

/**
 * Two consecutive reflections on rows j < len (columns < len, column len zero on
 * entry): row -= a·d1 then row -= b'·d2 with a = h1·row, b' = h2·(row − a·d1)
 * = h2·row − a·c, c = h2·d1. One pass for both dot products, one for the update.
 */
function reflectRowsTwice(
  m: Float64Array,
  n: number,
  len: number,
  r1: number,
  r2: number,
  d1: Float64Array,
  d2: Float64Array,
  c: number,
  K: Kernels | null,
): void {
  const tail = d2[len];
  let j = 0;
  if (K) {
    const rb = n * 8;
    const S = K.heap;
    const sc = K.scratch / 8;
    const pairs = len >> 1;
    const end = pairs * 16;
    const k0 = 2 * pairs; // odd len: the last column in JavaScript
    for (; j + 3 < len; j += 4) {
      const p0 = j * n,
        p1 = p0 + n,
        p2 = p1 + n,
        p3 = p2 + n;
      K.dots4x2(m.byteOffset + p0 * 8, rb, m.byteOffset + r1 * 8, m.byteOffset + r2 * 8, end, K.scratch);
      let a0 = S[sc],
        a1 = S[sc + 1],
        a2 = S[sc + 2],
        a3 = S[sc + 3];
      let b0 = S[sc + 4],
        b1 = S[sc + 5],
        b2 = S[sc + 6],
        b3 = S[sc + 7];
      for (let k = k0; k < len; k++) {
        const u = m[r1 + k],
          v = m[r2 + k];
        a0 += u * m[p0 + k];
        b0 += v * m[p0 + k];
        a1 += u * m[p1 + k];
        b1 += v * m[p1 + k];
        a2 += u * m[p2 + k];
        b2 += v * m[p2 + k];
        a3 += u * m[p3 + k];
        b3 += v * m[p3 + k];
      }
      b0 -= a0 * c;
      b1 -= a1 * c;
      b2 -= a2 * c;
      b3 -= a3 * c;
      K.update4(m.byteOffset + p0 * 8, rb, d1.byteOffset, d2.byteOffset, end, a0, a1, a2, a3, b0, b1, b2, b3);
      for (let k = k0; k < len; k++) {
        const e1 = d1[k],
          e2 = d2[k];
        m[p0 + k] -= a0 * e1 + b0 * e2;
        m[p1 + k] -= a1 * e1 + b1 * e2;
        m[p2 + k] -= a2 * e1 + b2 * e2;
        m[p3 + k] -= a3 * e1 + b3 * e2;
      }
      m[p0 + len] = -b0 * tail;
      m[p1 + len] = -b1 * tail;
      m[p2 + len] = -b2 * tail;
      m[p3 + len] = -b3 * tail;
    }
  }
  for (; j + 3 < len; j += 4) {
    const p0 = j * n,
      p1 = p0 + n,
      p2 = p1 + n,
      p3 = p2 + n;
    let a0 = 0,
      b0 = 0,
      a1 = 0,
      b1 = 0,
      a2 = 0,
      b2 = 0,
      a3 = 0,
      b3 = 0;
    for (let k = 0; k < len; k++) {
      const u = m[r1 + k],
        v = m[r2 + k];
      const x0 = m[p0 + k],
        x1 = m[p1 + k],
        x2 = m[p2 + k],
        x3 = m[p3 + k];
      a0 += u * x0;
      b0 += v * x0;
      a1 += u * x1;
      b1 += v * x1;
      a2 += u * x2;
      b2 += v * x2;
      a3 += u * x3;
      b3 += v * x3;
    }
    b0 -= a0 * c;
    b1 -= a1 * c;
    b2 -= a2 * c;
    b3 -= a3 * c;
    for (let k = 0; k < len; k++) {
      const e1 = d1[k],
        e2 = d2[k];
      m[p0 + k] -= a0 * e1 + b0 * e2;
      m[p1 + k] -= a1 * e1 + b1 * e2;
      m[p2 + k] -= a2 * e1 + b2 * e2;
      m[p3 + k] -= a3 * e1 + b3 * e2;
    }
    m[p0 + len] = -b0 * tail;
    m[p1 + len] = -b1 * tail;
    m[p2 + len] = -b2 * tail;
    m[p3 + len] = -b3 * tail;
  }
  for (; j + 1 < len; j += 2) {
    const p0 = j * n,
      p1 = p0 + n;
    let a0 = 0,
      b0 = 0,
      a1 = 0,
      b1 = 0;
    for (let k = 0; k < len; k++) {
      const u = m[r1 + k],
        v = m[r2 + k];
      const x0 = m[p0 + k],
        x1 = m[p1 + k];
      a0 += u * x0;
      b0 += v * x0;
      a1 += u * x1;
      b1 += v * x1;
    }
    b0 -= a0 * c;
    b1 -= a1 * c;
    for (let k = 0; k < len; k++) {
      const e1 = d1[k],
        e2 = d2[k];
      m[p0 + k] -= a0 * e1 + b0 * e2;
      m[p1 + k] -= a1 * e1 + b1 * e2;
    }
    m[p0 + len] = -b0 * tail;
    m[p1 + len] = -b1 * tail;
  }
  for (; j < len; j++) {
    const p0 = j * n;
    let a0 = 0,
      b0 = 0;
    for (let k = 0; k < len; k++) {
      const x0 = m[p0 + k];
      a0 += m[r1 + k] * x0;
      b0 += m[r2 + k] * x0;
    }
    b0 -= a0 * c;
    for (let k = 0; k < len; k++) m[p0 + k] -= a0 * d1[k] + b0 * d2[k];
    m[p0 + len] = -b0 * tail;
  }
}

/** Rows j < len: row_j -= (row_h · row_j)·d over the first len entries (one Householder reflection). */
function reflectRows(m: Float64Array, n: number, len: number, rh: number, d: Float64Array): void {
  let j = 0;
  for (; j + 3 < len; j += 4) {
    const r0 = j * n,
      r1 = r0 + n,
      r2 = r1 + n,
      r3 = r2 + n;
    let g0 = 0,
      g1 = 0,
      g2 = 0,
      g3 = 0;
    for (let k = 0; k < len; k++) {
      const h = m[rh + k];
      g0 += h * m[r0 + k];
      g1 += h * m[r1 + k];
      g2 += h * m[r2 + k];
      g3 += h * m[r3 + k];
    }
    for (let k = 0; k < len; k++) {
      const dk = d[k];
      m[r0 + k] -= g0 * dk;
      m[r1 + k] -= g1 * dk;
      m[r2 + k] -= g2 * dk;
      m[r3 + k] -= g3 * dk;
    }
  }
  for (; j < len; j++) {
    const rj = j * n;
    let g = 0;
    for (let k = 0; k < len; k++) g += m[rh + k] * m[rj + k];
    for (let k = 0; k < len; k++) m[rj + k] -= g * d[k];
  }
}
