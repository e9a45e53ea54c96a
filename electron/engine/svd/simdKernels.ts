// WebAssembly SIMD kernels of the eigen-solver and the SVD's row products.
// V8 runs the scalar Float64Array loops of eigen.ts and householder.ts at
// ~4-5 GFLOP/s; the same loops on f64x2 lanes run ~3x faster (Gram block 784
// deep: 12 vs 41 ms). The module is assembled at run time (wasm/assembler.ts);
// its functions are the inner loops only, the
// JavaScript around them keeps the control flow, the edges and odd tails.
// Each kernel has a plain JavaScript twin (in those files), used where
// WebAssembly SIMD is missing and checked against it in the tests.
import { assemble, F64, I32, V128, W, WasmFn } from '../wasm/assembler';

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
