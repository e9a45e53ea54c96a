// A network's parameters as plain arrays: the initial values drawn from the
// run's seed (shared by every backend, so that a seed means the same network
// everywhere) and the layout checkpoints store.
import type { LayerConfig } from '../config/schema';
import { Rng } from '../util/rng';
import { featureSize, netGeometry, WEIGHT_KINDS, type FeatureShape, type TensorKind } from './geometry';

export interface Tensor {
  shape: number[];
  /** Row-major: dense weights in x out, kernels [out, in, k, k]. */
  data: Float32Array;
}

/** One layer's tensors by kind (none for a pooling layer). */
export type LayerArrays = Partial<Record<TensorKind, Tensor>>;

/** Glorot-uniform fans of a weight: in x out for dense, (c_in, c_out) times k*k for a kernel, as Keras counts them. */
function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  const field = shape[2] * shape[3];
  return [shape[1] * field, shape[0] * field];
}

/** Glorot-uniform weights and kernels from the seed (in layer order), zero biases, unit BN scale and moving variance. */
export function initialParams(input: FeatureShape | number, layers: LayerConfig[], seed: number): LayerArrays[] {
  const rng = new Rng(seed);
  const geometry = netGeometry(typeof input === 'number' ? [input] : input, layers);
  return geometry.map((g) => {
    const p: LayerArrays = {};
    for (const t of g.tensors) {
      const data = new Float32Array(featureSize(t.shape));
      if (WEIGHT_KINDS.includes(t.kind)) {
        const [fanIn, fanOut] = fans(t.shape);
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
      } else if (t.kind.startsWith('gamma') || t.kind.startsWith('movingVar')) data.fill(1);
      p[t.kind] = { shape: [...t.shape], data };
    }
    return p;
  });
}
