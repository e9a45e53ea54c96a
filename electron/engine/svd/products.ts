// The SVD's large products (the Gram matrix WᵀW and the images W·v_j) in
// double precision on ONNX Runtime's MLAS DGEMM where the runtime loads:
// ~3-5x faster than the WebAssembly SIMD dot products of svd.ts, same
// precision class (float64 accumulation). Small products and machines without
// the runtime use rowDots.
import { GraphBuilder } from '../onnx/graph';
import { createSyncSession, loadOrt, type SyncSession } from '../onnx/runtime';
import { rowDots } from './rowDots';

/** Below this many multiply-adds the JavaScript kernels are as fast as a runtime call. */
const MIN_WORK = 4e6;

let session: SyncSession | null | undefined;
let enabled = true;

/** Turns the runtime off (tests compare both paths); returns the previous setting. */
export function setRuntimeProducts(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** X·Yᵀ (X: m x k, Y: n x k, row-major doubles), one Gemm with transB. */
function productSession(): SyncSession | null {
  if (session !== undefined) return session;
  session = null;
  if (!loadOrt()) return null;
  const g = new GraphBuilder('racecar-svd-product');
  const x = g.input('x', ['m', 'k'], 'float64');
  const y = g.input('y', ['n', 'k'], 'float64');
  g.output(g.gemm(x, y, { transB: true }), 'out', ['m', 'n'], 'float64');
  session = createSyncSession(g.encode('svd'), 1);
  return session;
}

/** Whether products of this size go to the runtime. */
export function usesRuntime(xr: number, yr: number, len: number): boolean {
  return enabled && xr * yr * len >= MIN_WORK && productSession() !== null;
}

/** out[a*yr + b] = dot(row a of X, row b of Y): X·Yᵀ, as rowDots. */
export function products(
  x: Float64Array,
  xr: number,
  y: Float64Array,
  yr: number,
  len: number,
  out: Float64Array = new Float64Array(xr * yr),
  symmetric = false,
): Float64Array {
  if (usesRuntime(xr, yr, len)) {
    const ort = loadOrt()!;
    const s = productSession()!;
    const T = (a: Float64Array, rows: number, cols: number) =>
      new ort.Tensor('float64', a.length === rows * cols ? a : a.subarray(0, rows * cols), [rows, cols]);
    s.run({ x: T(x, xr, len), y: T(y, yr, len) }, { out: T(out, xr, yr) });
    return out;
  }
  return rowDots(x, xr, y, yr, len, out, symmetric);
}
