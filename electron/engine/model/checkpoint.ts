// Checkpoints are safetensors files (float32 tensors layers.<i>.<kind>: w, b,
// gamma, beta, movingMean, movingVar and a residual block's w2 ... wSkip, geometry.ts; step, input size and layer configs in the
// metadata) that PyTorch and numpy read as they are, and from which the SVD
// can be computed for any saved step. Checkpoints of runs from before are
// self-describing JSON (base64 float32), still read.
import type { LayerConfig } from '../config/schema';
import { decodeSafetensors, encodeSafetensors, isSafetensors, type NamedTensor } from '../util/safetensors';
import { TENSOR_KINDS } from './geometry';
import type { LayerArrays } from './params';

/** The JSON checkpoints of older runs. */
export const CHECKPOINT_FORMAT = 'racecar-checkpoint/1';
export const SAFETENSORS_CHECKPOINT_FORMAT = 'racecar-checkpoint/2';
const JSON_KINDS = ['w', 'b', 'gamma', 'beta', 'movingMean', 'movingVar'] as const;

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
    for (const kind of TENSOR_KINDS) {
      const t = p[kind];
      if (t) tensors.push([`layers.${i}.${kind}`, { shape: [...t.shape], data: t.data }]);
    }
  });
  const metadata = { format: SAFETENSORS_CHECKPOINT_FORMAT, step: String(step), inputSize: String(inputSize), layers: JSON.stringify(layers) };
  return encodeSafetensors(tensors, metadata);
}

function decodeCheckpoint(buf: Buffer): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(buf);
  if (metadata.format !== SAFETENSORS_CHECKPOINT_FORMAT) throw new Error(`not a ${SAFETENSORS_CHECKPOINT_FORMAT} checkpoint`);
  const layers = JSON.parse(metadata.layers ?? '[]') as LayerConfig[];
  return {
    step: Number(metadata.step),
    inputSize: Number(metadata.inputSize),
    layers,
    params: layers.map((_, i) => {
      const p: LayerArrays = {};
      for (const kind of TENSOR_KINDS) {
        const t = tensors.get(`layers.${i}.${kind}`);
        if (t) p[kind] = { shape: [...t.shape], data: t.data };
      }
      if (layers[i].type !== 'pool' && (!p.w || !p.b)) throw new Error(`checkpoint has no tensor layers.${i}.${p.w ? 'b' : 'w'}`);
      return p;
    }),
  };
}

/** A checkpoint as stored: safetensors bytes, or the JSON of an older run. */
export function parseCheckpoint(stored: Buffer | string): Checkpoint {
  if (typeof stored !== 'string' && isSafetensors(stored)) return decodeCheckpoint(stored);
  const raw = JSON.parse(stored.toString());
  if (raw?.format !== CHECKPOINT_FORMAT) throw new Error(`not a ${CHECKPOINT_FORMAT} checkpoint`);
  const vector = (s?: StoredTensor) => (s ? { shape: [...s.shape], data: decode(s.data) } : undefined);
  return {
    step: raw.step,
    inputSize: raw.inputSize,
    layers: raw.layers,
    // Dense layers only (they predate the other types); a vector's stored shape is its length.
    params: (raw.params as Record<string, StoredTensor | undefined>[]).map((p) => {
      const out: LayerArrays = {};
      for (const kind of JSON_KINDS) {
        const t = vector(p[kind]);
        if (t) out[kind] = t;
      }
      return out;
    }),
  };
}
