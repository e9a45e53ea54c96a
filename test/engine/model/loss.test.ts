// The full loss (CE + reverse-pass terms through BN and ReLU + SRIP) against
// central finite differences, and the reverse pass against a hand computation.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { buildNetwork, forward, reverse, trainableVariables, transposedWeights, type Network } from '../../../electron/engine/model/network';
import { computeLoss, srip, type LossSettings } from '../../../electron/engine/model/loss';
import { Rng } from '../../../electron/engine/util/rng';
import type { LayerConfig } from '../../../electron/engine/config/schema';

beforeAll(async () => {
  await initTfjsBackend();
});

function randomBatch(rng: Rng, n: number, dim: number, classes: number) {
  const x = new Float32Array(n * dim).map(() => rng.uniform(0, 2));
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + (i % classes)] = 1;
  return { x: tf.tensor2d(x, [n, dim]), y: tf.tensor2d(y, [n, classes]) };
}

/** Max relative error between autodiff and central differences over every parameter entry. */
function gradientCheck(net: Network, settings: LossSettings, seed: number, eps: number) {
  const rng = new Rng(seed);
  const dim = net.inputSize;
  const classes = net.layers[net.layers.length - 1].units;
  const { x, y } = randomBatch(rng, 8, dim, classes);
  const u = net.layers.map((l) =>
    tf.tensor2d(
      new Float32Array(l.units).map(() => rng.normal()),
      [l.units, 1],
    ),
  );
  const lossValue = () => tf.tidy(() => computeLoss(net, x, y, settings, u).total.dataSync()[0]);
  const vars = trainableVariables(net);
  const { grads } = tf.variableGrads(() => computeLoss(net, x, y, settings, u).total, vars);
  let num = 0;
  let den = 0;
  let checked = 0;
  for (const v of vars) {
    const g = grads[v.name].dataSync();
    const vals = v.dataSync().slice();
    for (let i = 0; i < vals.length; i++) {
      const orig = vals[i];
      vals[i] = orig + eps;
      v.assign(tf.tensor(vals, v.shape));
      const plus = lossValue();
      vals[i] = orig - eps;
      v.assign(tf.tensor(vals, v.shape));
      const minus = lossValue();
      vals[i] = orig;
      v.assign(tf.tensor(vals, v.shape));
      const fd = (plus - minus) / (2 * eps);
      num += (fd - g[i]) ** 2;
      den += fd ** 2;
      checked++;
    }
  }
  tf.dispose([x, y, ...u, ...Object.values(grads)]);
  return { relErr: Math.sqrt(num / den), checked };
}

describe('loss gradients', () => {
  // tfjs computes in float32, so differences are taken with eps ~1e-3..3e-3 (FD noise ~1e-4).
  const deepNet = (hidden: 'relu' | 'tanh') => {
    const layers: LayerConfig[] = [
      { units: 5, activation: hidden, batchNorm: true, lambda: 0.05 },
      { units: 4, activation: 'tanh', batchNorm: true, lambda: 0.1 },
      { units: 3, activation: hidden, batchNorm: true, lambda: 0.2 },
    ];
    const settings: LossSettings = { lambdas: layers.map((l) => l.lambda), lambdaOrt: 0.1, reduction: 'halfSum', quirks: true };
    return { net: buildNetwork(6, layers, 3), settings };
  };

  it('match central finite differences with RR through BN+ReLU, SRIP and CE (reference quirks on)', () => {
    const { net, settings } = deepNet('relu');
    // A small step: ReLU kinks behind batch norm are crossed by larger ones.
    const { relErr, checked } = gradientCheck(net, settings, 11, 1e-3);
    expect(checked).toBe(6 * 5 + 5 + 10 + 5 * 4 + 4 + 8 + 4 * 3 + 3 + 6);
    expect(relErr).toBeLessThan(5e-3);
  });

  it('match central finite differences tightly where the loss is smooth (tanh, BN, RR, SRIP)', () => {
    const { net, settings } = deepNet('tanh');
    expect(gradientCheck(net, settings, 11, 3e-3).relErr).toBeLessThan(1e-3);
  });

  it('match finite differences with linear logits, sigmoid, mean reduction', () => {
    const layers: LayerConfig[] = [
      { units: 4, activation: 'sigmoid', batchNorm: false, lambda: 0.5 },
      { units: 3, activation: 'linear', batchNorm: false, lambda: 1 },
    ];
    const net = buildNetwork(5, layers, 4);
    const settings: LossSettings = { lambdas: [0.5, 1], lambdaOrt: 0.3, reduction: 'mean', quirks: false };
    expect(gradientCheck(net, settings, 12, 3e-3).relErr).toBeLessThan(1e-3);
  });

  it('a gradient check fails when the analytic gradient is wrong (the check can fail)', () => {
    const layers: LayerConfig[] = [{ units: 3, activation: 'linear', batchNorm: false, lambda: 1 }];
    const net = buildNetwork(4, layers, 5);
    const settings: LossSettings = { lambdas: [1], lambdaOrt: 0, reduction: 'halfSum', quirks: false };
    // Perturb the loss seen by FD only: compare against a loss with lambda 2 while autodiff used 1.
    const rng = new Rng(1);
    const { x, y } = randomBatch(rng, 8, 4, 3);
    const vars = trainableVariables(net);
    const { grads } = tf.variableGrads(() => computeLoss(net, x, y, settings, null).total, vars);
    const g2 = tf.variableGrads(() => computeLoss(net, x, y, { ...settings, lambdas: [2] }, null).total, vars).grads;
    const diff = tf.tidy(() => tf.norm(tf.sub(grads[net.params[0].w.name], g2[net.params[0].w.name])).dataSync()[0]);
    expect(diff).toBeGreaterThan(1e-3);
  });
});

