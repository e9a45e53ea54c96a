// Transfer: a run started from another run's checkpoint, with layers copied
// and frozen, and every way it can be asked wrongly refused before anything is written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../../electron/engine/model/checkpoint';
import { buildStepGraph } from '../../../electron/engine/model/graphs';
import { nextName, paramArrays, stateSpecs } from '../../../electron/engine/model/layout';
import { initialParams } from '../../../electron/engine/model/params';
import { RunStore } from '../../../electron/engine/store/runStore';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import { smallPeak } from '../../helpers/configs';
import { tempDir } from '../../helpers/tmp';
import { interpret } from '../graph/float64';

const layers = (out: number) => [
  { units: 16, activation: 'relu' as const, batchNorm: true, lambda: 1e-6 },
  { units: out, activation: 'linear' as const, batchNorm: false, lambda: 1e-6 },
];

describe('transfer', () => {
  it('copies the layers of the same shape, draws a new output layer, and keeps a frozen layer exactly as it was', async () => {
    const store = new RunStore(tempDir());
    const source = await trainToEnd(smallPeak(), { store });
    const src = parseCheckpoint(store.readCheckpoint(source.id, 60)).params;
    const run = await trainToEnd(smallPeak({ name: 'fine-tune', network: { layers: layers(3) }, init: { fromRun: source.id, freeze: [1] } }), { store });
    expect(run.status).toBe('completed');
    expect(run.config.init).toEqual({ fromRun: source.id, freeze: [1] });
    const end = parseCheckpoint(store.readCheckpoint(run.id, 60)).params;
    // Layer 1: frozen, bit for bit the source's (weights, biases, batch norm and its moving statistics).
    expect(Array.from(end[0].w!.data)).toEqual(Array.from(src[0].w!.data));
    expect(Array.from(end[0].movingVar!.data)).toEqual(Array.from(src[0].movingVar!.data));
    // Layer 2: new (3 outputs here, 2 there), and trained.
    expect(end[1].w!.shape).toEqual([16, 3]);
    const fresh = initialParams(784, layers(3), run.config.seed)[1];
    expect(Array.from(end[1].w!.data)).not.toEqual(Array.from(fresh.w!.data));
    const log = fs.readFileSync(path.join(store.workspace, 'runs', run.id, 'train.log'), 'utf8');
    expect(log).toContain(`started from run ${source.id} at step 60: layer 1 transferred; layer 2 new; frozen: 1`);
  });

  it('refuses a source, step or layer that cannot be used, in one line, writing nothing', async () => {
    const store = new RunStore(tempDir());
    const source = await trainToEnd(smallPeak(), { store });
    const before = fs.readdirSync(path.join(store.workspace, 'runs'));
    const refuse = (init: object, out = 2) => expect(trainToEnd(smallPeak({ network: { layers: layers(out) }, init: init as never }), { store })).rejects;
    await refuse({ fromRun: 'nope' }).toThrow('init.fromRun: there is no run "nope" in this workspace (racecar runs lists them)');
    await refuse({ fromRun: source.id, step: 7 }).toThrow(`init.step: run "${source.id}" has no checkpoint at step 7 (it has 40, 60)`);
    await refuse({ fromRun: source.id, layers: [1, 2] }, 3).toThrow(
      `init.layers: layer 2 is 16x3 here and 16x2 in run "${source.id}": leave it out of init.layers`,
    );
    await refuse({ fromRun: source.id, freeze: [2] }, 3).toThrow(
      `init.freeze: layer 2 is not transferred (its shape differs in run "${source.id}"), so it cannot be frozen`,
    );
    await refuse({ fromRun: source.id, layers: [1], freeze: [2] }).toThrow(
      'init.freeze: a frozen layer must be among init.layers (it would stay at its random start)',
    );
    await refuse({ fromRun: source.id, layers: [3] }).toThrow('init.layers: layer 3 does not exist (the network has 2)');
    expect(fs.readdirSync(path.join(store.workspace, 'runs'))).toEqual(before);
  });

  it('a frozen layer has no gradient and no update in the step graph; the others move', () => {
    const net = { inputSize: 6, layers: layers(2) };
    const optimizer = { kind: 'sgd' as const, learningRate: 0.5, momentum: 0 };
    const g = buildStepGraph({ net, loss: { lambdas: [1e-2, 1e-2], lambdaOrt: 0, reduction: 'halfSum', quirks: false }, optimizer, batch: 4, frozen: [0] });
    const state = paramArrays(initialParams(6, net.layers, 2));
    const feeds: Record<string, ArrayLike<number>> = {
      x: Float64Array.from({ length: 24 }, (_, i) => (i % 7) / 3),
      y: Float64Array.of(1, 0, 0, 1, 1, 0, 0, 1),
    };
    for (const s of stateSpecs(net, optimizer)) feeds[s.name] = state.get(s.name) ?? new Float64Array(s.shape.reduce((a, b) => a * b, 1));
    const out = interpret(g, feeds);
    for (const name of ['w0', 'b0', 'gamma0', 'beta0', 'movingMean0', 'movingVar0'])
      expect(Array.from(out[nextName(name)]), name).toEqual(Array.from(feeds[name]));
    expect(Array.from(out[nextName('w1')])).not.toEqual(Array.from(feeds.w1));
  });
});
