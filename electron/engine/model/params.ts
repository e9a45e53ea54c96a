// A network's parameters as plain arrays: the initial values drawn from the
// run's seed (shared by every backend, so that a seed means the same network
// everywhere) and the layout checkpoints store.
import type { LayerConfig } from '../config/schema';
import { Rng } from '../util/rng';

export interface LayerArrays {
  /** in x out, row-major. */
  w: { shape: [number, number]; data: Float32Array };
  b: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
  movingMean?: Float32Array;
  movingVar?: Float32Array;
}

/** Glorot-uniform weights from the seed, zero biases, unit BN scale and moving variance. */
export function initialParams(inputSize: number, layers: LayerConfig[], seed: number): LayerArrays[] {
  const rng = new Rng(seed);
  let fanIn = inputSize;
  return layers.map((l) => {
    const limit = Math.sqrt(6 / (fanIn + l.units));
    const w = new Float32Array(fanIn * l.units);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
    const p: LayerArrays = { w: { shape: [fanIn, l.units], data: w }, b: new Float32Array(l.units) };
    if (l.batchNorm) {
      p.gamma = new Float32Array(l.units).fill(1);
      p.beta = new Float32Array(l.units);
      p.movingMean = new Float32Array(l.units);
      p.movingVar = new Float32Array(l.units).fill(1);
    }
    fanIn = l.units;
    return p;
  });
}
