// Dense symmetric eigen-solver: Householder tridiagonalisation + implicit QL
// (EISPACK tred2/tql2, as in JAMA). The JAMA loops walk columns of V; here the
// working matrix is stored transposed (M = Vᵀ) so every O(n³) loop runs along
// contiguous rows of a Float64Array, and the eigenvectors come out as rows.
// Here: the entry points and the QL iteration; the Householder half in
// householder.ts, the SIMD inner loops in simdKernels.ts.
import { tred2 } from './householder';
import { simdKernels, type Kernels } from './simdKernels';

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
