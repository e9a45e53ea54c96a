// One Adam step over all variables as a single kernel of the wasm backend,
// reading w, g, m, v and writing w', m', v' in one pass. As tfjs ops the same
// update is ~14 passes over the parameters plus a concatenation, slices and one
// add per variable; the wasm backend runs its scalar-broadcast arithmetic and
// sqrt at ~0.5-0.8 ns per element and pass, so for MNIST-sized networks (0.5 M
// parameters) that was ~6 ms of a ~30 ms step. The loop is a small WebAssembly
// SIMD function (f32x4, assembled with wasm/assembler.ts) instantiated on the backend's
// own memory, so it works on the tensors in place; a JavaScript loop (float64,
// ~5 ns per parameter) takes over where that is not possible.
import * as tf from '@tensorflow/tfjs';
import { assemble, F32, I32, V128, W, WasmFn } from '../wasm/assembler';

export const ADAM_KERNEL = 'RacecarAdamStep';

export interface AdamStepAttrs {
  /** Number of variables; inputs are w0.., g0.., m, v. */
  count: number;
  beta1: number;
  beta2: number;
  /** −lr / (1 − beta1ᵗ) */
  stepScale: number;
  /** 1 / (1 − beta2ᵗ) */
  vScale: number;
  epsilon: number;
}

interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { get(id: object): { memoryOffset: number } };
  wasm: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
}

interface WasmMemory {
  buffer: ArrayBufferLike;
}

type SimdAdam = (
  w: number,
  g: number,
  m: number,
  v: number,
  w2: number,
  m2: number,
  v2: number,
  end: number,
  b1: number,
  c1: number,
  b2: number,
  c2: number,
  stepScale: number,
  vScale: number,
  eps: number,
) => void;

/**
 * adam4(w, g, m, v, w2, m2, v2, end, b1, c1, b2, c2, stepScale, vScale, eps) over
 * bytes [0, end) of each array (f32x4): m2 = b1·m + c1·g, v2 = b2·v + c2·g·g,
 * w2 = w + stepScale·m2 / (sqrt(v2·vScale) + eps).
 */
function kernelAdam4(): WasmFn {
  const f = new WasmFn('adam4', [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32]);
  const [w, g, m, v, w2, m2, v2, end] = [0, 1, 2, 3, 4, 5, 6, 7];
  const k = f.local(I32);
  const c = Array.from({ length: 7 }, () => f.local(V128)); // b1 c1 b2 c2 stepScale vScale eps
  const [gv, mv, vv] = [f.local(V128), f.local(V128), f.local(V128)];
  c.forEach((local, i) => f.op(W.get(8 + i), W.splat4, W.set(local)));
  f.loop(k, end, 16, () => {
    f.load(g, k).op(W.set(gv));
    f.load(m, k).op(W.get(c[0]), W.mul4, W.get(c[1]), W.get(gv), W.mul4, W.add4, W.set(mv));
    f.load(v, k).op(W.get(c[2]), W.mul4, W.get(c[3]), W.get(gv), W.mul4, W.get(gv), W.mul4, W.add4, W.set(vv));
    f.storeTo(m2, k, () => f.op(W.get(mv)));
    f.storeTo(v2, k, () => f.op(W.get(vv)));
    f.storeTo(w2, k, () => {
      f.load(w, k);
      f.op(W.get(c[4]), W.get(mv), W.mul4, W.get(vv), W.get(c[5]), W.mul4, W.sqrt4, W.get(c[6]), W.add4, W.div4, W.add4);
    });
  });
  return f;
}

const simdByMemory = new WeakMap<object, SimdAdam | null>();

/** The SIMD kernel instantiated on the backend's memory, or null. */
function simdAdam(be: WasmBackendInternals): SimdAdam | null {
  const memory = be.wasm.wasmMemory ?? be.wasm.asm?.memory;
  if (!memory) return null;
  if (simdByMemory.has(memory)) return simdByMemory.get(memory)!;
  let fn: SimdAdam | null = null;
  try {
    const api = (
      globalThis as unknown as {
        WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: { adam4: SimdAdam } } };
      }
    ).WebAssembly;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    fn = new api.Instance(new api.Module(assemble([kernelAdam4()], shared)), { env: { memory } }).exports.adam4;
  } catch {
    fn = null;
  }
  simdByMemory.set(memory, fn);
  return fn;
}

let registered = false;

/** Registers the kernel for the wasm backend (idempotent). */
export function registerAdamKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: ADAM_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as AdamStepAttrs;
      const be = backend as unknown as WasmBackendInternals;
      const ins = inputs as unknown as Record<string, tf.TensorInfo>;
      const n = a.count;
      const ws = Array.from({ length: n }, (_, i) => ins[`w${i}`]);
      const gs = Array.from({ length: n }, (_, i) => ins[`g${i}`]);
      const outs = [...ws.map((w) => be.makeOutput(w.shape, 'float32')), be.makeOutput(ins.m.shape, 'float32'), be.makeOutput(ins.v.shape, 'float32')];
      const { beta1, beta2, stepScale, vScale, epsilon } = a;
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      const simd = simdAdam(be);
      // Views only after every allocation (an allocation can grow and replace the heap).
      const m = be.typedArrayFromHeap(ins.m);
      const v = be.typedArrayFromHeap(ins.v);
      const m2 = be.typedArrayFromHeap(outs[n]);
      const v2 = be.typedArrayFromHeap(outs[n + 1]);
      const at = (t: tf.TensorInfo, index = 0) => be.dataIdMap.get(t.dataId).memoryOffset + 4 * index;
      let off = 0;
      for (let i = 0; i < n; i++) {
        const w = be.typedArrayFromHeap(ws[i]);
        const g = be.typedArrayFromHeap(gs[i]);
        const w2 = be.typedArrayFromHeap(outs[i]);
        const len = w.length;
        let start = 0;
        if (simd) {
          start = len - (len % 4);
          simd(
            at(ws[i]),
            at(gs[i]),
            at(ins.m, off),
            at(ins.v, off),
            at(outs[i]),
            at(outs[n], off),
            at(outs[n + 1], off),
            start * 4,
            beta1,
            c1,
            beta2,
            c2,
            stepScale,
            vScale,
            epsilon,
          );
        }
        for (let j = start; j < len; j++) {
          const gj = g[j];
          const mj = beta1 * m[off + j] + c1 * gj;
          const vj = beta2 * v[off + j] + c2 * gj * gj;
          m2[off + j] = mj;
          v2[off + j] = vj;
          w2[j] = w[j] + (stepScale * mj) / (Math.sqrt(vj * vScale) + epsilon);
        }
        off += len;
      }
      return outs;
    },
  });
}

/** Whether the active backend runs the fused step. */
export function adamKernelAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(ADAM_KERNEL, 'wasm') !== undefined;
}

/** Runs the kernel: returns [w0'.., m', v']. */
export function adamStep(ws: tf.Tensor[], gs: tf.Tensor[], m: tf.Tensor, v: tf.Tensor, attrs: Omit<AdamStepAttrs, 'count'>): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { m, v };
  ws.forEach((w, i) => {
    inputs[`w${i}`] = w;
    inputs[`g${i}`] = gs[i];
  });
  return tf.engine().runKernel(ADAM_KERNEL, inputs, { ...attrs, count: ws.length } as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
