// Picks the fastest backend present: ONNX Runtime (native MLAS kernels, the
// whole training step as one graph; onnx/), then the tfjs backends: tfjs-node
// (native TensorFlow), wasm (SIMD), plain JavaScript. RACECAR_BACKEND forces one.
// The onnx backend leaves tfjs uninitialised: nothing of a run goes through it.
//
// Under Node, tfjs-backend-wasm 4.x always loads its single-threaded build
// (tfjs issue #3830: its pthread glue is handed a Blob URL, which Node's
// worker_threads cannot load). The Emscripten glue itself supports Node, so we
// instantiate the threaded SIMD build ourselves: the pthread worker runs from
// source (eval), it imports the glue from its file path, and the core count
// the C++ side caps its XNNPACK thread pool with (logical cores / 2, i.e. one
// thread on a 2-core machine) is replaced by requestedWasmThreads(). Any failure
// falls back to the stock single-threaded backend. The pool can be switched off
// and on between kernels (wasmThreadSwitch), which the trainer uses to run
// single-threaded while other processes hold the cores. The wasm Slice kernel
// is replaced for contiguous slices (registerFastWasmKernels).
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerFastGradients } from './model/gradients';
import { loadOrt, ortVersion, requestedOnnxThreads } from './onnx/runtime';
import type { BackendName } from './types';

export const BACKENDS: readonly BackendName[] = ['onnx', 'tensorflow', 'wasm', 'cpu'];

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

const HOW_TO: Record<BackendName, string> = {
  onnx: 'reinstall onnxruntime-node (npm ci) or unset RACECAR_BACKEND',
  tensorflow: 'install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node) or unset RACECAR_BACKEND',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm (npm ci) or unset RACECAR_BACKEND',
  cpu: 'reinstall @tensorflow/tfjs (npm ci)',
};

function tryLoad(name: BackendName): boolean {
  if (name === 'onnx') return loadOrt() !== null;
  try {
    if (name === 'tensorflow') require('@tensorflow/tfjs-node');
    else if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
    return tf.findBackendFactory(name) !== null || tf.findBackend(name) !== null;
  } catch {
    return false;
  }
}

/** Backends whose packages load in this process. */
export function availableBackends(): BackendName[] {
  return BACKENDS.filter(tryLoad);
}

let active: BackendName | null = null;
let wasmThreads = 1;

/**
 * XNNPACK threads of the wasm backend: RACECAR_WASM_THREADS (at most 8, the
 * size of the build's worker pool; 1 = the single-threaded build), else one per
 * logical core up to 4: these networks' kernels are too small to gain from more.
 * The trainer turns the pool off while it is slower (threadGovernor.ts), e.g.
 * when several training processes share the cores.
 */
export function requestedWasmThreads(env: string | undefined = process.env.RACECAR_WASM_THREADS): number {
  if (!env?.trim()) return Math.max(1, Math.min(os.cpus().length, 4));
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new BackendError(`RACECAR_WASM_THREADS=${env} is not a thread count: use a whole number >= 1 or unset it`);
  return Math.min(n, 8);
}

/** XNNPACK threads the wasm backend runs with (1 unless the threaded build is active). */
export function activeWasmThreads(): number {
  return active === 'wasm' ? wasmThreads : 1;
}

interface EmscriptenModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: number[]) => number;
  PThread?: { unusedWorkers: { terminate(): unknown }[]; runningWorkers: { unref?(): void }[] };
  wasmMemory?: { buffer: ArrayBufferLike };
  tfjs?: unknown;
  /** Address of the C++ `tfjs::backend::threadpool` pointer (see threadPoolAddress). */
  poolAddress?: number | null;
}

/**
 * Switches the wasm backend's XNNPACK thread pool off and on between kernels.
 * A pool thread that waits for a core makes every kernel wait for it, so when
 * the other cores are busy (another training process, the SVD) one thread is
 * much faster than two (W1: 72 vs 30 steps/s with one core taken); see
 * train/threadGovernor.ts, which picks the faster setting as it goes.
 */
