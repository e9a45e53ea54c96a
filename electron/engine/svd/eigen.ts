// Dense symmetric eigen-solver: Householder tridiagonalisation + implicit QL
// (EISPACK tred2/tql2, as in JAMA). The JAMA loops walk columns of V; here the
// working matrix is stored transposed (M = Vᵀ) so every O(n³) loop runs along
// contiguous rows of a Float64Array, and the eigenvectors come out as rows.
import { assemble, F64, I32, V128, W, WasmFn } from '../wasm/assembler';

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n x n row-major; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

export interface SymmetricEigenRows {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n x n row-major; ROW j is the unit eigenvector of values[j]. */
  rows: Float64Array;
}

/** Eigen-decomposition of the symmetric n x n row-major matrix a (only its upper triangle is read). */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  const { values, rows } = symmetricEigenRows(a, n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) vectors[j * n + i] = rows[i * n + j];
  }
  return { values, vectors };
}

/** Same as symmetricEigen, eigenvectors as rows (the layout the SVD wants). */
export function symmetricEigenRows(a: ArrayLike<number>, n: number): SymmetricEigenRows {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n) {
    throw new RangeError(`symmetricEigen: need an n x n matrix, got n=${n}, length ${a.length}`);
  }
  // With the SIMD kernels the working arrays live in their memory.
  const K = n >= 16 ? simdKernels() : null;
  const heap = K ? K.session(n * n + 4 * n) : null;
  const part = (at: number, len: number) => (heap ? heap.subarray(at, at + len) : new Float64Array(len));
  const m = part(0, n * n);
  if (heap) m.fill(0);
  // Mirror the upper triangle so the input need not be exactly symmetric.
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = a[i * n + j];
      if (!Number.isFinite(x)) throw new RangeError('symmetricEigen: matrix has non-finite entries');
      m[i * n + j] = x;
      m[j * n + i] = x;
    }
  }
  const d = part(n * n, n).fill(0);
  const e = part(n * n + n, n).fill(0);
  if (n === 0) return { values: new Float64Array(0), rows: new Float64Array(0) };
  tred2(m, n, d, e, part(n * n + 2 * n, n).fill(0), part(n * n + 3 * n, n).fill(0), K);
  tql2(m, n, d, e, K);

  // tql2 leaves eigenvalues unordered; emit them descending with their rows.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  const rows = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j];
    values[j] = d[src];
    rows.set(m.subarray(src * n, src * n + n), j * n);
  }
  return { values, rows };
}

/**
 * Householder reduction to tridiagonal form (JAMA tred2 with V[r][c] read as m[c*n + r]).
 * On return d holds the diagonal, e the subdiagonal (e[0] = 0) and m the transposed
 * orthogonal transform.
 */
