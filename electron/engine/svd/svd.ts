// Thin SVD of a layer weight matrix W (rows x cols, used as x·W, so rows is the
// input dimension). tfjs has none, and the matrices are small (<= ~1000 a side),
// so: Gram matrix of the smaller side, symmetric eigen-solver, the other side's
// vectors as images of the first. The large products run on ONNX Runtime's
// DGEMM where it loads (products.ts), else, like the rest of the O(n³) work, in
// register-blocked dot products over contiguous rows.
import { symmetricEigenRows } from './eigen';
import { products } from './products';
import { dot } from './rowDots';

export interface ThinSvd {
  /** Singular values, descending, length k = min(rows, cols). */
  s: Float64Array;
  /** rows x k row-major; column j is the j-th input-space singular vector. */
  u: Float64Array;
  /** cols x k row-major; column j is the j-th output-space singular vector. */
  v: Float64Array;
}

// Below this (relative to s_max) singular vectors are re-resolved from W·V_small (see decompose).
const SUBSPACE_TOL = 1e-6;
// Below this (relative to s_max) the direction of W·v is rounding noise: the basis is completed instead.
const NULL_TOL = 1e-10;
// Below this the image vectors lose orthogonality (error ~ eps·s_max/s_j) and are re-orthogonalised.
const REORTH_TOL = 1e-3;

/** W = U·diag(s)·Vᵀ with orthonormal U (rows x k) and V (cols x k), k = min(rows, cols). */
export function thinSvd(w: ArrayLike<number>, rows: number, cols: number): ThinSvd {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || w.length !== rows * cols) {
    throw new RangeError(`thinSvd: need a ${rows} x ${cols} matrix, got ${w.length} values`);
  }
  const k = Math.min(rows, cols);
  if (k === 0) return { s: new Float64Array(0), u: new Float64Array(0), v: new Float64Array(0) };
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) throw new RangeError('thinSvd: matrix has non-finite entries');
  }

  // Work on A (m x n, m >= n) = W or Wᵀ, and also keep Aᵀ: rows of both are contiguous.
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = k;
  const wRows = Float64Array.from(w); // rows x cols
  const wCols = transpose(wRows, rows, cols); // cols x rows
  const a = tall ? wRows : wCols;
  const at = tall ? wCols : wRows;

  const { s: sv, img: l, right: r } = decompose(a, at, m, n, 0);
  orthonormaliseImages(l, n, m, sv);

  // Sign convention on the input-space side: the entry of largest magnitude is positive.
  const uRows = tall ? l : r;
  const vRows = tall ? r : l;
  for (let j = 0; j < n; j++) {
    let best = 0;
    let bestIdx = j * rows;
    for (let i = j * rows; i < (j + 1) * rows; i++) {
      const x = Math.abs(uRows[i]);
      if (x > best) {
        best = x;
        bestIdx = i;
      }
    }
    if (uRows[bestIdx] < 0) {
      for (let i = j * rows; i < (j + 1) * rows; i++) uRows[i] = -uRows[i];
      for (let i = j * cols; i < (j + 1) * cols; i++) vRows[i] = -vRows[i];
    }
  }
  return { s: sv, u: transpose(uRows, n, rows), v: transpose(vRows, n, cols) };
}

/**
 * Right singular vectors (rows of right) of A (m x n, m >= n; at = Aᵀ) from the
 * eigenvectors of AᵀA, their images img_j = A·v_j, and s_j = ‖A·v_j‖, sorted by
 * s descending. ‖A·v_j‖ is accurate to ~eps·s_max absolutely, sqrt(λ_j) only to
 * ~sqrt(eps)·s_max. Below ~1e-7·s_max the Gram matrix cannot separate the
 * vectors any more (their λ differ by less than its rounding), so that trailing
 * block is decomposed again from its images A·V_small, whose entries carry those
 * small values at full relative precision.
 */
function decompose(a: Float64Array, at: Float64Array, m: number, n: number, depth: number): { s: Float64Array; img: Float64Array; right: Float64Array } {
  const gram = new Float64Array(n * n);
  products(at, n, at, n, m, gram, true);
  const eig = symmetricEigenRows(gram, n).rows;
  const images = products(eig, n, a, m, n); // row j: A·v_j
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) norms[j] = Math.sqrt(dot(images, j * m, images, j * m, m));
  const { s, img, right } = sortBySize(norms, images, m, eig, n);

  let p = 0; // size of the trailing block below the Gram matrix's resolution
  while (p < n && s[n - 1 - p] < SUBSPACE_TOL * s[0]) p++;
  if (p > 0 && p < n && depth < 2) {
    const q = n - p;
    const bt = img.slice(q * m); // (A·V_small)ᵀ, p x m
    const sub = decompose(transpose(bt, p, m), bt, m, p, depth + 1);
    // A·(V_small·r'_j) = B·r'_j: rotate the small block's right vectors accordingly.
    const vSmall = right.slice(q * n);
    products(sub.right, p, transpose(vSmall, p, n), n, p, right.subarray(q * n));
    s.set(sub.s, q);
    img.set(sub.img, q * m);
    // The block's new leading value can exceed the smallest kept one by rounding.
    if (q > 0 && s[q] > s[q - 1]) return sortBySize(s, img, m, right, n);
  }
  return { s, img, right };
}

