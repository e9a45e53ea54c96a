// The step engine on ONNX Runtime against the same engine on tfjs (one
import type { DenseLayer } from '../../../electron/engine/config/schema';
// definition, two lowerings) on the same batches, and ONNX's thread counts.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { parseRunConfig, type RunConfigInput } from '../../../electron/engine/config/schema';
import { generatePeak } from '../../../electron/engine/data/peak';
import { initialParams } from '../../../electron/engine/model/params';
import { paramArrays } from '../../../electron/engine/model/layout';
import { BatchSampler } from '../../../electron/engine/train/batches';
import { createGraphEngine } from '../../../electron/engine/train/graphEngine';
import { onnxProgram } from '../../../electron/engine/onnx/program';
import { tfjsProgram } from '../../../electron/engine/tfjs/program';
import { engineThreads } from '../../../electron/engine/train/engines';
import { coreCount } from '../../../electron/engine/onnx/runtime';
import type { EngineSetup, StepEngine } from '../../../electron/engine/train/stepEngine';
import type { BackendName } from '../../../electron/engine/types';
import { Rng } from '../../../electron/engine/util/rng';
import { relDiff } from '../graph/check';

let tfjs: BackendName;
beforeAll(async () => {
  tfjs = await initTfjsBackend();
});

function setup(over: Partial<RunConfigInput> = {}): { s: EngineSetup; batches: () => BatchSampler } {
  const config = parseRunConfig({
    seed: 3,
    network: {
      layers: [
        { units: 24, activation: 'relu', batchNorm: true, lambda: 1e-4 },
        { units: 8, activation: 'tanh', batchNorm: false, lambda: 1e-3 },
        { units: 2, activation: 'linear', batchNorm: false, lambda: 1e-3 },
      ],
    },
    loss: { lambdaOrt: 0.05, reduction: 'halfSum' },
    training: { batchSize: 16, optimizer: { kind: 'adam', learningRate: 1e-3 } },
    ...over,
  });
  const data = generatePeak({ trainPerClass: 24, testPerClass: 6, size: 28, seed: 1 });
  const dim = 28 * 28;
  const train = { images: data.train.images.map((v) => v / 255), labels: data.train.labels };
  const test = { images: data.test.images.map((v) => v / 255), labels: data.test.labels };
  const layers = config.network.layers;
  const s: EngineSetup = {
    config,
    settings: { lambdas: layers.map((l) => l.lambda), lambdaOrt: config.loss.lambdaOrt, reduction: config.loss.reduction, quirks: config.loss.referenceQuirks },
    dim,
    classes: 2,
    batchSize: config.training.batchSize,
    params: initialParams(dim, layers, config.seed),
    train,
    test,
    samples: 3,
  };
  return { s, batches: () => new BatchSampler(train.images, train.labels, dim, 2, config.training.batchSize, new Rng(5)) };
}

/** `steps` steps on the same batches and SRIP vectors; the loss parts of each. */
async function train(engine: StepEngine, batches: BatchSampler, units: number[], steps: number): Promise<number[][]> {
  const rng = new Rng(9);
  const srip = () => units.map((u) => Float32Array.from({ length: u }, () => rng.normal()));
  const parts = [await engine.lossParts(batches.first(), srip())];
  for (let i = 0; i < steps; i++) parts.push((await engine.step(batches.next(), srip(), true)).parts!);
  return parts;
}

const flat = (e: StepEngine) => [...paramArrays(e.params()).values()];

