// The one place the workbench reaches into tfjs internals, kept because it
// pays: under Node, tfjs-backend-wasm 4.x always loads its single-threaded
// build (tfjs issue #3830: its pthread glue is handed a Blob URL, which Node's
// worker_threads cannot load). The Emscripten glue itself supports Node, so we
// instantiate the threaded SIMD build ourselves: the pthread worker runs from
// source (eval), it imports the glue from its file path, and the core count
// the C++ side caps its XNNPACK thread pool with (logical cores / 2, i.e. one
// thread on a 2-core machine) is replaced by requestedWasmThreads(). Any failure
// falls back to the stock single-threaded backend. The pool can be switched off
// and on between kernels (wasmThreadSwitch), which the tfjs program uses to run
// single-threaded while other processes hold the cores (threadGovernor.ts).
// All of this reads the package's build layout and its binary: it is written
// against exactly PATCHED_TFJS and refuses any other version, loudly.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** The tfjs-backend-wasm release whose files and binary this module reads. */
export const PATCHED_TFJS = '4.22.0';

export class WasmThreadsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmThreadsError';
  }
}

/** Throws unless the installed tfjs-backend-wasm is the release this module was written against. */
export function checkPatchedVersion(version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version): void {
  if (version !== PATCHED_TFJS) {
    throw new WasmThreadsError(
      `@tensorflow/tfjs-backend-wasm ${version} is installed, but the threaded wasm loader (engine/tfjs/wasmThreads.ts) reads the internals of ${PATCHED_TFJS}: install ${PATCHED_TFJS}, or set RACECAR_WASM_THREADS=1 for the stock single-threaded build`,
    );
  }
}

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
  if (!Number.isInteger(n) || n < 1) throw new WasmThreadsError(`RACECAR_WASM_THREADS=${env} is not a thread count: use a whole number >= 1 or unset it`);
  return Math.min(n, 8);
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

/** The pool switch of the threaded wasm backend, or null (single-threaded, or not verifiable). */
export function wasmThreadSwitch(): WasmThreadSwitch | null {
  return threadSwitch;
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

export type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
const WASM_PRIORITY = 2; // as tfjs-backend-wasm registers itself

/**
 * Replaces the registered 'wasm' backend factory by one that loads the
 * threaded build (the kernels stay registered under 'wasm'). Returns the stock
 * factory to restore on failure, or null where threads cannot work.
 */
export function useThreadedWasm(threads: number): BackendFactory | null {
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

export function restoreWasmFactory(stock: BackendFactory): void {
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', stock, WASM_PRIORITY);
}