/** Permutes s descending (stable) and the rows of img (length m) and right (length n) with it. */
function sortBySize(s: Float64Array, img: Float64Array, m: number, right: Float64Array, n: number) {
  const order = Array.from({ length: s.length }, (_, j) => j).sort((x, y) => s[y] - s[x] || x - y);
  const out = { s: new Float64Array(s.length), img: new Float64Array(img.length), right: new Float64Array(right.length) };
  order.forEach((src, j) => {
    out.s[j] = s[src];
    out.img.set(img.subarray(src * m, src * m + m), j * m);
    out.right.set(right.subarray(src * n, src * n + n), j * n);
  });
  return out;
}

/**
 * Scales the rows of l (n images A·v_j of length m, s descending) to unit length.
 * Small singular values give images whose direction carries relative error
 * ~eps·s_max/s_j; those are re-orthogonalised against all earlier rows, and the
 * numerically null ones are replaced by a completion of the orthonormal basis.
 */
function orthonormaliseImages(l: Float64Array, n: number, m: number, s: Float64Array): void {
  const smax = s[0];
  const coef = new Float64Array(n);
  let rowNorm2: Float64Array | null = null; // squared row norms of the accepted basis, for completion
  const usedUnit = new Uint8Array(m);

  for (let j = 0; j < n; j++) {
    const off = j * m;
    let ok = false;
    if (s[j] > NULL_TOL * smax && smax > 0) {
      const inv = 1 / s[j];
      for (let i = off; i < off + m; i++) l[i] *= inv;
      if (s[j] < REORTH_TOL * smax) {
        // Twice is enough (Kahan/Parlett) unless the vector was mostly in the span already.
        ok = orthogonaliseAgainst(l, j, m, coef) > 0.5;
      } else {
        ok = true;
      }
    }
    if (!ok) {
      if (rowNorm2 === null) {
        rowNorm2 = new Float64Array(m);
        for (let p = 0; p < j; p++) {
          for (let i = 0; i < m; i++) rowNorm2[i] += l[p * m + i] * l[p * m + i];
        }
      }
      completeBasis(l, j, m, coef, rowNorm2, usedUnit);
    }
    if (rowNorm2 !== null) {
      for (let i = 0; i < m; i++) rowNorm2[i] += l[off + i] * l[off + i];
    }
  }
}

/**
 * Classical Gram–Schmidt, two passes, of row j of l against rows 0..j-1, then
 * normalises it. Returns the norm kept after the passes (relative to the input norm).
 */
function orthogonaliseAgainst(l: Float64Array, j: number, m: number, coef: Float64Array): number {
  const off = j * m;
  const before = Math.sqrt(dot(l, off, l, off, m));
  if (before === 0) return 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let p = 0; p < j; p++) coef[p] = dot(l, p * m, l, off, m);
    for (let p = 0; p < j; p++) {
      const c = coef[p];
      if (c === 0) continue;
      const po = p * m;
      for (let i = 0; i < m; i++) l[off + i] -= c * l[po + i];
    }
  }
  const after = Math.sqrt(dot(l, off, l, off, m));
  if (after === 0) return 0;
  const inv = 1 / after;
  for (let i = off; i < off + m; i++) l[i] *= inv;
  return after / before;
}

/**
 * Fills row j of l with a unit vector orthogonal to rows 0..j-1: the unit vector e_i
 * least covered by the basis so far (smallest squared row norm), orthogonalised.
 * Deterministic, and the residual of e_i is at least sqrt(1 - j/m) in norm.
 */
function completeBasis(l: Float64Array, j: number, m: number, coef: Float64Array, rowNorm2: Float64Array, used: Uint8Array): void {
  const off = j * m;
  for (;;) {
    let best = -1;
    for (let i = 0; i < m; i++) {
      if (!used[i] && (best < 0 || rowNorm2[i] < rowNorm2[best])) best = i;
    }
    if (best < 0) throw new Error('thinSvd: cannot complete the orthonormal basis');
    used[best] = 1;
    l.fill(0, off, off + m);
    l[off + best] = 1;
    if (orthogonaliseAgainst(l, j, m, coef) > 1e-3) return;
  }
}

/** rows x cols row-major -> cols x rows row-major. */
export function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  // Tiles keep both the read and the write side within a few cache lines.
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) t[j * rows + i] = x[i * cols + j];
      }
    }
  }
  return t;
}
