// ONNX Runtime (onnxruntime-node: native MLAS kernels, prebuilt for Linux,
// macOS and Windows on x64 and arm64), loaded on first use so that a machine
// where its binary cannot load still runs every other backend.
import * as os from 'node:os';
import * as path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';

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
    loaded = ort;
  } catch (e) {
    loadError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    loaded = null;
  }
  return loaded;
}

/** Why loadOrt() returned null. */
export const ortLoadError = (): string => loadError;

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
 * How a training process uses threads. RACECAR_ONNX_THREADS=n fixes n. Without
 * it the engine keeps a one-thread session and a pooled one (all cores, at
 * most 4) and times them as it trains (train/threadGovernor.ts), because the
 * faster one depends on whether another process keeps a core busy; it falls
 * back to the pooled one alone when the two do not compute the same bits.
 */
export interface ThreadPlan {
  /** Threads of the pooled (or only) session. */
  threads: number;
  /** Switch between one thread and `threads` as training goes. */
  governed: boolean;
}

export function onnxThreadPlan(): ThreadPlan {
  const n = requestedOnnxThreads();
  if (n !== null) return { threads: n, governed: false };
  const threads = Math.min(4, coreCount());
  return { threads, governed: threads > 1 };
}

/** What a run records: the fixed count, or "auto" (governed). */
export function describeThreadPlan(p: ThreadPlan = onnxThreadPlan()): string {
  return p.governed ? `auto (1 or ${p.threads})` : String(p.threads);
}

/**
 * A session for a graph. The pool threads sleep instead of spinning between
 * kernels: a spinning thread takes a core from the other training process.
 */
export async function createSession(bytes: Uint8Array, threads: number): Promise<OrtSession> {
  const ort = loadOrt();
  if (!ort) throw new Error(`onnxruntime-node does not load here: ${loadError}`);
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
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