function tred2(m: Float64Array, n: number, d: Float64Array, e: Float64Array, d1: Float64Array, d2: Float64Array, K: Kernels | null): void {
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

/**
 * Implicit QL on the tridiagonal (d, e) (JAMA tql2), rotating the rows of m when
 * given. With vectors, the rotations dominate the cost (~n³ per sweep count), so the
 * first sweep for each eigenvalue uses a "perfect" shift: an eigenvalue of the
 * current block, found beforehand by the same QL without vectors (O(n²)). An exact
 * eigenvalue as shift deflates the top of the block in one sweep instead of the
 * usual ~2; when rounding defeats it, the ordinary Wilkinson shift takes over, so
 * convergence and backward stability are those of plain tql2.
 */
function tql2(m: Float64Array | null, n: number, d: Float64Array, e: Float64Array, K: Kernels | null = null): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;

  // Rotations of one sweep, applied to the rows of m after the sweep (fused, see rotateSweep).
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  const pool = new Float64Array(n); // eigenvalues (absolute, i.e. + f) of block [l, poolEnd] not yet deflated
  let poolCount = 0;
  let poolEnd = -1;
  // Recomputing the pool costs O(block²); cap the total so frequent splits cannot make it O(n³).
  let poolBudget = m === null ? 0 : 8 * n * n;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element (absolute test against the largest entry seen).
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let mm = l;
    while (mm < n && Math.abs(e[mm]) > eps * tst1) mm++;
    if (mm === n) mm = n - 1; // e[n-1] = 0, so unreachable; keeps indices in range.

    if (mm > l) {
      if (mm !== poolEnd && poolBudget > 0) {
        const len = mm - l + 1;
        poolBudget -= len * len;
        const pd = d.slice(l, mm + 1);
        const pe = new Float64Array(len);
        pe.set(e.subarray(l, mm)); // pe[len-1] = 0: the block is isolated
        pe.copyWithin(1, 0); // tql2 expects the subdiagonal shifted up by one
        tql2(null, len, pd, pe);
        for (let i = 0; i < len; i++) pool[i] = pd[i] + f;
        poolCount = len;
        poolEnd = mm;
      }
      let iter = 0;
      let perfect = false;
      do {
        if (++iter > 100) throw new Error(`symmetricEigen: QL did not converge (eigenvalue ${l} of ${n})`);
        // Wilkinson shift: the eigenvalue of the leading 2 x 2 closer to d[l].
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        perfect = iter === 1 && poolEnd === mm && poolCount > 0;
        let h: number;
        if (perfect) {
          // The remaining eigenvalue of the block nearest the Wilkinson estimate.
          const target = g - e[l] / (p + r) + f;
          let best = 0;
          for (let q = 1; q < poolCount; q++) {
            if (Math.abs(pool[q] - target) < Math.abs(pool[best] - target)) best = q;
          }
          h = pool[best] - f;
          for (let i = l; i < n; i++) d[i] -= h;
        } else {
          d[l] = e[l] / (p + r);
          d[l + 1] = e[l] * (p + r);
          h = g - d[l];
          for (let i = l + 2; i < n; i++) d[i] -= h;
        }
        const dl1 = d[l + 1];
        f += h;

        p = d[mm];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = mm - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cs[i] = c;
          sn[i] = s;
        }
        if (m !== null) rotateSweep(m, n, l, mm, cs, sn, K);
        // EISPACK's cancellation-free form of the last p relies on the Wilkinson shift
        // (shifted leading 2 x 2 singular); the perfect shift keeps the plain recurrence.
        if (!perfect) p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        // After a perfect shift e[l] is rounding noise of a cancellation (a few ulps of
        // ‖T‖, below the Gram matrix's own error); demanding one ulp would cost a sweep.
      } while (Math.abs(e[l]) > (perfect ? 16 : 1) * eps * tst1);
      if (poolEnd === mm && poolCount > 0) {
        // Drop the pool entry this deflation found.
        const found = d[l] + f;
        let best = 0;
        for (let q = 1; q < poolCount; q++) {
          if (Math.abs(pool[q] - found) < Math.abs(pool[best] - found)) best = q;
        }
        pool[best] = pool[--poolCount];
      }
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Applies rotation i (rows i, i+1) <- (c·r_i − s·r_{i+1}, s·r_i + c·r_{i+1}) for
 * i = hi-1 down to lo, the order of the QL sweep. Four consecutive rotations share
 * one pass over their five rows, keeping the carried row in a register: the
 * unfused row-pair loop is load/store bound.
 */
function rotateSweep(m: Float64Array, n: number, lo: number, hi: number, cs: Float64Array, sn: Float64Array, K: Kernels | null): void {
  let i = hi - 1;
  // The kernels take the even part of each row, JavaScript the odd last column.
  const k0 = K ? n - (n & 1) : 0;
  if (K) {
    const rb = n * 8;
    const end = k0 * 8;
    for (; i - 3 >= lo; i -= 4) {
      const r4 = (i - 3) * n;
      K.rot4(m.byteOffset + r4 * 8, rb, end, cs[i], sn[i], cs[i - 1], sn[i - 1], cs[i - 2], sn[i - 2], cs[i - 3], sn[i - 3]);
    }
    for (; i >= lo; i--) K.rot1(m.byteOffset + i * n * 8, rb, end, cs[i], sn[i]);
    if (k0 === n) return;
    i = hi - 1;
  }
  for (; i - 3 >= lo; i -= 4) {
    const c1 = cs[i],
      s1 = sn[i],
      c2 = cs[i - 1],
      s2 = sn[i - 1];
    const c3 = cs[i - 2],
      s3 = sn[i - 2],
      c4 = cs[i - 3],
      s4 = sn[i - 3];
    const r4 = (i - 3) * n,
      r3 = r4 + n,
      r2 = r3 + n,
      r1 = r2 + n,
      r0 = r1 + n;
    for (let k = k0; k < n; k++) {
      let y = m[r0 + k];
      let x = m[r1 + k];
      m[r0 + k] = s1 * x + c1 * y;
      y = c1 * x - s1 * y;
      x = m[r2 + k];
      m[r1 + k] = s2 * x + c2 * y;
      y = c2 * x - s2 * y;
      x = m[r3 + k];
      m[r2 + k] = s3 * x + c3 * y;
      y = c3 * x - s3 * y;
      x = m[r4 + k];
      m[r3 + k] = s4 * x + c4 * y;
      m[r4 + k] = c4 * x - s4 * y;
    }
  }
  for (; i >= lo; i--) {
    const c = cs[i],
      s = sn[i],
      a = i * n,
      b = a + n;
    for (let k = k0; k < n; k++) {
      const x = m[a + k];
      const y = m[b + k];
      m[b + k] = s * x + c * y;
      m[a + k] = c * x - s * y;
    }
  }
}

/** sqrt(a² + b²) without overflow; Math.hypot is much slower in V8. */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const t = y / x;
    return x * Math.sqrt(1 + t * t);
  }
  if (y === 0) return 0;
  const t = x / y;
  return y * Math.sqrt(1 + t * t);
}