export interface WasmThreadSwitch {
  /** Threads of the pool when on. */
  readonly threads: number;
  readonly on: boolean;
  set(on: boolean): void;
}

let threadSwitch: WasmThreadSwitch | null = null;

/** The pool switch of the threaded wasm backend, or null (single-threaded, other backend, or not verifiable). */
export function wasmThreadSwitch(): WasmThreadSwitch | null {
  return active === 'wasm' ? threadSwitch : null;
}

/**
 * The address of the pool pointer, read from the code of the exported
 * `get_threads_count` (`return threadpool ? pthreadpool_get_threads_count(threadpool) : -1`),
 * whose body starts with `i32.const ADDR; i32.load offset`. A null pointer makes
 * XNNPACK run each operator on the calling thread; the switch is verified
 * against get_threads_count before use.
 */
export function threadPoolAddress(wasm: Uint8Array): number | null {
  let p = 8;
  const leb = (): number => {
    let r = 0;
    let shift = 0;
    let b: number;
    do {
      b = wasm[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const skipLimits = () => {
    const flags = wasm[p++];
    leb();
    if (flags & 1) leb();
  };
  let imported = 0;
  let target = -1;
  let code = -1;
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = leb();
    const end = p + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        for (let names = 0; names < 2; names++) {
          const len = leb(); // (p += leb() would add to the p read before leb advanced it)
          p += len;
        }
        const kind = wasm[p++];
        if (kind === 0) {
          leb();
          imported++;
        } else if (kind === 1) {
          p++;
          skipLimits();
        } else if (kind === 2) skipLimits();
        else if (kind === 3) p += 2;
        else return null;
      }
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const len = leb();
        const name = Buffer.from(wasm.subarray(p, p + len)).toString();
        p += len;
        const kind = wasm[p++];
        const index = leb();
        if (kind === 0 && name === 'get_threads_count') target = index;
      }
    } else if (id === 10) code = p;
    p = end;
  }
  if (target < imported || code < 0) return null;
  p = code;
  const count = leb();
  for (let i = 0; i < count; i++) {
    const size = leb();
    const start = p;
    if (i === target - imported) {
      for (let groups = leb(); groups > 0; groups--) {
        leb();
        p++;
      }
      if (wasm[p++] !== 0x41) return null; // i32.const
      const base = leb(); // small positive address: its signed LEB reads the same
      if (wasm[p++] !== 0x28) return null; // i32.load
      leb(); // alignment
      return base + leb();
    }
    p = start + size;
  }
  return null;
}

function makeThreadSwitch(module: EmscriptenModule, threads: number): WasmThreadSwitch | null {
  const address = module.poolAddress;
  const memory = module.wasmMemory;
  if (address == null || !memory || address % 4 !== 0) return null;
  const count = module.cwrap('get_threads_count', 'number', []);
  const cell = () => new Int32Array(memory.buffer, address, 1); // a fresh view: the heap can grow
  const pool = cell()[0];
  if (pool === 0 || count() !== threads) return null;
  cell()[0] = 0;
  const off = count();
  cell()[0] = pool;
  if (off !== -1 || count() !== threads) return null;
  let on = true;
  return {
    threads,
    get on() {
      return on;
    },
    set(value: boolean) {
      if (value === on) return;
      cell()[0] = value ? pool : 0;
      on = value;
    },
  };
}

