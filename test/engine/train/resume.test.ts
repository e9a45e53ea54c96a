// Resuming a stopped run from its last checkpoint: weights, optimizer state
// and every random draw are restored, so it ends exactly where an
// uninterrupted run ends.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableBackends } from '../../../electron/engine/backend';
import type { RunConfigInput } from '../../../electron/engine/config/schema';
import { parseCheckpoint } from '../../../electron/engine/model/checkpoint';
import { optimizerDir } from '../../../electron/engine/store/layout';
import { RunStore } from '../../../electron/engine/store/runStore';
import { resumePlan, trainRun, trainToEnd } from '../../../electron/engine/train/trainer';
import { tempDir } from '../../helpers/tmp';

const cfg = (optimizer: RunConfigInput['training'] extends infer T ? (T extends { optimizer?: infer O } ? O : never) : never): RunConfigInput => ({
  name: 'resume',
  seed: 3,
  data: { source: { kind: 'peak', trainPerClass: 12, testPerClass: 3 }, scale: 'unit' },
  network: {
    layers: [
      { units: 12, activation: 'relu', batchNorm: true, lambda: 1e-3 },
      { units: 2, activation: 'linear', lambda: 1e-3 },
    ],
  },
  loss: { lambdaOrt: 0.1 },
  // Mini-batches (shuffled every epoch), SRIP draws every step, checkpoints at 15 and 30.
  training: { steps: 40, evalEvery: 10, checkpointEvery: 15, batchSize: 8, backwardSamples: 2, optimizer },
});

/** Trains until the evaluation at `stopAt`, then cancels (the trainer checkpoints the step reached). */
async function trainAndStop(store: RunStore, config: RunConfigInput, stopAt: number): Promise<string> {
  const abort = new AbortController();
  let id = '';
  for await (const e of trainRun(config, { store, signal: abort.signal })) {
    if (e.type === 'started') id = e.runId;
    if (e.type === 'evaluation' && e.record.step === stopAt) abort.abort();
  }
  return id;
}

const params = (store: RunStore, id: string, step: number) => parseCheckpoint(store.readCheckpoint(id, step)).params;
const withoutTimes = (store: RunStore, id: string) => store.readMetrics(id).map(({ elapsed: _e, stepsPerSec: _s, ...m }) => m);

