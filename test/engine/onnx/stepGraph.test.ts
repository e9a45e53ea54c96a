// The ONNX training step against the tfjs path and against finite
// differences: loss parts, every gradient, BN moving averages and each
// optimizer's update, over every option of the loss (lossCases.ts).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { buildNetwork, disposeNetwork, forward, networkParams, trainableVariables, updateMovingStats } from '../../../electron/engine/model/network';
import { computeLoss, type LossSettings } from '../../../electron/engine/model/loss';
import { gradName, movingSpecs, nextName, paramArrays, slotName, stateSpecs, trainableSpecs } from '../../../electron/engine/onnx/layout';
import { PARTS, type StepGraphSpec } from '../../../electron/engine/onnx/stepGraph';
import { makeOptimizer } from '../../../electron/engine/train/optimizers';
import { Rng } from '../../../electron/engine/util/rng';
import type { LayerConfig } from '../../../electron/engine/config/schema';
import { caseInputs, cases, type Case } from '../model/lossCases';
import { relDiff, stepRunner } from './helpers';

beforeAll(async () => {
  await initTfjsBackend();
});

const SGD = { kind: 'sgd' as const, learningRate: 0.5, momentum: 0 };

/** A case's network moved off its initial state, moving statistics too, a batch and SRIP vectors. */
function setup(c: Case, seed: number) {
  const inputs = caseInputs(c, seed);
  // Moving statistics away from 0 and 1 as well.
  for (const p of inputs.net.params) if (p.movingMean) p.movingMean.assign(tf.randomUniform(p.movingMean.shape, 0, 1, 'float32', seed));
  return inputs;
}

