// Networks and loss settings covering every option of the loss and its
// gradient: BN on/off, each activation, quirks on/off, halfSum and mean, SRIP,
// per-layer lambdas (zero ones included), depths 1 to 4. Shared by the
// finite-difference tests of the definition and the lowering tests.
import { outputUnits, type DenseLayer, type LayerConfig } from '../../../electron/engine/config/schema';
import type { LossSettings, NetShape } from '../../../electron/engine/model/definition';
import { paramArrays, sripSpecs } from '../../../electron/engine/model/layout';
import { initialParams } from '../../../electron/engine/model/params';
import { Rng } from '../../../electron/engine/util/rng';

export interface Case {
  name: string;
  layers: LayerConfig[];
  settings: LossSettings;
  input?: number;
  /** [C, H, W] of image inputs (conv, pool and residual layers); input is then C*H*W. */
  image?: [number, number, number];
  batch?: number;
  scale?: number;
}

export const L = (units: number, activation: DenseLayer['activation'], batchNorm: boolean, lambda: number): DenseLayer => ({
  units,
  activation,
  batchNorm,
  lambda,
});

const conv = (
  filters: number,
  kernel: number,
  stride: number,
  padding: number,
  activation: DenseLayer['activation'],
  batchNorm: boolean,
  lambda: number,
): LayerConfig => ({
  type: 'conv',
  filters,
  kernel,
  stride,
  padding,
  activation,
  batchNorm,
  lambda,
});
const pool = (kind: 'max' | 'avg', size: number, lambda: number): LayerConfig => ({ type: 'pool', kind, size, lambda });
const residual = (filters: number, stride: number, batchNorm: boolean, lambda: number): LayerConfig => ({
  type: 'residual',
  filters,
  stride,
  activation: 'relu',
  batchNorm,
  lambda,
});

/** Convolutional networks: every spatial layer type, strides that do not divide (implied output padding), BN per channel. */
export const convCases: Case[] = [
  {
    name: 'W3-like CNN: two strided convolutions (output padding 1), flatten, dense logits, RR everywhere',
    layers: [conv(3, 3, 2, 1, 'relu', false, 0.1), conv(4, 3, 2, 1, 'relu', false, 0.1), L(3, 'linear', false, 0.1)],
    settings: { lambdas: [0.1, 0.1, 0.1], lambdaOrt: 0, reduction: 'mean', quirks: false },
    image: [1, 6, 6],
    batch: 4,
  },
  {
    name: 'conv with BN and tanh, max and average pooling (RR through unpooling), two channels in',
    layers: [
      conv(3, 3, 1, 1, 'tanh', true, 0.2),
      pool('max', 2, 0.3),
      conv(2, 3, 1, 1, 'sigmoid', false, 0.1),
      pool('avg', 2, 0.2),
      L(3, 'linear', false, 0.1),
    ],
    settings: { lambdas: [0.2, 0.3, 0.1, 0.2, 0.1], lambdaOrt: 0, reduction: 'halfSum', quirks: false },
    image: [2, 8, 8],
    batch: 3,
  },
  {
    name: 'residual blocks: projection (channels, then stride) and identity skips, BN, SRIP on every kernel',
    layers: [residual(3, 1, true, 0.1), residual(3, 2, false, 0.2), residual(3, 1, true, 0.1), L(2, 'linear', false, 0.3)],
    settings: { lambdas: [0.1, 0.2, 0.1, 0.3], lambdaOrt: 0.05, reduction: 'mean', quirks: false },
    image: [2, 6, 6],
    batch: 3,
  },
];

export const cases: Case[] = [
  {
    name: 'peak-like: BN + ReLU everywhere, quirks, halfSum',
    layers: [L(12, 'relu', true, 1e-2), L(2, 'relu', true, 1e-2)],
    settings: { lambdas: [1e-2, 1e-2], lambdaOrt: 0, reduction: 'halfSum', quirks: true },
    scale: 255,
  },
  {
    name: 'MNIST-like: ReLU, linear logits, RR on every layer',
    layers: [L(16, 'relu', false, 1e-3), L(8, 'relu', false, 1e-3), L(5, 'linear', false, 1e-3)],
    settings: { lambdas: [1e-3, 1e-3, 1e-3], lambdaOrt: 0, reduction: 'halfSum', quirks: false },
  },
  {
    name: 'tanh/sigmoid, BN on some layers, mean reduction, SRIP',
    layers: [L(7, 'tanh', true, 0.3), L(6, 'sigmoid', false, 0.2), L(4, 'tanh', true, 0.1), L(3, 'linear', false, 0.5)],
    settings: { lambdas: [0.3, 0.2, 0.1, 0.5], lambdaOrt: 0.1, reduction: 'mean', quirks: false },
  },
  {
    name: 'RR only above the input layer, a zero lambda in between',
    layers: [L(9, 'relu', true, 0), L(6, 'relu', false, 0.5), L(5, 'tanh', true, 0), L(3, 'linear', false, 0.25)],
    settings: { lambdas: [0, 0.5, 0, 0.25], lambdaOrt: 0, reduction: 'halfSum', quirks: false },
  },
  {
    name: 'no RR at all (CE only), SRIP, quirks with BN on the logits',
    layers: [L(8, 'relu', true, 0), L(3, 'relu', true, 0)],
    settings: { lambdas: [0, 0], lambdaOrt: 0.05, reduction: 'halfSum', quirks: true },
  },
  {
    name: 'single linear layer (reference MNIST net)',
    layers: [L(4, 'linear', false, 1e-2)],
    settings: { lambdas: [1e-2], lambdaOrt: 0, reduction: 'halfSum', quirks: true },
  },
  {
    name: 'sigmoid with linear logits, mean reduction, RR on the input only',
    layers: [L(6, 'sigmoid', false, 0.4), L(3, 'linear', false, 0)],
    settings: { lambdas: [0.4, 0], lambdaOrt: 0, reduction: 'mean', quirks: false },
  },
  ...convCases,
];

/**
 * A case's state moved off its initial values (so that BN's gamma/beta,
 * moving statistics and biases matter), a batch and SRIP vectors.
 */
export function caseInputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  const dim = c.image ? c.image[0] * c.image[1] * c.image[2] : (c.input ?? 10);
  const n = c.batch ?? 9;
  const classes = outputUnits(c.layers);
  const net: NetShape = { inputSize: dim, ...(c.image ? { image: c.image } : {}), layers: c.layers };
  const state = paramArrays(initialParams(c.image ?? dim, c.layers, seed));
  for (const [name, a] of state) {
    for (let i = 0; i < a.length; i++) a[i] = name.startsWith('movingVar') ? rng.uniform(0.5, 2) : a[i] + 0.1 * rng.normal();
  }
  const x = new Float32Array(n * dim).map(() => rng.uniform(0, c.scale ?? 2));
  const y = new Float32Array(n * classes).map((_, i) => (Math.floor(i / classes) % classes === i % classes ? 1 : 0));
  const u = sripSpecs(net).map((t) => new Float32Array(t.shape[0]).map(() => rng.normal()));
  return { net, state, x, y, u, n, dim, classes };
}
