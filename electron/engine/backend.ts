// Picks the fastest tfjs backend present: tfjs-node (native TensorFlow), then
// wasm (SIMD), then plain JavaScript. RACECAR_BACKEND forces one.
import * as tf from '@tensorflow/tfjs';
import { registerFastGradients } from './model/gradients';
import type { BackendName } from './types';

export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

const HOW_TO: Record<BackendName, string> = {
  tensorflow: 'install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node) or unset RACECAR_BACKEND',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm (npm ci) or unset RACECAR_BACKEND',
  cpu: 'reinstall @tensorflow/tfjs (npm ci)',
};

function tryLoad(name: BackendName): boolean {
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

/** Initialises the backend once per process; later calls return the same one. */
export async function initBackend(requested: string | undefined = process.env.RACECAR_BACKEND): Promise<BackendName> {
  const want = requested?.trim() || undefined;
  if (want !== undefined && !BACKENDS.includes(want as BackendName)) {
    throw new BackendError(`RACECAR_BACKEND=${want} is not a backend: use one of ${BACKENDS.join(', ')} or unset it`);
  }
  if (active && (!want || want === active)) return active;
  const order: BackendName[] = want ? [want as BackendName] : [...BACKENDS];
  for (const name of order) {
    if (!tryLoad(name)) continue;
    let ok = false;
    try {
      ok = await tf.setBackend(name);
      await tf.ready();
    } catch {
      ok = false;
    }
    if (ok && tf.getBackend() === name) {
      registerFastGradients();
      active = name;
      return name;
    }
  }
  if (want) throw new BackendError(`RACECAR_BACKEND=${want} is not available here: ${HOW_TO[want as BackendName]}`);
  throw new BackendError('no tfjs backend could be initialised: run npm ci');
}

export function activeBackend(): BackendName | null {
  return active;
}