describe.each(availableBackends())('resuming a run on %s', (backend) => {
  beforeAll(() => {
    vi.stubEnv('RACECAR_BACKEND', backend);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  for (const optimizer of [
    { kind: 'adam' as const, learningRate: 3e-3 },
    { kind: 'sgd' as const, learningRate: 1e-3, momentum: 0.9 },
  ]) {
    it(`ends exactly where an uninterrupted run ends (${optimizer.kind})`, async () => {
      const config = cfg(optimizer);
      const store = new RunStore(tempDir());
      const straight = await trainToEnd(config, { store });
      const id = await trainAndStop(store, config, 20);
      expect(store.get(id).status).toBe('cancelled');
      expect(store.get(id).checkpointSteps).toEqual([15, 20]);

      const plan = resumePlan(store, id);
      expect(plan.step).toBe(20);
      expect(plan.reset).toEqual([]);
      expect(plan.restored.join('; ')).toMatch(
        /weights and biases; batch-norm .*; .*state \(moments and step count\); the order of the training batches and the SRIP draws/,
      );

      const resumed = await trainToEnd(store.get(id).config, { store, runId: id, resume: true });
      expect(resumed.status).toBe('completed');
      expect(resumed.checkpointSteps).toEqual([15, 20, 30, 40]);
      expect(store.readMetrics(id).map((m) => m.step)).toEqual([0, 10, 20, 30, 40]);
      // Bit for bit: weights, batch-norm statistics, and every evaluation.
      expect(params(store, id, 40)).toEqual(params(store, straight.id, 40));
      expect(withoutTimes(store, id)).toEqual(withoutTimes(store, straight.id));
      // Time goes on from where it stopped.
      const m = store.readMetrics(id);
      expect(m[3]!.elapsed).toBeGreaterThan(m[2]!.elapsed);
      expect(fs.readFileSync(path.join(store.workspace, 'runs', id, 'train.log'), 'utf8')).toMatch(
        /resumed from the checkpoint at step 20 of 40: restored weights and biases/,
      );
      // Only the latest optimizer state is kept.
      expect(fs.readdirSync(optimizerDir(store.workspace, id))).toEqual(['0000040.safetensors']);
    });
  }

  it('goes back to the last checkpoint, dropping later evaluations, and says when the optimizer state was not saved', async () => {
    const config = cfg({ kind: 'adam', learningRate: 3e-3 });
    const store = new RunStore(tempDir());
    const id = await trainAndStop(store, config, 20);
    // As a run killed after its evaluation at 20 but before a checkpoint there, from an older version (no optimizer state).
    fs.rmSync(path.join(store.workspace, 'runs', id, 'checkpoints', '0000020.safetensors'));
    fs.rmSync(optimizerDir(store.workspace, id), { recursive: true });
    store.updateRun(id, { status: 'interrupted' });
    const plan = resumePlan(store, id);
    expect(plan.step).toBe(15);
    expect(plan.reset).toEqual(['Adam state (this checkpoint was saved without it): it starts afresh']);
    const steps: number[] = [];
    const run = await trainToEnd(store.get(id).config, { store, runId: id, resume: true }, (e) => e.type === 'evaluation' && steps.push(e.record.step));
    expect(run.status).toBe('completed');
    expect(steps).toEqual([20, 30, 40]);
    expect(store.readMetrics(id).map((m) => m.step)).toEqual([0, 10, 20, 30, 40]);
    expect(run.checkpointSteps).toEqual([15, 30, 40]);
    expect(fs.readFileSync(path.join(store.workspace, 'runs', id, 'train.log'), 'utf8')).toMatch(
      /not restored: Adam state \(this checkpoint was saved without it\)/,
    );
  });

  it('rewinds a run record and its metrics to a step', async () => {
    const store = new RunStore(tempDir());
    const id = await trainAndStop(store, cfg({ kind: 'adam', learningRate: 3e-3 }), 20);
    const rewound = store.rewindTo(id, 15);
    expect(store.readMetrics(id).map((m) => m.step)).toEqual([0, 10]);
    expect([rewound.lastStep, rewound.backwardSteps, rewound.checkpointSteps]).toEqual([10, [0, 10], [15]]);
  });

  it('refuses runs that cannot be resumed, with the reason', async () => {
    const store = new RunStore(tempDir());
    const done = await trainToEnd(cfg({ kind: 'adam', learningRate: 1e-3 }), { store });
    expect(() => resumePlan(store, done.id)).toThrow(/is completed: only a cancelled or interrupted run can be resumed/);
    const never = store.createRun(store.get(done.id).config, { totalSteps: 40, backend: null, versions: {} });
    store.updateRun(never.id, { status: 'interrupted' });
    expect(() => resumePlan(store, never.id)).toThrow(/has no checkpoint to resume from/);
    await expect(trainToEnd(store.get(never.id).config, { store, runId: never.id, resume: true })).rejects.toThrow(/has no checkpoint to resume from/);
    expect(store.get(never.id).status).toBe('interrupted');
  });
});

describe('resuming on another backend', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('restores the weights and the optimizer state: every backend keeps the one layout', async () => {
    const [first, second] = availableBackends();
    expect(second, 'two backends are installed (npm ci brings onnx and wasm)').toBeDefined();
    const config = cfg({ kind: 'adam', learningRate: 3e-3 });
    const store = new RunStore(tempDir());
    vi.stubEnv('RACECAR_BACKEND', first!);
    const id = await trainAndStop(store, config, 20);
    vi.stubEnv('RACECAR_BACKEND', second!);
    const plan = resumePlan(store, id);
    expect(plan.reset).toEqual([]);
    expect(plan.restored).toContain('Adam state (moments and step count)');
    const run = await trainToEnd(store.get(id).config, { store, runId: id, resume: true });
    expect(run).toMatchObject({ status: 'completed', backend: second, checkpointSteps: [15, 20, 30, 40] });
    const log = fs.readFileSync(path.join(store.workspace, 'runs', id, 'train.log'), 'utf8');
    expect(log).toMatch(/resumed from the checkpoint at step 20 of \d+: restored weights and biases, .*Adam state \(moments and step count\)/);
    expect(log).not.toContain('not restored');
  });
});
