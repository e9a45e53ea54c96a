// Checkpoints are self-describing JSON (base64 float32) so that any tool can
// read them and the SVD can be computed for any saved step.
import type { LayerConfig } from '../config/schema';
import type { LayerArrays } from './params';

export const CHECKPOINT_FORMAT = 'racecar-checkpoint/1';

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

const encode = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function decode(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** A checkpoint of any backend's parameters. */
export function serializeParams(inputSize: number, layers: LayerConfig[], params: LayerArrays[], step: number): string {
  const t = (a: Float32Array | undefined, shape: number[]): StoredTensor | undefined => (a ? { shape, data: encode(a) } : undefined);
  return JSON.stringify({
    format: CHECKPOINT_FORMAT,
    step,
    inputSize,
    layers,
    params: params.map((p) => {
      const n = [p.b.length];
      return {
        w: t(p.w.data, p.w.shape),
        b: t(p.b, n),
        gamma: t(p.gamma, n),
        beta: t(p.beta, n),
        movingMean: t(p.movingMean, n),
        movingVar: t(p.movingVar, n),
      };
    }),
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
