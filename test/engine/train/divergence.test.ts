// Divergence: real training with a far too large learning rate stops at the
// step where the loss or a weight stops being finite, as 'diverged', and keeps
// finite metrics and checkpoints that SVD and exports can use.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableBackends } from '../../../electron/engine/backend';
import { parseRunConfig, type RunConfigInput } from '../../../electron/engine/config/schema';
import { lossSettings } from '../../../electron/engine/model/definition';
import { buildStepGraph, CHECKSUM } from '../../../electron/engine/model/graphs';
import { paramArrays, stateSpecs } from '../../../electron/engine/model/layout';
import { initialParams } from '../../../electron/engine/model/params';
import { interpret } from '../graph/float64';
import { parseCheckpoint } from '../../../electron/engine/model/checkpoint';
import { RunStore } from '../../../electron/engine/store/runStore';
import { computeLayerSvd } from '../../../electron/engine/svd/runSvd';
import { DivergedError, checkBlowUp, checkEvaluation, checkState } from '../../../electron/engine/train/divergence';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import type { EvalRecord, RunRecord, TrainEvent } from '../../../electron/engine/types';
import { exportBundle } from '../../../electron/export/bundle';
import { smallPeak } from '../../helpers/configs';
import { configFromFlags } from '../../../electron/cli/trainArgs';
import { tempDir } from '../../helpers/tmp';

const sgd = (learningRate: number, evalEvery: number): RunConfigInput =>
  smallPeak({
    name: `sgd ${learningRate}`,
    training: { steps: 80, evalEvery, checkpointEvery: 5, backwardSamples: 2, batchSize: 0, optimizer: { kind: 'sgd', learningRate } },
  });

const MESSAGE =
  /^diverged at step (\d+): the (weights|training loss|test reconstruction error of layer \d) became (NaN \(not a number\)|infinite|-infinite): lower the learning rate \(training\.optimizer\.learningRate is \d+, or use adam\)$/;

describe('the divergence checks', () => {
  it('the step graph’s checksum is finite for a sane network and not finite once any weight or moving statistic is', () => {
    const cfg = parseRunConfig(sgd(1, 5));
    const net = { inputSize: 784, layers: cfg.network.layers };
    const g = buildStepGraph({ net, loss: lossSettings(cfg), optimizer: cfg.training.optimizer, batch: 4 });
    const state = paramArrays(initialParams(784, cfg.network.layers, 1));
    for (const st of stateSpecs(net, cfg.training.optimizer))
      if (!state.has(st.name)) state.set(st.name, new Float32Array(st.shape.reduce((a, b) => a * b, 1)));
    const feeds = () => ({ x: new Float64Array(4 * 784).fill(1), y: Float64Array.from({ length: 8 }, (_, i) => i % 2), ...Object.fromEntries(state) });
    const sum = () => interpret(g, feeds())[CHECKSUM][0];
    expect(Number.isFinite(sum())).toBe(true);
    state.get('movingVar0')![3] = NaN;
    expect(sum()).toBeNaN();
    state.get('movingVar0')![3] = 1;
    state.get('w1')![0] = Infinity;
    expect(Number.isFinite(sum())).toBe(false);
  });

  it('names the step, what became non-finite and the fix', () => {
    const cfg = parseRunConfig(sgd(1000000, 5));
    expect(() => checkState(12.5, 3, cfg)).not.toThrow();
    expect(() => checkState(NaN, 3, cfg)).toThrow(
      new DivergedError(
        3,
        'diverged at step 3: the weights became NaN (not a number): lower the learning rate (training.optimizer.learningRate is 1000000, or use adam)',
      ),
    );
    const rec: EvalRecord = {
      step: 50,
      epoch: 1,
      elapsed: 1,
      stepsPerSec: 10,
      loss: { total: 1, ce: 1, rr: [0, 0], ort: 0 },
      trainAccuracy: 1,
      testAccuracy: 1,
      testRecon: [1, 2],
    };
    expect(() => checkEvaluation(rec, cfg)).not.toThrow();
    expect(() => checkEvaluation({ ...rec, loss: { ...rec.loss, rr: [0, Infinity] } }, cfg)).toThrow(
      /^diverged at step 50: the training loss became infinite: /,
    );
    expect(() => checkEvaluation({ ...rec, testRecon: [1, -Infinity] }, cfg)).toThrow(
      /^diverged at step 50: the test reconstruction error of layer 2 became -infinite: lower the learning rate/,
    );
    // A finite blow-up: measured against the start, or 1 when the start is smaller.
    const start = { ...rec, step: 0, loss: { ...rec.loss, total: 69.2 }, testRecon: [5937, 0.5] };
    expect(() => checkBlowUp({ ...rec, loss: { ...rec.loss, total: 6920 }, testRecon: [5.9e15, 1e12] }, start, cfg)).not.toThrow();
    expect(() => checkBlowUp({ ...rec, loss: { ...rec.loss, total: 63508 } }, start, cfg)).toThrow(
      new DivergedError(
        50,
        'diverged at step 50: the training loss grew from 69.2 at step 0 to 6.35e+4, more than 100 times: lower the learning rate (training.optimizer.learningRate is 1000000, or use adam)',
      ),
    );
    expect(() => checkBlowUp({ ...rec, testRecon: [1, 7.5e27] }, start, cfg)).toThrow(
      /^diverged at step 50: the test reconstruction error of layer 2 grew from 0\.500 at step 0 to 7\.50e\+27, more than 1000000000000 times: /,
    );
  });
});

