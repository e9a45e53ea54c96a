// FlatAdam against tf.train.adam: the tfjs-ops path must give the same bits,
// the fused wasm kernel (SIMD, float32) the same values to rounding.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { FlatAdam } from '../../../electron/engine/train/optimizers';
import { adamKernelAvailable } from '../../../electron/engine/train/adamKernel';
import { Rng } from '../../../electron/engine/util/rng';

let backend = '';
beforeAll(async () => {
  backend = await initTfjsBackend();
});

// Sizes with every remainder mod 4 (the SIMD loop's tail).
const SHAPES: number[][] = [[7, 5], [5], [3, 4], [1], [6]];

function runBoth(fused: boolean, steps: number, lr: number) {
  const rng = new Rng(17);
  const init = SHAPES.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const grads = Array.from({ length: steps }, () => SHAPES.map((s, i) => Float32Array.from({ length: init[i].length }, () => rng.normal() * (i + 1))));
  const a = init.map((x, i) => tf.variable(tf.tensor(x, SHAPES[i])));
  const b = init.map((x, i) => tf.variable(tf.tensor(x, SHAPES[i])));
  const ref = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const mine = new FlatAdam(lr, 0.9, 0.999, 1e-8, fused);
  for (let t = 0; t < steps; t++) {
    tf.tidy(() => {
      const g = grads[t].map((x, i) => tf.tensor(x, SHAPES[i]));
      ref.applyGradients(a.map((v, i) => ({ name: v.name, tensor: g[i] })));
      mine.apply(b, g);
    });
  }
  const out = { ref: a.map((v) => Array.from(v.dataSync())), mine: b.map((v) => Array.from(v.dataSync())) };
  ref.dispose();
  mine.dispose();
  tf.dispose([...a, ...b]);
  return out;
}

describe('FlatAdam', () => {
  it('with tfjs ops, gives the bits of tf.train.adam', () => {
    const { ref, mine } = runBoth(false, 6, 0.01);
    expect(mine).toEqual(ref);
  });

  it('with the fused kernel (wasm), gives tf.train.adam to float32 rounding', () => {
    if (backend !== 'wasm') return;
    expect(adamKernelAvailable()).toBe(true);
    const { ref, mine } = runBoth(true, 6, 0.01);
    ref.forEach((r, i) => r.forEach((x, j) => expect(Math.abs(mine[i][j] - x)).toBeLessThan(1e-6 * Math.max(1, Math.abs(x)))));
    // It moved the variables (a no-op would also be "close").
    expect(ref[0][0]).not.toBe(runBoth(true, 0, 0.01).ref[0][0]);
  });

  it('leaves no tensors behind but its two moment vectors', () => {
    const v = [tf.variable(tf.ones([5, 3])), tf.variable(tf.zeros([3]))];
    const opt = new FlatAdam(0.01);
    const g = () => [tf.onesLike(v[0]), tf.onesLike(v[1])];
    tf.tidy(() => opt.apply(v, g()));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => opt.apply(v, g()));
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    tf.dispose(v);
  });
});