describe('ONNX step graph against tfjs', () => {
  for (const [i, c] of cases.entries()) {
    it(`loss parts, gradients, moving averages and the SGD update: ${c.name}`, async () => {
      for (const [seed, batch] of [
        [21 + i, c.batch ?? 9],
        [40 + i, 1 + 3 * i],
      ]) {
        const { net, x, y, u, n, dim, classes } = setup({ ...c, batch }, seed);
        const spec: StepGraphSpec = { net: { inputSize: dim, layers: c.layers }, loss: c.settings, optimizer: SGD, batch: n };
        const out = await (await stepRunner(spec))({ x, y, state: paramArrays(networkParams(net)), srip: u });

        const xt = tf.tensor2d(x, [n, dim]);
        const yt = tf.tensor2d(y, [n, classes]);
        const ut = u.map((a) => tf.tensor2d(a, [a.length, 1]));
        const vars = trainableVariables(net);
        const auto = tf.variableGrads(() => computeLoss(net, xt, yt, c.settings, ut).total, vars);
        const parts = tf.tidy(() => {
          const p = computeLoss(net, xt, yt, c.settings, ut);
          return tf.stack([p.ce, ...p.rr, p.ort, p.total]).dataSync();
        });
        // Same values; float32 sums in another order (and MLAS's fused multiply-adds) differ in the last bits.
        Array.from(out[PARTS]).forEach((v, j) =>
          expect(Math.abs(v - parts[j]), `${c.name} part ${j}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(parts[j]))),
        );

        const specs = trainableSpecs(spec.net);
        const ref = specs.map((_, j) => auto.grads[vars[j].name].dataSync() as Float32Array);
        const scale = Math.max(...ref.map((g) => Math.sqrt(g.reduce((a, b) => a + b * b, 0))));
        specs.forEach((p, j) => {
          const mine = out[gradName(p.name)];
          expect(mine.length).toBe(ref[j].length);
          // Biases in front of a batch norm have a zero gradient in exact arithmetic: rounding noise at the others' scale.
          const err = Math.sqrt(mine.reduce((a, v, k) => a + (v - ref[j][k]) ** 2, 0));
          const norm = Math.sqrt(ref[j].reduce((a, v) => a + v * v, 0));
          expect(err, `${c.name}: ${p.name}`).toBeLessThanOrEqual(2e-5 * norm + 1e-6 * scale);
          // The update: w' = w − lr·g with the graph's own gradient.
          const w = paramArrays(networkParams(net)).get(p.name)!;
          const next = out[nextName(p.name)];
          next.forEach((v, k) => expect(v).toBeCloseTo(w[k] - SGD.learningRate * mine[k], 5));
        });

        // Moving averages of the forward batch statistics.
        tf.tidy(() => updateMovingStats(net, forward(net, xt, 'batch', c.settings.quirks).batchStats));
        const moved = paramArrays(networkParams(net));
        for (const m of movingSpecs(spec.net)) expect(relDiff(out[nextName(m.name)], moved.get(m.name)!), m.name).toBeLessThan(1e-5);
        tf.dispose([xt, yt, ...ut, ...Object.values(auto.grads), auto.value]);
        disposeNetwork(net);
      }
    });
  }
});

/** Relative error of the graph's gradients against central differences of its own loss, over every parameter entry. */
async function onnxGradientCheck(layers: LayerConfig[], settings: LossSettings, inputSize: number, seed: number, eps: number) {
  const rng = new Rng(seed);
  const n = 8;
  const classes = layers[layers.length - 1].units;
  const spec: StepGraphSpec = { net: { inputSize, layers }, loss: settings, optimizer: SGD, batch: n };
  const run = await stepRunner(spec);
  const net = buildNetwork(inputSize, layers, 3);
  const state = paramArrays(networkParams(net));
  disposeNetwork(net);
  const x = new Float32Array(n * inputSize).map(() => rng.uniform(0, 2));
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + (i % classes)] = 1;
  const srip = layers.map((l) => new Float32Array(l.units).map(() => rng.normal()));
  const loss = async () => (await run({ x, y, state, srip }))[PARTS][layers.length + 2];
  const out = await run({ x, y, state, srip });
  let num = 0;
  let den = 0;
  let checked = 0;
  for (const p of trainableSpecs(spec.net)) {
    const g = out[gradName(p.name)];
    const v = state.get(p.name)!;
    for (let i = 0; i < v.length; i++) {
      const orig = v[i];
      v[i] = orig + eps;
      const plus = await loss();
      v[i] = orig - eps;
      const minus = await loss();
      v[i] = orig;
      const fd = (plus - minus) / (2 * eps);
      num += (fd - g[i]) ** 2;
      den += fd ** 2;
      checked++;
    }
  }
  return { relErr: Math.sqrt(num / den), checked };
}

describe('ONNX step graph against finite differences', () => {
  const deep = (hidden: 'relu' | 'tanh'): [LayerConfig[], LossSettings] => {
    const layers: LayerConfig[] = [
      { units: 5, activation: hidden, batchNorm: true, lambda: 0.05 },
      { units: 4, activation: 'tanh', batchNorm: true, lambda: 0.1 },
      { units: 3, activation: hidden, batchNorm: true, lambda: 0.2 },
    ];
    return [layers, { lambdas: layers.map((l) => l.lambda), lambdaOrt: 0.1, reduction: 'halfSum', quirks: true }];
  };

  it('RR through BN+ReLU, SRIP and CE with the reference quirks', async () => {
    const [layers, settings] = deep('relu');
    const { relErr, checked } = await onnxGradientCheck(layers, settings, 6, 11, 1e-3);
    expect(checked).toBe(6 * 5 + 5 + 10 + 5 * 4 + 4 + 8 + 4 * 3 + 3 + 6);
    expect(relErr).toBeLessThan(5e-3);
  });

  it('tightly where the loss is smooth (tanh, BN, RR, SRIP)', async () => {
    const [layers, settings] = deep('tanh');
    expect((await onnxGradientCheck(layers, settings, 6, 11, 3e-3)).relErr).toBeLessThan(1e-3);
  });

  it('linear logits, sigmoid, mean reduction, SRIP', async () => {
    const layers: LayerConfig[] = [
      { units: 4, activation: 'sigmoid', batchNorm: false, lambda: 0.5 },
      { units: 3, activation: 'linear', batchNorm: false, lambda: 1 },
    ];
    expect((await onnxGradientCheck(layers, { lambdas: [0.5, 1], lambdaOrt: 0.3, reduction: 'mean', quirks: false }, 5, 12, 3e-3)).relErr).toBeLessThan(1e-3);
  });

  it('the check can fail: a gradient of another loss (lambda doubled) is far off', async () => {
    const layers: LayerConfig[] = [{ units: 3, activation: 'linear', batchNorm: false, lambda: 1 }];
    const settings: LossSettings = { lambdas: [1], lambdaOrt: 0, reduction: 'halfSum', quirks: false };
    const spec = (s: LossSettings): StepGraphSpec => ({ net: { inputSize: 4, layers }, loss: s, optimizer: SGD, batch: 8 });
    const net = buildNetwork(4, layers, 5);
    const state = paramArrays(networkParams(net));
    disposeNetwork(net);
    const x = new Float32Array(32).map((_, i) => (i % 7) / 3);
    const y = new Float32Array(24).map((_, i) => (Math.floor(i / 3) % 3 === i % 3 ? 1 : 0));
    const a = await (await stepRunner(spec(settings)))({ x, y, state });
    const b = await (await stepRunner(spec({ ...settings, lambdas: [2] })))({ x, y, state });
    expect(relDiff(a[gradName('w0')], b[gradName('w0')])).toBeGreaterThan(1e-2);
  });
});

describe('ONNX optimizer updates against tfjs', () => {
  const layers: LayerConfig[] = [
    { units: 6, activation: 'relu', batchNorm: true, lambda: 0.01 },
    { units: 3, activation: 'linear', batchNorm: false, lambda: 0.01 },
  ];
  const optimizers = [
    { kind: 'adam' as const, learningRate: 1e-2, momentum: 0.9 },
    { kind: 'sgd' as const, learningRate: 5e-2, momentum: 0 },
    { kind: 'sgd' as const, learningRate: 5e-2, momentum: 0.9 },
    { kind: 'rmsprop' as const, learningRate: 1e-2, momentum: 0.5 },
    { kind: 'rmsprop' as const, learningRate: 1e-2, momentum: 0 },
  ];
  for (const o of optimizers) {
    it(`${o.kind}${o.momentum ? ` with momentum ${o.momentum}` : ''}: four steps from the graph's gradients`, async () => {
      const spec: StepGraphSpec = {
        net: { inputSize: 7, layers },
        loss: { lambdas: [0.01, 0.01], lambdaOrt: 0, reduction: 'mean', quirks: false },
        optimizer: o,
        batch: 5,
      };
      const run = await stepRunner(spec);
      const net = buildNetwork(7, layers, 9);
      const vars = trainableVariables(net);
      const opt = makeOptimizer(o);
      const rng = new Rng(2);
      let state = paramArrays(networkParams(net));
      let acc1 = Math.fround(0.9);
      let acc2 = Math.fround(0.999);
      const specs = trainableSpecs(spec.net);
      for (let t = 0; t < 4; t++) {
        const x = new Float32Array(35).map(() => rng.uniform(0, 1));
        const y = new Float32Array(15).map((_, i) => (Math.floor(i / 3) % 3 === i % 3 ? 1 : 0));
        const out = await run({ x, y, state, adam: { stepScale: -o.learningRate / Math.fround(1 - acc1), vScale: 1 / Math.fround(1 - acc2) } });
        acc1 = Math.fround(acc1 * Math.fround(0.9));
        acc2 = Math.fround(acc2 * Math.fround(0.999));
        // tfjs applies the same gradients to its copy of the parameters.
        tf.tidy(() =>
          opt.apply(
            vars,
            specs.map((p) => tf.tensor(out[gradName(p.name)], p.shape)),
          ),
        );
        const next = new Map(stateSpecs(spec.net, o).map((st) => [st.name, out[nextName(st.name)]]));
        const theirs = paramArrays(networkParams(net));
        for (const p of specs) expect(relDiff(next.get(p.name)!, theirs.get(p.name)!), `${o.kind} step ${t} ${p.name}`).toBeLessThan(1e-5);
        // Keep the graph's values (slots included) for the next step; tfjs keeps its own.
        state = next;
        const slots = [...state.keys()].filter((k) => k.includes('.'));
        expect(slots.length).toBe(o.kind === 'adam' || o.kind === 'rmsprop' ? 2 * specs.length : o.momentum > 0 ? specs.length : 0);
        for (const s of slots) expect(state.get(s)!.some((v) => v !== 0)).toBe(true);
      }
      expect(state.has(slotName('adam.m', 'w0'))).toBe(o.kind === 'adam');
      opt.dispose();
      disposeNetwork(net);
    });
  }
});