/** The threaded SIMD build of tfjs-backend-wasm, instantiated for Node worker_threads. */
async function instantiateThreadedWasm(threads: number): Promise<EmscriptenModule> {
  const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const glue = path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(pkgDir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const factory = require(glue) as (cfg: object) => Promise<EmscriptenModule>;
  // The pthread worker's source, as the package ships it for Blob URLs.
  const workerSource = (
    require(path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }
  ).wasmWorkerContents.replace(/\n/g, '\\n');
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  class SourceWorker extends Worker {
    constructor() {
      super(workerSource, { eval: true });
    }
  }
  const fs = require('node:fs') as typeof import('node:fs');
  const wasmBytes = fs.readFileSync(binary);
  const g = globalThis as { Worker?: unknown };
  // lib has no DOM/WebAssembly types here.
  const wasmApi = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<{ instance: unknown; module: unknown }> } })
    .WebAssembly;
  // The glue re-throws from its own process-wide 'uncaughtException' and
  // 'unhandledRejection' listeners, so that any crash of the process is reported
  // at its one 100 kB source line; Node's defaults (print and exit) are kept instead.
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as import('node:events').EventEmitter;
  const before = events.map((ev) => new Set(emitter.listeners(ev)));
  const dropGlueListeners = () =>
    events.forEach((ev, i) => {
      for (const l of emitter.listeners(ev)) if (!before[i].has(l)) emitter.removeListener(ev, l as (...a: unknown[]) => void);
    });
  const workerBefore = g.Worker;
  let module: EmscriptenModule;
  try {
    module = await factory({
      // Threads are started by the glue with `new Worker(locateFile('...worker.js'))`;
      // the glue set global.Worker to worker_threads' just before.
      locateFile: (p: string, prefix: string) => {
        if (p.endsWith('.worker.js')) {
          g.Worker = SourceWorker;
          return p;
        }
        return p.endsWith('.wasm') ? binary : prefix + p;
      },
      // What each pthread worker imports (it evaluates the file's source).
      mainScriptUrlOrBlob: glue,
      instantiateWasm: (info: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void) => {
        // The C++ side sizes its pool as min(requested, logical cores / 2).
        info.env.emscripten_num_logical_cores = () => 2 * threads;
        // A failure leaves the module pending: the caller's timeout falls back to one thread.
        wasmApi.instantiate(wasmBytes, info).then(
          (r) => receive(r.instance, r.module),
          () => {},
        );
        return {};
      },
    });
  } finally {
    dropGlueListeners();
    // Later threads set it again through locateFile.
    if (workerBefore === undefined) delete g.Worker;
    else g.Worker = workerBefore;
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  module.poolAddress = threadPoolAddress(wasmBytes);
  return module;
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
const WASM_PRIORITY = 2; // as tfjs-backend-wasm registers itself

/**
 * Replaces the registered 'wasm' backend factory by one that loads the
 * threaded build (the kernels stay registered under 'wasm'). Returns the stock
 * factory to restore on failure, or null where threads cannot work.
 */
function useThreadedWasm(threads: number): BackendFactory | null {
  if (threads < 2 || typeof SharedArrayBuffer === 'undefined' || typeof process?.versions?.node !== 'string') return null;
  const stock = tf.findBackendFactory('wasm') as BackendFactory | null;
  if (!stock) return null;
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      wasmPkg.setThreadsCount(threads);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('threaded wasm did not start')), 10_000);
      });
      const module = await Promise.race([instantiateThreadedWasm(threads), timeout]).finally(() => clearTimeout(timer));
      const backend = new wasmPkg.BackendWasm(module as never);
      // The glue pre-starts 8 workers; the XNNPACK pool has taken threads - 1 of them.
      const pool = module.PThread;
      if (pool) {
        for (const w of pool.unusedWorkers) void w.terminate();
        pool.unusedWorkers = [];
        // The pool's threads live as long as the process, but must not keep it alive.
        for (const w of pool.runningWorkers) w.unref?.();
      }
      threadSwitch = makeThreadSwitch(module, threads);
      return backend;
    },
    WASM_PRIORITY,
  );
  return stock;
}

function restoreWasmFactory(stock: BackendFactory): void {
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', stock, WASM_PRIORITY);
}

/** The tfjs backends, fastest first. */
export const TFJS_BACKENDS: readonly BackendName[] = BACKENDS.filter((b) => b !== 'onnx');

/** tfjs backends initialised in this process (switching back to one must not re-create it). */
const started = new Set<BackendName>();

