// The optimizer's state as saved beside a checkpoint: a safetensors file (its
// arrays as tensors; kind and scalars in the metadata), or the JSON of an
// older run, still read.
import { decodeSafetensors, encodeSafetensors, isSafetensors } from '../util/safetensors';
import { parseOptimizerState, type OptimizerState } from './optimizers';

const FORMAT = 'racecar-optimizer/2';

export function encodeOptimizerState(s: OptimizerState): Buffer {
  return encodeSafetensors(
    s.arrays.map((a) => [a.name, { shape: a.shape, data: a.data }]),
    { format: FORMAT, kind: s.kind, scalars: JSON.stringify(s.scalars), order: JSON.stringify(s.arrays.map((a) => a.name)) },
  );
}

export function decodeOptimizerState(stored: Buffer): OptimizerState {
  if (!isSafetensors(stored)) return parseOptimizerState(stored.toString('utf8'));
  const { tensors, metadata } = decodeSafetensors(stored);
  if (metadata.format !== FORMAT) throw new Error(`not a ${FORMAT} file`);
  const order = JSON.parse(metadata.order ?? '[]') as string[];
  return {
    kind: metadata.kind as OptimizerState['kind'],
    scalars: JSON.parse(metadata.scalars ?? '{}') as Record<string, number>,
    arrays: order.map((name) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`optimizer state has no tensor ${name}`);
      return { name, shape: t.shape, data: t.data };
    }),
  };
}