// ---------------------------------------------------------------------------
// WebAssembly SIMD kernels. V8 runs the scalar Float64Array loops above at
// ~4-5 GFLOP/s; the same loops on f64x2 lanes run ~3x faster (Gram block 784
// deep: 12 vs 41 ms). The module is assembled at run time (wasm/assembler.ts);
// its functions are the inner loops only, the
// JavaScript around them keeps the control flow, the edges and odd tails.
// Each kernel has a plain JavaScript twin (the code above), used where
// WebAssembly SIMD is missing and checked against it in the tests.
// ---------------------------------------------------------------------------

/** Horizontal sum of a v128 local, stored as f64 at out + 8·slot. */
function storeSum(f: WasmFn, out: number, acc: number, slot: number): void {
  f.op(W.get(out), W.get(acc), W.lane(0), W.get(acc), W.lane(1), W.fadd, W.f64store(8 * slot));
}

/**
 * dots3(x, y, rowBytes, end, out): the 3 x 3 block of dot products of rows
 * x, x+rowBytes, x+2·rowBytes with rows y, ... over bytes [0, end) (end a
 * multiple of 16), into out[0..8] row-major.
 */
function kernelDots3(): WasmFn {
  const f = new WasmFn('dots3', [I32, I32, I32, I32, I32]);
  const [x, y, rb, end, out] = [0, 1, 2, 3, 4];
  const k = f.local(I32);
  const p = [f.local(I32), f.local(I32), f.local(I32)];
  const q = [f.local(I32), f.local(I32), f.local(I32)];
  const acc = Array.from({ length: 9 }, () => f.local(V128));
  const xv = [f.local(V128), f.local(V128), f.local(V128)];
  const yv = [f.local(V128), f.local(V128), f.local(V128)];
  f.op(W.get(x), W.set(p[0]), W.get(x), W.get(rb), W.add, W.tee(p[1]), W.get(rb), W.add, W.set(p[2]));
  f.op(W.get(y), W.set(q[0]), W.get(y), W.get(rb), W.add, W.tee(q[1]), W.get(rb), W.add, W.set(q[2]));
  for (const a of acc) f.op(W.vzero, W.set(a));
  f.loop(k, end, 16, () => {
    for (let r = 0; r < 3; r++) f.load(p[r], k).op(W.set(xv[r]));
    for (let c = 0; c < 3; c++) f.load(q[c], k).op(W.set(yv[c]));
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) f.op(W.get(acc[3 * r + c]), W.get(xv[r]), W.get(yv[c]), W.vmul, W.vadd, W.set(acc[3 * r + c]));
    }
  });
  acc.forEach((a, i) => storeSum(f, out, a, i));
  return f;
}

