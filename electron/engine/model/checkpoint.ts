// Checkpoints are safetensors files (float32 tensors layers.<i>.w, .b, .gamma,
// .beta, .movingMean, .movingVar; step, input size and layer configs in the
// metadata) that PyTorch and numpy read as they are, and from which the SVD
// can be computed for any saved step. Checkpoints of runs from before are
// self-describing JSON (base64 float32), still read.
import type { LayerConfig } from '../config/schema';
import { decodeSafetensors, encodeSafetensors, isSafetensors, type NamedTensor } from '../util/safetensors';
import type { LayerArrays } from './params';

/** The JSON checkpoints of older runs. */
export const CHECKPOINT_FORMAT = 'racecar-checkpoint/1';
export const SAFETENSORS_CHECKPOINT_FORMAT = 'racecar-checkpoint/2';
const OPTIONAL = ['gamma', 'beta', 'movingMean', 'movingVar'] as const;

interface StoredTensor {
  shape: number[];
  data: string;
}

export interface Checkpoint {
  step: number;
  inputSize: number;
  layers: LayerConfig[];
  params: LayerArrays[];
}

function decode(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** A checkpoint of any backend's parameters as safetensors bytes. */
export function encodeCheckpoint(inputSize: number, layers: LayerConfig[], params: LayerArrays[], step: number): Buffer {
  const tensors: [string, NamedTensor][] = [];
  params.forEach((p, i) => {
    tensors.push([`layers.${i}.w`, { shape: [...p.w.shape], data: p.w.data }], [`layers.${i}.b`, { shape: [p.b.length], data: p.b }]);
    for (const k of OPTIONAL) {
      const a = p[k];
      if (a) tensors.push([`layers.${i}.${k}`, { shape: [a.length], data: a }]);
    }
  });
  const metadata = { format: SAFETENSORS_CHECKPOINT_FORMAT, step: String(step), inputSize: String(inputSize), layers: JSON.stringify(layers) };
  return encodeSafetensors(tensors, metadata);
}

function decodeCheckpoint(buf: Buffer): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(buf);
  if (metadata.format !== SAFETENSORS_CHECKPOINT_FORMAT) throw new Error(`not a ${SAFETENSORS_CHECKPOINT_FORMAT} checkpoint`);
  const layers = JSON.parse(metadata.layers ?? '[]') as LayerConfig[];
  const need = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`checkpoint has no tensor ${name}`);
    return t;
  };
  return {
    step: Number(metadata.step),
    inputSize: Number(metadata.inputSize),
    layers,
    params: layers.map((_, i) => {
      const w = need(`layers.${i}.w`);
      const p: LayerArrays = { w: { shape: w.shape as [number, number], data: w.data }, b: need(`layers.${i}.b`).data };
      for (const k of OPTIONAL) {
        const t = tensors.get(`layers.${i}.${k}`);
        if (t) p[k] = t.data;
      }
      return p;
    }),
  };
}

/** A checkpoint as stored: safetensors bytes, or the JSON of an older run. */
export function parseCheckpoint(stored: Buffer | string): Checkpoint {
  if (typeof stored !== 'string' && isSafetensors(stored)) return decodeCheckpoint(stored);
  const raw = JSON.parse(stored.toString());
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
