// Networks and loss settings covering every option of the loss and its
// gradient: BN on/off, each activation, quirks on/off, halfSum and mean, SRIP,
// per-layer lambdas (zero ones included), depths 1 to 4. Shared by the
// finite-difference tests of the definition and the lowering tests.
import type { LayerConfig } from '../../../electron/engine/config/schema';
import type { LossSettings, NetShape } from '../../../electron/engine/model/definition';
import { paramArrays } from '../../../electron/engine/model/layout';
import { initialParams } from '../../../electron/engine/model/params';
import { Rng } from '../../../electron/engine/util/rng';

export interface Case {
  name: string;
  layers: LayerConfig[];
  settings: LossSettings;
  input?: number;
  batch?: number;
  scale?: number;
}

export const L = (units: number, activation: LayerConfig['activation'], batchNorm: boolean, lambda: number): LayerConfig => ({
  units,
  activation,
  batchNorm,
  lambda,
});

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
];

/**
 * A case's state moved off its initial values (so that BN's gamma/beta,
 * moving statistics and biases matter), a batch and SRIP vectors.
 */
export function caseInputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  const dim = c.input ?? 10;
  const n = c.batch ?? 9;
  const classes = c.layers[c.layers.length - 1]!.units;
  const net: NetShape = { inputSize: dim, layers: c.layers };
  const state = paramArrays(initialParams(dim, c.layers, seed));
  for (const [name, a] of state) {
    for (let i = 0; i < a.length; i++) a[i] = name.startsWith('movingVar') ? rng.uniform(0.5, 2) : a[i] + 0.1 * rng.normal();
  }
  const x = new Float32Array(n * dim).map(() => rng.uniform(0, c.scale ?? 2));
  const y = new Float32Array(n * classes).map((_, i) => (Math.floor(i / classes) % classes === i % classes ? 1 : 0));
  const u = c.layers.map((l) => new Float32Array(l.units).map(() => rng.normal()));
  return { net, state, x, y, u, n, dim, classes };
}