/** rot1(a, rowBytes, end, c, s): rows a, b = a + rowBytes: (a, b) <- (c·a − s·b, s·a + c·b). */
function kernelRot1(): WasmFn {
  const f = new WasmFn('rot1', [I32, I32, I32, F64, F64]);
  const [a, rb, end, c, s] = [0, 1, 2, 3, 4];
  const k = f.local(I32);
  const b = f.local(I32);
  const [vc, vs, x, y] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.op(W.get(a), W.get(rb), W.add, W.set(b), W.get(c), W.splat, W.set(vc), W.get(s), W.splat, W.set(vs));
  f.loop(k, end, 16, () => {
    f.load(a, k).op(W.set(x)).load(b, k).op(W.set(y));
    f.storeTo(b, k, () => f.op(W.get(vs), W.get(x), W.vmul, W.get(vc), W.get(y), W.vmul, W.vadd));
    f.storeTo(a, k, () => f.op(W.get(vc), W.get(x), W.vmul, W.get(vs), W.get(y), W.vmul, W.vsub));
  });
  return f;
}

/**
 * rot4(r4, rowBytes, end, c1, s1, .., c4, s4): four consecutive QL rotations on
 * rows r0 = r4 + 4·rowBytes down to r4, the carried row kept in a register
 * (see rotateSweep).
 */
function kernelRot4(): WasmFn {
  const f = new WasmFn('rot4', [I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64]);
  const [r4, rb, end] = [0, 1, 2];
  const k = f.local(I32);
  const rows = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)]; // r0..r3
  const cv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const sv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const [x, y] = [f.local(V128), f.local(V128)];
  // r3 = r4 + rb, r2 = r3 + rb, r1 = r2 + rb, r0 = r1 + rb
  f.op(W.get(r4), W.get(rb), W.add, W.tee(rows[3]), W.get(rb), W.add, W.tee(rows[2]), W.get(rb), W.add, W.tee(rows[1]), W.get(rb), W.add, W.set(rows[0]));
  for (let i = 0; i < 4; i++) f.op(W.get(3 + 2 * i), W.splat, W.set(cv[i]), W.get(4 + 2 * i), W.splat, W.set(sv[i]));
  const seq = [rows[0], rows[1], rows[2], rows[3], r4];
  f.loop(k, end, 16, () => {
    f.load(seq[0], k).op(W.set(y));
    for (let i = 0; i < 4; i++) {
      f.load(seq[i + 1], k).op(W.set(x));
      // row_i <- s·x + c·y ; y <- c·x − s·y
      f.storeTo(seq[i], k, () => f.op(W.get(sv[i]), W.get(x), W.vmul, W.get(cv[i]), W.get(y), W.vmul, W.vadd));
      f.op(W.get(cv[i]), W.get(x), W.vmul, W.get(sv[i]), W.get(y), W.vmul, W.vsub, W.set(y));
    }
    f.storeTo(r4, k, () => f.op(W.get(y)));
  });
  return f;
}

/**
 * symRows4(r0, rowBytes, d, e, end, f0, f1, f2, f3, out): for rows r0..r3 over
 * bytes [0, end): g_i = Σ row_i·d (into out[0..3]) and e += Σ_i f_i·row_i
 * (the off-diagonal part of symUpperMatVec).
 */
