// "Pre": greedy layer-wise pretraining, its derived gradient against finite
// differences, its phases, and that a phase trains its layer alone.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../electron/engine/config/schema';
import { parseCheckpoint } from '../../../electron/engine/model/checkpoint';
import { buildPretrainGraph, PARTS } from '../../../electron/engine/model/graphs';
import { gradName } from '../../../electron/engine/model/layout';
import { initialParams } from '../../../electron/engine/model/params';
import { findPreset } from '../../../electron/engine/presets';
import { RunStore } from '../../../electron/engine/store/runStore';
import { phasesOf } from '../../../electron/engine/train/phases';
import { resumePlan, trainToEnd } from '../../../electron/engine/train/trainer';
import { smallPeak } from '../../helpers/configs';
import { tempDir } from '../../helpers/tmp';
import { finiteDifferences, relDiff } from '../graph/check';
import { interpret } from '../graph/float64';
import { L, caseInputs } from '../model/lossCases';

describe('the pretraining step of layer k', () => {
  for (const [k, batchNorm] of [
    [0, true],
    [1, true],
    [1, false],
  ] as const) {
    it(`trains layer ${k + 1}${batchNorm ? ' (batch norm below and on it)' : ''} by its derived gradient (finite differences, float64)`, () => {
      const c = {
        name: 'pre',
        layers: [L(7, 'tanh', batchNorm, 0), L(5, 'sigmoid', batchNorm, 0), L(3, 'linear', false, 0)],
        settings: { lambdas: [0, 0, 0], lambdaOrt: 0, reduction: 'halfSum' as const, quirks: false },
      };
      const inp = caseInputs(c, 4);
      const g = buildPretrainGraph({ net: inp.net, loss: c.settings, optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 }, batch: inp.n }, k, {
        gradients: true,
      });
      const feeds: Record<string, Float64Array> = { x: Float64Array.from(inp.x) };
      for (const [name, a] of inp.state) feeds[name] = Float64Array.from(a);
      const out = interpret(g, feeds);
      const own = [`w${k}`, `b${k}`, ...(batchNorm ? [`gamma${k}`, `beta${k}`] : [])];
      expect([...g.outputs.keys()].filter((n) => n.startsWith('grad.')).sort()).toEqual(own.map(gradName).sort());
      for (const p of own) expect(relDiff(out[gradName(p)], finiteDifferences(g, feeds, PARTS, p), 1e-2), p).toBeLessThan(1e-6);
    });
  }
});

describe('pretraining convolutional layers', () => {
  const layers = [
    { type: 'conv' as const, filters: 3, kernel: 3, stride: 1, padding: 1, activation: 'tanh' as const, batchNorm: true, lambda: 0 },
    { type: 'pool' as const, kind: 'max' as const, size: 2, lambda: 0 },
    { type: 'conv' as const, filters: 2, kernel: 3, stride: 2, padding: 1, activation: 'relu' as const, batchNorm: false, lambda: 0 },
    L(3, 'linear', false, 0),
  ];

  it('trains a conv layer above a max pooling by its derived gradient (finite differences, float64)', () => {
    const c = {
      name: 'pre-conv',
      layers,
      image: [1, 6, 6] as [number, number, number],
      batch: 3,
      settings: { lambdas: [0, 0, 0, 0], lambdaOrt: 0, reduction: 'mean' as const, quirks: false },
    };
    const inp = caseInputs(c, 5);
    const g = buildPretrainGraph({ net: inp.net, loss: c.settings, optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 }, batch: inp.n }, 2, {
      gradients: true,
    });
    const feeds: Record<string, Float64Array> = { x: Float64Array.from(inp.x) };
    for (const [name, a] of inp.state) feeds[name] = Float64Array.from(a);
    const out = interpret(g, feeds);
    expect([...g.outputs.keys()].filter((n) => n.startsWith('grad.')).sort()).toEqual(['grad.b2', 'grad.w2']);
    for (const p of ['w2', 'b2']) expect(relDiff(out[gradName(p)], finiteDifferences(g, feeds, PARTS, p), 1e-2), p).toBeLessThan(1e-6);
  });

  it('skips pooling layers (no weights) by default and refuses one listed', () => {
    const c = parseRunConfig({ network: { layers }, training: { steps: 10, pretrain: { stepsPerLayer: 5 } } });
    expect(phasesOf(c, 25).map((p) => p.label)).toEqual(['pretraining layer 1', 'pretraining layer 3', 'task']);
    expect(() => parseRunConfig({ network: { layers }, training: { steps: 10, pretrain: { stepsPerLayer: 5, layers: [2] } } })).toThrow(
      'training.pretrain.layers: pretrain.layers: layer 2 is a pooling layer, which has no weights to pretrain: leave it out',
    );
  });
});

describe('a run with layer-wise pretraining', () => {
  it('has a phase per pretrained layer, then the task', () => {
    const c = parseRunConfig({
      network: { layers: [{ units: 8 }, { units: 4 }, { units: 2, activation: 'linear' }] },
      training: { steps: 30, pretrain: { stepsPerLayer: 10 } },
    });
    expect(phasesOf(c, 50).map((p) => [p.label, p.start, p.end])).toEqual([
      ['pretraining layer 1', 1, 10],
      ['pretraining layer 2', 11, 20],
      ['task', 21, 50],
    ]);
    expect(findPreset('peak_Pre')!.config.training).toMatchObject({ steps: 5000, pretrain: { stepsPerLayer: 1000 } });
  });

  it('trains the pretrained layer alone in its phase, then the whole network; its steps come before the task’s', async () => {
    const store = new RunStore(tempDir());
    const config = smallPeak({
      training: {
        steps: 20,
        evalEvery: 10,
        checkpointEvery: 10,
        backwardSamples: 0,
        batchSize: 0,
        pretrain: { stepsPerLayer: 10 },
        optimizer: { kind: 'adam', learningRate: 1e-3 },
      },
    });
    const run = await trainToEnd(config, { store });
    expect(run).toMatchObject({ status: 'completed', totalSteps: 30, checkpointSteps: [10, 20, 30] });
    const start = initialParams(784, run.config.network.layers, run.config.seed);
    const at = (s: number) => parseCheckpoint(store.readCheckpoint(run.id, s)).params;
    // After pretraining layer 1: layer 1 moved, layer 2 still at its random start.
    expect(Array.from(at(10)[0].w!.data)).not.toEqual(Array.from(start[0].w!.data));
    expect(Array.from(at(10)[1].w!.data)).toEqual(Array.from(start[1].w!.data));
    // Then the task trains both.
    expect(Array.from(at(30)[1].w!.data)).not.toEqual(Array.from(start[1].w!.data));
    expect(store.readMetrics(run.id).map((m) => m.step)).toEqual([0, 10, 20, 30]);
  });

  it('cannot be resumed inside its pretraining, and says why', async () => {
    const store = new RunStore(tempDir());
    const ac = new AbortController();
    const config = smallPeak({ training: { steps: 20, evalEvery: 5, checkpointEvery: 5, backwardSamples: 0, batchSize: 0, pretrain: { stepsPerLayer: 100 } } });
    const run = await trainToEnd(config, { store, signal: ac.signal }, (e) => {
      if (e.type === 'checkpoint' && e.step === 5) ac.abort();
    });
    expect(run.status).toBe('cancelled');
    expect(() => resumePlan(store, run.id)).toThrow(
      `run "${run.id}" stopped during its layer-wise pretraining (checkpoint at step 5 of 100): only its task phase can be resumed (duplicate it to train again)`,
    );
  });
});
