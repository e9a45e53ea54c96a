// ONNX Runtime (onnxruntime-node: native MLAS kernels, prebuilt for Linux,
// macOS and Windows on x64 and arm64), loaded on first use so that a machine
// where its binary cannot load still runs every other backend.
import * as os from 'node:os';
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

/** Intra-op threads a training process uses: RACECAR_ONNX_THREADS, else the measured default. */
export function onnxThreads(): number {
  return requestedOnnxThreads() ?? defaultOnnxThreads();
}

// TODO(measure): the default thread count.
export function defaultOnnxThreads(): number {
  return Math.min(2, coreCount());
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