function kernelSymRows4(): WasmFn {
  const f = new WasmFn('symRows4', [I32, I32, I32, I32, I32, F64, F64, F64, F64, I32]);
  const [r0, rb, d, e, end, out] = [0, 1, 2, 3, 4, 9];
  const k = f.local(I32);
  const rows = [r0, f.local(I32), f.local(I32), f.local(I32)];
  const fv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const g = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const xv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const dk = f.local(V128);
  f.op(W.get(r0), W.get(rb), W.add, W.tee(rows[1]), W.get(rb), W.add, W.tee(rows[2]), W.get(rb), W.add, W.set(rows[3]));
  for (let i = 0; i < 4; i++) f.op(W.get(5 + i), W.splat, W.set(fv[i]), W.vzero, W.set(g[i]));
  f.loop(k, end, 16, () => {
    for (let i = 0; i < 4; i++) f.load(rows[i], k).op(W.set(xv[i]));
    f.load(d, k).op(W.set(dk));
    for (let i = 0; i < 4; i++) f.op(W.get(g[i]), W.get(xv[i]), W.get(dk), W.vmul, W.vadd, W.set(g[i]));
    f.storeTo(e, k, () => {
      f.load(e, k);
      for (let i = 0; i < 4; i++) f.op(W.get(xv[i]), W.get(fv[i]), W.vmul, W.vadd);
    });
  });
  g.forEach((a, i) => storeSum(f, out, a, i));
  return f;
}

/** rank2Rows2(r0, rowBytes, e, d, end, f0, g0, f1, g1): row_i −= f_i·e + g_i·d for rows r0, r0 + rowBytes. */
function kernelRank2Rows2(): WasmFn {
  const f = new WasmFn('rank2Rows2', [I32, I32, I32, I32, I32, F64, F64, F64, F64]);
  const [r0, rb, e, d, end] = [0, 1, 2, 3, 4];
  const k = f.local(I32);
  const r1 = f.local(I32);
  const s = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)]; // f0 g0 f1 g1
  const [ev, dv] = [f.local(V128), f.local(V128)];
  f.op(W.get(r0), W.get(rb), W.add, W.set(r1));
  for (let i = 0; i < 4; i++) f.op(W.get(5 + i), W.splat, W.set(s[i]));
  f.loop(k, end, 16, () => {
    f.load(e, k).op(W.set(ev)).load(d, k).op(W.set(dv));
    f.storeTo(r0, k, () => f.load(r0, k).op(W.get(s[0]), W.get(ev), W.vmul, W.get(s[1]), W.get(dv), W.vmul, W.vadd, W.vsub));
    f.storeTo(r1, k, () => f.load(r1, k).op(W.get(s[2]), W.get(ev), W.vmul, W.get(s[3]), W.get(dv), W.vmul, W.vadd, W.vsub));
  });
  return f;
}

/** dots4x2(p0, rowBytes, u, v, end, out): a_i = Σ u·row_i, b_i = Σ v·row_i for rows p0..p3 -> out[a0..a3, b0..b3]. */
function kernelDots4x2(): WasmFn {
  const f = new WasmFn('dots4x2', [I32, I32, I32, I32, I32, I32]);
  const [p0, rb, u, v, end, out] = [0, 1, 2, 3, 4, 5];
  const k = f.local(I32);
  const rows = [p0, f.local(I32), f.local(I32), f.local(I32)];
  const a = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const b = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const [uv, vv, x] = [f.local(V128), f.local(V128), f.local(V128)];
  f.op(W.get(p0), W.get(rb), W.add, W.tee(rows[1]), W.get(rb), W.add, W.tee(rows[2]), W.get(rb), W.add, W.set(rows[3]));
  for (let i = 0; i < 4; i++) f.op(W.vzero, W.set(a[i]), W.vzero, W.set(b[i]));
  f.loop(k, end, 16, () => {
    f.load(u, k).op(W.set(uv)).load(v, k).op(W.set(vv));
    for (let i = 0; i < 4; i++) {
      f.load(rows[i], k).op(W.set(x));
      f.op(W.get(a[i]), W.get(uv), W.get(x), W.vmul, W.vadd, W.set(a[i]));
      f.op(W.get(b[i]), W.get(vv), W.get(x), W.vmul, W.vadd, W.set(b[i]));
    }
  });
  a.forEach((acc, i) => storeSum(f, out, acc, i));
  b.forEach((acc, i) => storeSum(f, out, acc, 4 + i));
  return f;
}

