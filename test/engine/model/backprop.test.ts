// The hand-written backward pass against tfjs autodiff of computeLoss (which
// loss.test.ts checks against finite differences), over every option.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { buildNetwork, disposeNetwork, forward, trainableVariables } from '../../../electron/engine/model/network';
import { computeLoss } from '../../../electron/engine/model/loss';
import { lossGradients } from '../../../electron/engine/model/backprop';
import { caseInputs, cases, type Case } from './lossCases';

beforeAll(async () => {
  await initTfjsBackend();
});

function compare(c: Case, seed: number) {
  const inputs = caseInputs(c, seed);
  const { net, n, dim, classes } = inputs;
  const x = tf.tensor2d(inputs.x, [n, dim]);
  const y = tf.tensor2d(inputs.y, [n, classes]);
  const u = inputs.u.map((v) => tf.tensor2d(v, [v.length, 1]));
  const vars = trainableVariables(net);

  const auto = tf.variableGrads(() => computeLoss(net, x, y, c.settings, u).total, vars);
  const autoParts = tf.tidy(() => {
    const p = computeLoss(net, x, y, c.settings, u);
    return tf.stack([p.ce, ...p.rr, p.ort, p.total]);
  });
  // Kept tensors leave the scope; the object of them is returned through a closure (tidy's result type has no nulls).
  let mine!: { grads: (tf.Tensor | null)[]; parts: tf.Tensor1D; stats: tf.Tensor[] };
  tf.tidy(() => {
    const r = lossGradients(net, x, y, c.settings, u, { wantParts: true, ...(seed % 2 ? { xT: tf.transpose(x) } : {}) });
    mine = {
      grads: r.grads.map((g) => (g ? tf.keep(g) : null)),
      parts: tf.keep(r.parts!),
      stats: r.batchStats.map((b) => tf.keep(tf.concat([b.stats.mean, b.stats.variance]))),
    };
  });
  const fwdStats = tf.tidy(() => forward(net, x, 'batch', c.settings.quirks).batchStats.map((b) => tf.concat([b.stats.mean, b.stats.variance])));

  // Same values; float32 sums in another order differ in the last bits.
  const ap = autoParts.dataSync();
  Array.from(mine.parts.dataSync()).forEach((v, i) => expect(Math.abs(v - ap[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ap[i]))));
  expect(mine.stats.map((t) => Array.from(t.dataSync()))).toEqual(fwdStats.map((t) => Array.from(t.dataSync())));
  // Biases in front of a batch norm have a zero gradient in exact arithmetic:
  // both sides give rounding noise there, at the scale of the other gradients.
  const scale = Math.max(...vars.map((v) => (auto.grads[v.name] ? tf.tidy(() => tf.norm(auto.grads[v.name]).dataSync()[0]) : 0)));
  vars.forEach((v, i) => {
    const a = auto.grads[v.name];
    const m = mine.grads[i];
    if (!a) {
      expect(m).toBeNull();
      return;
    }
    expect(m, v.name).not.toBeNull();
    const av = a.dataSync();
    const mv = m!.dataSync();
    expect(mv.length).toBe(av.length);
    let num = 0;
    let den = 0;
    for (let j = 0; j < av.length; j++) {
      num += (av[j] - mv[j]) ** 2;
      den += av[j] ** 2;
    }
    expect(Math.sqrt(num), `${c.name}: variable ${i}`).toBeLessThanOrEqual(2e-5 * Math.sqrt(den) + 1e-6 * scale);
  });
  tf.dispose([x, y, ...u, autoParts, mine.parts, ...mine.stats, ...fwdStats, ...Object.values(auto.grads), auto.value]);
  tf.dispose(mine.grads.filter((g): g is tf.Tensor => g !== null));
  disposeNetwork(net);
}

describe('lossGradients (hand-written backward pass)', () => {
  for (const [i, c] of cases.entries()) {
    it(`matches autodiff of computeLoss: ${c.name}`, () => {
      compare(c, 21 + i);
      compare({ ...c, batch: 1 + 3 * i }, 40 + i);
    });
  }

  it('leaves no tensors behind', () => {
    const c = cases[2];
    const net = buildNetwork(10, c.layers, 1);
    const x = tf.randomUniform([5, 10]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1], 'int32'), 3).toFloat() as tf.Tensor2D;
    const u = c.layers.map((l) => tf.randomNormal([l.units, 1]) as tf.Tensor2D);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      lossGradients(net, x as tf.Tensor2D, y, c.settings, u, { wantParts: true });
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, ...u]);
    disposeNetwork(net);
  });
});
