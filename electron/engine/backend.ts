// Picks the fastest backend present: ONNX Runtime (native MLAS kernels, the
// whole training step as one graph; onnx/), then the tfjs backends: tfjs-node
// (native TensorFlow), wasm (SIMD), plain JavaScript. RACECAR_BACKEND forces one.
// The onnx backend leaves tfjs uninitialised: nothing of a run goes through it.
// Every backend runs the same graphs (model/graphs.ts). The wasm backend runs
// its threaded build where it can (tfjs/wasmThreads.ts, the one patch of tfjs
// internals, version-checked).
import * as tf from '@tensorflow/tfjs';
import { PROVIDERS, requestedProvider } from './onnx/providers';
import { checkPatchedVersion, requestedWasmThreads, restoreWasmFactory, useThreadedWasm, wasmThreadSwitch, WasmThreadsError } from './tfjs/wasmThreads';
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

/** XNNPACK threads the wasm backend runs with (1 unless the threaded build is active). */
export function activeWasmThreads(): number {
  return active === 'wasm' ? wasmThreads : 1;
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
  let want = requested?.trim() || undefined;
  // onnx-<provider> is ONNX Runtime on that execution provider (onnx/providers.ts).
  const provider = requestedProvider(want);
  if (provider) want = 'onnx';
  if (want !== undefined && !BACKENDS.includes(want as BackendName)) {
    const gpus = PROVIDERS.filter((p) => p !== 'cpu').map((p) => `onnx-${p}`);
    throw new BackendError(`RACECAR_BACKEND=${want} is not a backend: use one of ${[...BACKENDS, ...gpus].join(', ')} or unset it`);
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
  if (want && want !== 'onnx' && !requestedProvider(want)) return initBackend(want);
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
    let ok: boolean;
    if (name === 'wasm') {
      let threads: number;
      try {
        threads = requestedWasmThreads();
        if (threads > 1) checkPatchedVersion();
      } catch (e) {
        throw e instanceof WasmThreadsError ? new BackendError(e.message) : e;
      }
      const stock = useThreadedWasm(threads);
      ok = await start(name);
      if (!ok && stock) {
        // Threads failed here: the single-threaded build.
        restoreWasmFactory(stock);
        ok = await start(name);
      }
      wasmThreads = ok && stock && wasmThreadSwitch() ? threads : 1;
    } else ok = await start(name);
    if (ok) {
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
