// Checkpoints are self-describing JSON (base64 float32) so that any tool can
// read them and the SVD can be computed for any saved step.
import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../config/schema';
import type { Network } from './network';

export const CHECKPOINT_FORMAT = 'racecar-checkpoint/1';

interface StoredTensor {
  shape: number[];
  data: string;
}

export interface CheckpointLayer {
  w: { shape: [number, number]; data: Float32Array };
  b: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
  movingMean?: Float32Array;
  movingVar?: Float32Array;
}

export interface Checkpoint {
  step: number;
  inputSize: number;
  layers: LayerConfig[];
  params: CheckpointLayer[];
}

const encode = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function decode(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function serializeCheckpoint(net: Network, step: number): string {
  const t = (v: tf.Variable | undefined): StoredTensor | undefined => (v ? { shape: v.shape, data: encode(v.dataSync() as Float32Array) } : undefined);
  return JSON.stringify({
    format: CHECKPOINT_FORMAT,
    step,
    inputSize: net.inputSize,
    layers: net.layers,
    params: net.params.map((p) => ({ w: t(p.w), b: t(p.b), gamma: t(p.gamma), beta: t(p.beta), movingMean: t(p.movingMean), movingVar: t(p.movingVar) })),
  });
}

export function parseCheckpoint(json: string): Checkpoint {
  const raw = JSON.parse(json);
  if (raw?.format !== CHECKPOINT_FORMAT) throw new Error(`not a ${CHECKPOINT_FORMAT} checkpoint`);
  const opt = (s?: StoredTensor) => (s ? decode(s.data) : undefined);
  return {
    step: raw.step,
    inputSize: raw.inputSize,
    layers: raw.layers,
    params: (raw.params as Record<string, StoredTensor | undefined>[]).map((p) => ({
      w: { shape: p.w!.shape as [number, number], data: decode(p.w!.data) },
      b: decode(p.b!.data),
      gamma: opt(p.gamma),
      beta: opt(p.beta),
      movingMean: opt(p.movingMean),
      movingVar: opt(p.movingVar),
    })),
  };
}

/** Loads a checkpoint's parameters into a network of the same architecture (to resume training). */
export function restoreNetwork(net: Network, ck: Checkpoint): void {
  if (ck.inputSize !== net.inputSize || ck.params.length !== net.params.length) {
    throw new Error(
      `the checkpoint is of a ${ck.inputSize}-input, ${ck.params.length}-layer network, not of this run's ${net.inputSize}-input, ${net.params.length}-layer one`,
    );
  }
  net.params.forEach((p, k) => {
    const c = ck.params[k]!;
    const set = (v: tf.Variable | undefined, data: Float32Array | undefined, what: string) => {
      if (!v) return;
      if (!data || data.length !== v.size) throw new Error(`checkpoint layer ${k + 1}: ${what} has ${data?.length ?? 0} values, the network ${v.size}`);
      v.assign(tf.tensor(data, v.shape));
    };
    set(p.w, c.w.data, 'W');
    set(p.b, c.b, 'b');
    set(p.gamma, c.gamma, 'gamma');
    set(p.beta, c.beta, 'beta');
    set(p.movingMean, c.movingMean, 'the moving mean');
    set(p.movingVar, c.movingVar, 'the moving variance');
  });
}