/**
 * Initialises the requested backend, else the fastest present; later calls
 * return the same one unless another is requested.
 */
export async function initBackend(requested: string | undefined = process.env.RACECAR_BACKEND): Promise<BackendName> {
  const want = requested?.trim() || undefined;
  if (want !== undefined && !BACKENDS.includes(want as BackendName)) {
    throw new BackendError(`RACECAR_BACKEND=${want} is not a backend: use one of ${BACKENDS.join(', ')} or unset it`);
  }
  if (active && (!want || want === active)) return active;
  return init(want as BackendName | undefined, BACKENDS);
}

/**
 * A tfjs backend, for code that computes with tfjs whatever trains the runs
 * (the tfjs engine's own tests): RACECAR_BACKEND when it names one, else the
 * fastest present.
 */
export async function initTfjsBackend(requested: string | undefined = process.env.RACECAR_BACKEND): Promise<BackendName> {
  const want = requested?.trim() || undefined;
  if (want && want !== 'onnx') return initBackend(want);
  if (active && active !== 'onnx') return active;
  return init(undefined, TFJS_BACKENDS);
}

async function init(want: BackendName | undefined, all: readonly BackendName[]): Promise<BackendName> {
  const order: BackendName[] = want ? [want] : [...all];
  for (const name of order) {
    if (!tryLoad(name)) continue;
    if (name === 'onnx') {
      try {
        requestedOnnxThreads(); // a bad RACECAR_ONNX_THREADS fails here, before a run exists
      } catch (e) {
        throw new BackendError((e as Error).message);
      }
      active = name;
      return name;
    }
    if (started.has(name)) {
      if (!(await start(name))) continue;
      active = name;
      return name;
    }
    const threads = name === 'wasm' ? requestedWasmThreads() : 1;
    const stock = name === 'wasm' ? useThreadedWasm(threads) : null;
    let ok = await start(name);
    if (!ok && stock) {
      // Threads failed here: the single-threaded build.
      restoreWasmFactory(stock);
      ok = await start(name);
      wasmThreads = 1;
    } else {
      wasmThreads = stock ? threads : 1;
    }
    if (ok) {
      registerFastGradients();
      if (name === 'wasm') registerFastWasmKernels();
      started.add(name);
      active = name;
      return name;
    }
  }
  if (want) throw new BackendError(`RACECAR_BACKEND=${want} is not available here: ${HOW_TO[want]}`);
  throw new BackendError('no backend could be initialised: run npm ci');
}

/** The versions a run records for its backend (the ONNX thread count is added by the trainer). */
export function backendVersions(backend: BackendName): Record<string, string> {
  if (backend === 'onnx') return { onnxruntime: ortVersion() };
  return { tfjs: tf.version.tfjs, ...(backend === 'wasm' ? { wasmThreads: String(activeWasmThreads()) } : {}) };
}

interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let fastKernels = false;

/**
 * The wasm backend's Slice reads the WHOLE input into a fresh JS array (readSync)
 * before copying the slice out, ~0.4 ms for a 100k-element input whatever the
 * slice's size. For contiguous slices (leading-axis ranges, e.g. cutting a flat
 * parameter vector into variables) copy straight from the heap instead; other
 * slices keep the package's kernel.
 */
function registerFastWasmKernels(): void {
  if (fastKernels) return;
  fastKernels = true;
  const stock = tf.getKernel('Slice', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      const shape = x.shape;
      if (x.dtype !== 'string' && shape.length > 0) {
        const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
        if (tf.slice_util.isSliceContinous(shape, begin_, size_)) {
          const backend = args.backend as unknown as WasmBackendInternals;
          const out = backend.makeOutput(size_, x.dtype);
          const n = tf.util.sizeFromShape(size_);
          const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(shape));
          // Views after the allocation: it may have grown (and replaced) the heap.
          backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + n));
          return out;
        }
      }
      return stock.kernelFunc(args) as tf.TensorInfo;
    },
  });
}

async function start(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

export function activeBackend(): BackendName | null {
  return active;
}