describe('a finite blow-up under Adam', () => {
  it('--layers 4,2 --steps 50 --lr 1e6 (what racecar train makes of them) ends diverged, with its finite metrics kept', async () => {
    const store = new RunStore(tempDir('racecar-blowup-'));
    const cfg = configFromFlags({ layers: '4,2', steps: '50', lr: '1e6' });
    const r = await trainToEnd(cfg, { store });
    expect(r.status).toBe('diverged');
    const m =
      /^diverged at step (\d+): the (training loss|test reconstruction error of layer 1) grew from [\d.e+-]+ at step 0 to [\d.e+-]+, more than 1\d+ times: lower the learning rate \(training\.optimizer\.learningRate is 1000000\)$/.exec(
        r.error ?? '',
      );
    expect(m, r.error).not.toBeNull();
    const metrics = store.readMetrics(r.id);
    // The blown-up evaluation is finite and kept; nothing after it.
    expect(metrics.at(-1)!.step).toBe(Number(m![1]));
    for (const x of metrics) expect(Number.isFinite(x.loss.total)).toBe(true);
  });
});

describe.each(availableBackends())('a run with a far too large learning rate on %s', (backend) => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  let store: RunStore;
  let run: RunRecord;
  let events: TrainEvent[];
  let step: number;

  beforeAll(async () => {
    vi.stubEnv('RACECAR_BACKEND', backend);
    store = new RunStore(tempDir('racecar-diverge-'));
    events = [];
    run = await trainToEnd(sgd(10, 5), { store }, (e) => events.push(e));
    step = Number(MESSAGE.exec(run.error ?? '')?.[1]);
  });

  it('ends diverged at that step with the message, in run.json, the finished event and the log', () => {
    expect(run.status).toBe('diverged');
    expect(run.error).toMatch(MESSAGE);
    expect(step).toBeGreaterThan(5);
    expect(step).toBeLessThan(80);
    expect(events.at(-1)).toEqual({ type: 'finished', runId: run.id, status: 'diverged', error: run.error });
    expect(store.get(run.id).status).toBe('diverged');
    expect(fs.readFileSync(path.join(store.workspace, 'runs', run.id, 'train.log'), 'utf8')).toContain(run.error!);
    // Nothing after the divergence: no evaluation, no checkpoint, no progress.
    const after = events.filter(
      (e) => (e.type === 'evaluation' && e.record.step >= step) || ((e.type === 'checkpoint' || e.type === 'progress') && e.step >= step),
    );
    expect(after).toEqual([]);
  });

  it('keeps the metrics and checkpoints before it, all finite, and its SVD works', () => {
    const metrics = store.readMetrics(run.id);
    expect(metrics.length).toBeGreaterThan(1);
    expect(metrics.at(-1)!.step).toBe(run.lastStep);
    for (const m of metrics) for (const v of [m.loss.total, m.loss.ce, ...m.loss.rr, ...m.testRecon]) expect(Number.isFinite(v)).toBe(true);
    expect(run.checkpointSteps.length).toBeGreaterThan(0);
    expect(Math.max(...run.checkpointSteps)).toBeLessThan(step);
    for (const s of run.checkpointSteps) {
      for (const p of parseCheckpoint(store.readCheckpoint(run.id, s)).params) expect(p.w!.data.every(Number.isFinite)).toBe(true);
    }
    const svd = computeLayerSvd(store, run.id, 0);
    expect(svd.s.every(Number.isFinite)).toBe(true);
    expect(svd.vectorPngs).toHaveLength(16);
  });

  it('exports with every figure, and the README names the divergence', async () => {
    const out = path.join(tempDir('racecar-diverge-out-'), 'b');
    const r = await exportBundle({ store, runIds: [run.id], out, formats: ['svg'] });
    expect(r.notes).toEqual([]);
    expect(r.files).toContain(`figures/${run.id}/spectrum.svg`);
    expect(r.files).toContain(`figures/${run.id}/vectors.svg`);
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain(`| diverged |`);
    expect(readme).toContain(`${run.error} (its last finite evaluation is at step ${run.lastStep} of 80)`);
  });

  it('stops at the first step whose weights are not finite, long before an evaluation', async () => {
    const cfg = sgd(1000, 50);
    const r = await trainToEnd({ ...cfg, training: { ...cfg.training, checkpointEvery: 1 } }, { store });
    expect(r.status).toBe('diverged');
    const m = MESSAGE.exec(r.error ?? '');
    expect(m?.[2]).toBe('weights');
    const n = Number(m?.[1]);
    expect(n).toBeLessThan(50);
    expect(store.readMetrics(r.id).map((x) => x.step)).toEqual([0]);
    // Every step before it was checkpointed with finite weights: the step named is the first.
    expect(r.checkpointSteps).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 1));
    for (const s of r.checkpointSteps) {
      for (const p of parseCheckpoint(store.readCheckpoint(r.id, s)).params) expect(p.w!.data.every(Number.isFinite)).toBe(true);
    }
  });
});