describe('the step engine on ONNX Runtime and on tfjs', () => {
  it('trains the same: loss parts, parameters, evaluation', async () => {
    const { s, batches } = setup();
    const units = s.config.network.layers.map((l) => (l as DenseLayer).units);
    const a = await createGraphEngine('onnx', onnxProgram(1), s);
    const b = await createGraphEngine(tfjs, tfjsProgram(), s);
    const pa = await train(a, batches(), units, 12);
    const pb = await train(b, batches(), units, 12);
    pa.forEach((p, t) => expect(relDiff(p, pb[t]), `parts at step ${t}`).toBeLessThan(1e-4));
    const [fa, fb] = [flat(a), flat(b)];
    fa.forEach((v, i) => expect(relDiff(v, fb[i]), `state ${i}`).toBeLessThan(1e-4));
    const [ea, eb] = [await a.evaluate(), await b.evaluate()];
    expect(ea.trainAccuracy).toBe(eb.trainAccuracy);
    expect(ea.testAccuracy).toBe(eb.testAccuracy);
    expect(relDiff(ea.testRecon, eb.testRecon)).toBeLessThan(1e-4);
    expect(ea.backward.length).toBe(3 * s.dim);
    expect(relDiff(ea.backward, eb.backward)).toBeLessThan(1e-4);
    // The loss went down, and nothing here is NaN.
    expect(pa[12][pa[12].length - 1]).toBeLessThan(pa[0][pa[0].length - 1]);
    a.dispose();
    b.dispose();
  });

  it('with the reference quirks, full batch and SGD with momentum, too', async () => {
    const { s } = setup({
      network: {
        layers: [
          { units: 16, activation: 'relu', batchNorm: true, lambda: 1e-6 },
          { units: 2, activation: 'relu', batchNorm: true, lambda: 1e-6 },
        ],
      },
      loss: { referenceQuirks: true, lambdaOrt: 0 },
      training: { batchSize: 0, optimizer: { kind: 'sgd', learningRate: 1e-2, momentum: 0.9 } },
    });
    const full = { ...s, batchSize: s.train.labels.length, train: { images: s.train.images.map((v) => v * 255), labels: s.train.labels } };
    const a = await createGraphEngine('onnx', onnxProgram(1), full);
    const b = await createGraphEngine(tfjs, tfjsProgram(), full);
    const mk = () => new BatchSampler(full.train.images, full.train.labels, s.dim, 2, 0, new Rng(1));
    const [pa, pb] = [await train(a, mk(), [16, 2], 8), await train(b, mk(), [16, 2], 8)];
    pa.forEach((p, t) => expect(relDiff(p, pb[t]), `parts at step ${t}`).toBeLessThan(1e-4));
    const [ea, eb] = [await a.evaluate(), await b.evaluate()];
    expect(ea.trainAccuracy).toBe(eb.trainAccuracy);
    expect(relDiff(ea.testRecon, eb.testRecon)).toBeLessThan(1e-4);
    a.dispose();
    b.dispose();
  });

  it('is deterministic for a thread count, and one or two threads train the same to rounding', async () => {
    const { s } = setup({ training: { batchSize: 40, optimizer: { kind: 'adam', learningRate: 1e-3 } } });
    const units = s.config.network.layers.map((l) => (l as DenseLayer).units);
    const mk = () => new BatchSampler(s.train.images, s.train.labels, s.dim, 2, 40, new Rng(2));
    const runs: { parts: number[][]; state: Float32Array[] }[] = [];
    for (const threads of [1, 2, 2]) {
      const e = await createGraphEngine('onnx', onnxProgram(threads), { ...s, batchSize: 40 });
      runs.push({ parts: await train(e, mk(), units, 50), state: flat(e) });
      e.dispose();
    }
    expect(runs[2].parts).toEqual(runs[1].parts);
    runs[2].state.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(runs[1].state[i])));
    runs[0].parts.forEach((p, t) => expect(relDiff(p, runs[1].parts[t])).toBeLessThan(1e-4));
  });

  it('keeps an optimizer state that either backend takes up: a step after the hand-over is the same on both', async () => {
    const { s, batches } = setup();
    const units = s.config.network.layers.map((l) => (l as DenseLayer).units);
    const a = await createGraphEngine('onnx', onnxProgram(1), s);
    await train(a, batches(), units, 5);
    const saved = (await a.exportOptimizerState())!;
    expect(saved.kind).toBe('graph');
    const b = await createGraphEngine(tfjs, tfjsProgram(), { ...s, params: a.params() });
    await b.importOptimizerState(saved);
    const next = batches();
    for (let i = 0; i < 6; i++) next.next();
    const u = units.map((n) => new Float32Array(n).fill(0.5));
    await a.step(next.next(), u, false);
    const again = batches();
    for (let i = 0; i < 6; i++) again.next();
    await b.step(again.next(), u, false);
    const [fa, fb] = [flat(a), flat(b)];
    fa.forEach((v, i) => expect(relDiff(v, fb[i]), `state ${i}`).toBeLessThan(1e-5));
    a.dispose();
    b.dispose();
  });
});

describe('ONNX threads', () => {
  it('one thread for small steps, two for large ones, RACECAR_ONNX_THREADS over both', () => {
    const w1 = parseRunConfig({
      network: {
        layers: [
          { units: 128, batchNorm: true, lambda: 1e-6 },
          { units: 2, batchNorm: true, lambda: 1e-6 },
        ],
      },
      loss: { referenceQuirks: true },
    });
    const w2 = parseRunConfig({
      network: {
        layers: [
          { units: 512, lambda: 1e-3 },
          { units: 256, lambda: 1e-3 },
          { units: 10, activation: 'linear', lambda: 1e-3 },
        ],
      },
    });
    expect(engineThreads({ config: w1, dim: 784, batchSize: 100 })).toBe(1);
    expect(engineThreads({ config: w2, dim: 784, batchSize: 128 })).toBe(Math.min(2, coreCount()));
    vi.stubEnv('RACECAR_ONNX_THREADS', '3');
    expect(engineThreads({ config: w1, dim: 784, batchSize: 100 })).toBe(3);
    vi.unstubAllEnvs();
  });
});