describe('reverse pass', () => {
  it('computes (z - b) W^T for a linear layer, as in the reference MNIST net', () => {
    const net = buildNetwork(3, [{ units: 2, activation: 'linear', batchNorm: false, lambda: 0 }], 1);
    net.params[0].w.assign(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]));
    net.params[0].b.assign(tf.tensor1d([0.5, -1]));
    const x = tf.tensor2d([[1, 0, 2]]);
    const r = tf.tidy(() => {
      const f = forward(net, x, 'batch', false);
      return reverse(net, f.h[1], transposedWeights(net), 0)[0].arraySync();
    });
    // z = [1+10+0.5, 2+12-1] = [11.5, 13]; (z-b) = [11, 14]; times W^T rows [1,2],[3,4],[5,6]
    expect(r[0]).toEqual([11 + 28, 33 + 56, 55 + 84]);
  });

  it('applies the lower layer BN (own batch statistics, shared gamma/beta) and ReLU on the way back', () => {
    const layers: LayerConfig[] = [
      { units: 2, activation: 'relu', batchNorm: true, lambda: 1 },
      { units: 2, activation: 'linear', batchNorm: false, lambda: 1 },
    ];
    const net = buildNetwork(2, layers, 2);
    net.params[0].gamma!.assign(tf.tensor1d([2, 1]));
    net.params[0].beta!.assign(tf.tensor1d([0.5, -0.5]));
    net.params[1].w.assign(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
    );
    net.params[1].b.assign(tf.tensor1d([0, 0]));
    const logits = tf.tensor2d([
      [1, 3],
      [3, -1],
    ]);
    const r1 = tf.tidy(() => reverse(net, logits, transposedWeights(net), 1)[1].arraySync());
    // column stats: mean [2,1], var [1,4]; normalised (eps 1e-3): [-1,1]/sqrt(1.001), [1,-1]*2/sqrt(4.001)
    const n0 = 1 / Math.sqrt(1.001);
    const n1 = 2 / Math.sqrt(4.001);
    const expected = [
      [Math.max(0, -2 * n0 + 0.5), Math.max(0, n1 - 0.5)],
      [Math.max(0, 2 * n0 + 0.5), Math.max(0, -n1 - 0.5)],
    ];
    r1.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 5)));
  });
});

describe('SRIP', () => {
  it('is zero for an orthogonal W and approximates the squared spectral norm of W^T W - I', () => {
    const q = tf.tensor2d([
      [0.6, -0.8],
      [0.8, 0.6],
      [0, 0],
    ]);
    const u = tf.tensor2d([[0.3], [1.2]]);
    expect(srip(q, u).dataSync()[0]).toBeCloseTo(0, 6);
    // W = diag(2, 1): A = diag(3, 0), power iteration from u=[1,1] gives sigma = 3 -> 9.
    const w = tf.tensor2d([
      [2, 0],
      [0, 1],
    ]);
    expect(srip(w, tf.tensor2d([[1], [1]])).dataSync()[0]).toBeCloseTo(9, 4);
  });
});
