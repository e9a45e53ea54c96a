// The geometry of a network: each layer's input and output shape and the
// tensors it owns, for every layer type. The one place that knows it: the
// model definition, the state layout, the initial parameters, the memory
// estimate, checkpoints and the UI's layer editor all read it from here.
import { ConfigError, layerType, type LayerConfig } from '../config/schema';
import { convOutSize } from '../graph/conv';

/** A layer's activations per input: [units] (dense) or [channels, height, width] (feature maps, NCHW). */
export type FeatureShape = readonly number[];

/**
 * The tensors a layer may own. A residual block's first convolution uses the
 * plain kinds, its second the ...2 kinds, its 1x1 projection wSkip.
 */
export const TENSOR_KINDS = [
  'w',
  'b',
  'gamma',
  'beta',
  'movingMean',
  'movingVar',
  'w2',
  'b2',
  'gamma2',
  'beta2',
  'movingMean2',
  'movingVar2',
  'wSkip',
] as const;
export type TensorKind = (typeof TENSOR_KINDS)[number];

const MOVING: ReadonlySet<TensorKind> = new Set(['movingMean', 'movingVar', 'movingMean2', 'movingVar2']);
export const isMoving = (kind: TensorKind): boolean => MOVING.has(kind);

export interface TensorSlot {
  kind: TensorKind;
  shape: number[];
}

export interface LayerGeometry {
  input: FeatureShape;
  output: FeatureShape;
  /** Trainable tensors, then the BN moving statistics. */
  tensors: TensorSlot[];
  /** Trainable values. */
  params: number;
}

export const featureSize = (s: FeatureShape): number => s.reduce((a, b) => a * b, 1);
export const isSpatial = (s: FeatureShape): boolean => s.length === 3;
export const formatShape = (s: FeatureShape): string => s.join(' x ');

/** The residual block's geometry: 3x3 convolutions with padding 1, the first one strided. */
export const RESIDUAL_KERNEL = 3;

const bn = (suffix: '' | '2', n: number): TensorSlot[] =>
  (['gamma', 'beta', 'movingMean', 'movingVar'] as const).map((k) => ({ kind: `${k}${suffix}` as TensorKind, shape: [n] }));

function spatialInput(l: LayerConfig, k: number, input: FeatureShape): [number, number, number] {
  if (!isSpatial(input)) {
    const what = k === 0 ? 'the data are flat vectors' : `layer ${k} is dense`;
    throw new ConfigError(
      `network.layers.${k}: a ${layerType(l)} layer needs feature maps (C x H x W) as its input, but ${what}: put conv, pool and residual layers before dense ones`,
    );
  }
  return input as [number, number, number];
}

function convOut(k: number, input: number, kernel: number, stride: number, pad: number): number {
  try {
    return convOutSize(input, kernel, stride, pad);
  } catch {
    throw new ConfigError(
      `network.layers.${k}: a ${kernel}x${kernel} kernel does not fit its ${input}x${input} input (padding ${pad}): use a smaller kernel or more padding`,
    );
  }
}

/** One layer's geometry on an input of the given shape; a shape that cannot work is a ConfigError naming the layer and the fix. */
export function layerGeometry(l: LayerConfig, k: number, input: FeatureShape): LayerGeometry {
  let tensors: TensorSlot[];
  let output: FeatureShape;
  switch (l.type) {
    case undefined:
    case 'dense': {
      const n = l.units;
      tensors = [{ kind: 'w', shape: [featureSize(input), n] }, { kind: 'b', shape: [n] }, ...(l.batchNorm ? bn('', n) : [])];
      output = [n];
      break;
    }
    case 'conv': {
      const [c, h, w] = spatialInput(l, k, input);
      const f = l.filters;
      tensors = [{ kind: 'w', shape: [f, c, l.kernel, l.kernel] }, { kind: 'b', shape: [f] }, ...(l.batchNorm ? bn('', f) : [])];
      output = [f, convOut(k, h, l.kernel, l.stride, l.padding), convOut(k, w, l.kernel, l.stride, l.padding)];
      break;
    }
    case 'pool': {
      const [c, h, w] = spatialInput(l, k, input);
      if (h % l.size !== 0 || w % l.size !== 0) {
        throw new ConfigError(
          `network.layers.${k}: a ${l.size}x${l.size} pooling window does not divide its ${h}x${w} input: use a size that divides ${h} and ${w}`,
        );
      }
      tensors = [];
      output = [c, h / l.size, w / l.size];
      break;
    }
    case 'residual': {
      const [c, h, w] = spatialInput(l, k, input);
      const f = l.filters;
      const r = RESIDUAL_KERNEL;
      tensors = [
        { kind: 'w', shape: [f, c, r, r] },
        { kind: 'b', shape: [f] },
        ...(l.batchNorm ? bn('', f) : []),
        { kind: 'w2', shape: [f, f, r, r] },
        { kind: 'b2', shape: [f] },
        ...(l.batchNorm ? bn('2', f) : []),
        ...(c !== f || l.stride !== 1 ? [{ kind: 'wSkip' as const, shape: [f, c, 1, 1] }] : []),
      ];
      output = [f, convOut(k, h, r, l.stride, 1), convOut(k, w, r, l.stride, 1)];
      break;
    }
  }
  tensors.sort((a, b) => Number(isMoving(a.kind)) - Number(isMoving(b.kind)));
  const params = tensors.filter((t) => !isMoving(t.kind)).reduce((a, t) => a + featureSize(t.shape), 0);
  return { input, output, tensors, params };
}

/** Every layer's geometry from the data's shape ([C, H, W] for images, [n] for flat vectors). */
export function netGeometry(input: FeatureShape, layers: readonly LayerConfig[]): LayerGeometry[] {
  const out: LayerGeometry[] = [];
  let shape = input;
  layers.forEach((l, k) => {
    const g = layerGeometry(l, k, shape);
    out.push(g);
    shape = g.output;
  });
  return out;
}

/** A layer's output size: units of a dense layer, the channel count of a spatial one (its number of SRIP rows, BN statistics, ...). */
export const layerWidth = (g: LayerGeometry): number => g.output[0];

/** Does a layer type own convolution kernels (its weights are [out, in, k, k])? */
export const hasKernels = (l: LayerConfig): boolean => l.type === 'conv' || l.type === 'residual';

/** The weight tensors of a layer whose orthogonality SRIP penalises (every weight, kernels as (k*k*c_in) x c_out matrices). */
export const WEIGHT_KINDS: readonly TensorKind[] = ['w', 'w2', 'wSkip'];

/** The data's shape as a summary's first entry: 784 for grey 28x28 flat inputs, 3x32x32 for colour images. */
export const inputLabel = (input: FeatureShape): string => (input.length === 3 && input[0] === 1 ? String(input[1] * input[2]) : input.join('x'));
