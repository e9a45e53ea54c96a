// ONNX Runtime (onnxruntime-node: native MLAS kernels, prebuilt for Linux,
// macOS and Windows on x64 and arm64), loaded on first use so that a machine
// where its binary cannot load still runs every other backend.
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../util/errorMessage';
import type * as OrtModule from 'onnxruntime-node';
import type { Provider } from './providers';

export type Ort = typeof OrtModule;
export type OrtTensor = OrtModule.Tensor;
export type OrtSession = OrtModule.InferenceSession;

let loaded: Ort | null | undefined;
let loadError = '';

/** The runtime, or null where its native binding does not load here. */
export function loadOrt(): Ort | null {
  if (loaded !== undefined) return loaded;
  try {
    const ort = require('onnxruntime-node') as Ort;
    // Loading the package does not load the binary yet: ask it for its backends.
    const list = (ort as unknown as { listSupportedBackends?: () => { name: string }[] }).listSupportedBackends?.() ?? [];
    if (!list.some((b) => b.name === 'cpu')) throw new Error('onnxruntime-node has no CPU backend');
    // Failures come back as exceptions with their reason; ORT's own logger would also print them on stderr.
    ort.env.logLevel = 'fatal';
    loaded = ort;
  } catch (e) {
    loadError = errorMessage(e).split('\n')[0];
    loaded = null;
  }
  return loaded;
}

export function ortVersion(): string {
  return loadOrt()?.env.versions.node ?? 'unavailable';
}

export class OnnxThreadsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxThreadsError';
  }
}

/**
 * Intra-op threads per training process: RACECAR_ONNX_THREADS, else null (the
 * engine decides, see onnxEngine.ts).
 */
export function requestedOnnxThreads(env: string | undefined = process.env.RACECAR_ONNX_THREADS): number | null {
  if (!env?.trim()) return null;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new OnnxThreadsError(`RACECAR_ONNX_THREADS=${env} is not a thread count: use a whole number from 1 to 64 or unset it`);
  }
  return n;
}

/** Threads the machine could give one process (for the default). */
export const coreCount = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/**
 * Below this many floating-point operations per training step (stepFlops in
 * stepGraph.ts) one thread is faster than two: the step is many small kernels
 * and handing them to a pool costs more than it saves. Measured side by side
 * on 2 cores, one process alone and two in parallel: the peak net (W1, ~1.2e8
 * per step) 513 vs 452 steps/s alone, 460 vs 415 each in parallel; 784-128-256-10
 * at batch 128 (~2.2e8) 320 vs 356; W2 (~8.3e8) 93 vs 119 alone, 81 vs 83 each
 * in parallel.
 */
export const POOL_MIN_FLOPS = 1.6e8;

/**
 * Intra-op threads of a training process: RACECAR_ONNX_THREADS, else 1 for
 * small steps and 2 (where there are two cores) for large ones. A function of
 * the config, not of the load, so that a run's bits do not depend on the
 * machine's business: ONNX Runtime splits some products differently with
 * another thread count. Runs record the count (versions.onnxThreads).
 */
export function onnxThreads(stepFlops: number): number {
  return requestedOnnxThreads() ?? (stepFlops < POOL_MIN_FLOPS ? 1 : Math.min(2, coreCount()));
}

/**
 * A session for a graph on an execution provider (the CPU's by default). The
 * pool threads sleep instead of spinning between kernels: a spinning thread
 * takes a core from the other training process.
 */
export async function createSession(bytes: Uint8Array, threads: number, provider: Provider = 'cpu'): Promise<OrtSession> {
  const ort = loadOrt();
  if (!ort) throw new Error(`onnxruntime-node does not load here: ${loadError}`);
  return ort.InferenceSession.create(bytes, {
    // Nodes a GPU provider does not take run on the CPU provider, which ORT always adds.
    executionProviders: [provider],
    logSeverityLevel: 3, // errors only: ORT warns on stderr about harmless graph clean-ups
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

/** A session whose run returns at once (for synchronous callers such as the SVD). */
export interface SyncSession {
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>): Record<string, OrtTensor>;
}

interface NativeBinding {
  binding: {
    InferenceSession: new () => {
      loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
      run(feeds: object, fetches: object, options: object): Record<string, OrtTensor>;
    };
  };
  initOrt(): void;
}

/**
 * The package's native session, run synchronously: its public run() is this
 * call deferred by setImmediate. Null where the package's layout differs (the
 * caller then computes without the runtime).
 */
export function createSyncSession(bytes: Uint8Array, threads: number): SyncSession | null {
  if (!loadOrt()) return null;
  try {
    const native = require(path.join(path.dirname(require.resolve('onnxruntime-node')), 'binding')) as NativeBinding;
    native.initOrt();
    const s = new native.binding.InferenceSession();
    s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 });
    return { run: (feeds, fetches) => s.run(feeds, fetches, {}) };
  } catch {
    return null;
  }
}