/** update4(p0, rowBytes, d1, d2, end, a0..a3, b0..b3): row_i −= a_i·d1 + b_i·d2 for rows p0..p3. */
function kernelUpdate4(): WasmFn {
  const f = new WasmFn('update4', [I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64]);
  const [p0, rb, d1, d2, end] = [0, 1, 2, 3, 4];
  const k = f.local(I32);
  const rows = [p0, f.local(I32), f.local(I32), f.local(I32)];
  const av = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const bv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const [e1, e2] = [f.local(V128), f.local(V128)];
  f.op(W.get(p0), W.get(rb), W.add, W.tee(rows[1]), W.get(rb), W.add, W.tee(rows[2]), W.get(rb), W.add, W.set(rows[3]));
  for (let i = 0; i < 4; i++) f.op(W.get(5 + i), W.splat, W.set(av[i]), W.get(9 + i), W.splat, W.set(bv[i]));
  f.loop(k, end, 16, () => {
    f.load(d1, k).op(W.set(e1)).load(d2, k).op(W.set(e2));
    for (let i = 0; i < 4; i++) {
      f.storeTo(rows[i], k, () => f.load(rows[i], k).op(W.get(av[i]), W.get(e1), W.vmul, W.get(bv[i]), W.get(e2), W.vmul, W.vadd, W.vsub));
    }
  });
  return f;
}

interface KernelExports {
  dots3(x: number, y: number, rowBytes: number, end: number, out: number): void;
  rot1(a: number, rowBytes: number, end: number, c: number, s: number): void;
  rot4(r4: number, rowBytes: number, end: number, c1: number, s1: number, c2: number, s2: number, c3: number, s3: number, c4: number, s4: number): void;
  symRows4(r0: number, rowBytes: number, d: number, e: number, end: number, f0: number, f1: number, f2: number, f3: number, out: number): void;
  rank2Rows2(r0: number, rowBytes: number, e: number, d: number, end: number, f0: number, g0: number, f1: number, g1: number): void;
  dots4x2(p0: number, rowBytes: number, u: number, v: number, end: number, out: number): void;
  update4(
    p0: number,
    rowBytes: number,
    d1: number,
    d2: number,
    end: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    b0: number,
    b1: number,
    b2: number,
    b3: number,
  ): void;
}

/** The kernels and the memory they work in. Arrays handed to them must be views of `memory`. */
export interface Kernels extends KernelExports {
  /** A view of doubles [0, count) of the memory, grown as needed; earlier views die on growth. */
  session(count: number): Float64Array;
  /** The view the last session returned (scratch included). */
  heap: Float64Array;
  /** Byte offset of 16 doubles of scratch after the last session's doubles. */
  scratch: number;
  owns(a: Float64Array): boolean;
}

interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(b: Uint8Array): boolean;
}

let kernels: Kernels | null | undefined;
let simdEnabled = true;

/** Turns the WebAssembly kernels off (tests compare both paths); returns the previous setting. */
export function setSimdKernels(on: boolean): boolean {
  const was = simdEnabled;
  simdEnabled = on;
  return was;
}

/** The SIMD kernels, or null where WebAssembly SIMD is not available (or turned off). */
export function simdKernels(): Kernels | null {
  if (!simdEnabled) return null;
  if (kernels !== undefined) return kernels;
  kernels = null;
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  try {
    const bytes = assemble([kernelDots3(), kernelRot1(), kernelRot4(), kernelSymRows4(), kernelRank2Rows2(), kernelDots4x2(), kernelUpdate4()]);
    if (!api.validate(bytes)) return null;
    const memory = new api.Memory({ initial: 1 });
    const exports = new api.Instance(new api.Module(bytes), { env: { memory } }).exports as unknown as KernelExports;
    let capacity = memory.buffer.byteLength;
    const k: Kernels = {
      ...exports,
      heap: new Float64Array(0),
      scratch: 0,
      session(count: number): Float64Array {
        const bytesNeeded = (count + 16) * 8;
        if (bytesNeeded > capacity) {
          memory.grow(Math.ceil((bytesNeeded - capacity) / 65536));
          capacity = memory.buffer.byteLength;
        }
        k.scratch = count * 8;
        k.heap = new Float64Array(memory.buffer, 0, count + 16);
        return k.heap;
      },
      owns: (a: Float64Array) => a.buffer === memory.buffer,
    };
    kernels = k;
  } catch {
    kernels = null;
  }
  return kernels;
}
