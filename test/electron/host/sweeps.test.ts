// Sweeps through the engine service: points trained by real training
// processes from the service's queue, several at once, as normal tagged runs;
// status, results, validation, resume and cancel over the contract.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import type { EngineEvent } from '../../../electron/contract/contract';
import { tempDir } from '../../helpers/tmp';
import { call } from '../../helpers/contract';
import type { RunConfigInput } from '../../../electron/engine/config/schema';
import type { SweepSpecInput } from '../../../electron/engine/sweep/spec';

const base = (steps: number): RunConfigInput => ({
  data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3 } },
  network: {
    layers: [
      { units: 12, activation: 'relu', batchNorm: true },
      { units: 2, activation: 'linear' },
    ],
  },
  training: { steps, evalEvery: 10, checkpointEvery: 0, backwardSamples: 1, optimizer: { kind: 'adam', learningRate: 1e-3 } },
});
const spec = (steps: number, lambdas = [0, 1e-4]): SweepSpecInput => ({
  name: 'app sweep',
  base: base(steps),
  axes: [
    { param: 'lambda', values: lambdas },
    { param: 'seed', values: [0, 1] },
  ],
});

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sweeps in the engine service', () => {
  it('validates and counts, trains the points two at a time as tagged runs, and reports results', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser', maxParallel: 2 });
    const v = await call(service, 'sweeps.validate', { spec: spec(30) });
    expect(v).toEqual({ ok: true, points: 4, keys: ['lambda=0 seed=0', 'lambda=0 seed=1', 'lambda=1e-4 seed=0', 'lambda=1e-4 seed=1'] });
    expect(await call(service, 'sweeps.validate', { spec: { ...spec(30), axes: [{ param: 'lambda', values: [-1] }] } })).toEqual({
      ok: false,
      error: 'sweep point 0 (lambda=-1): network.layers.0.lambda: lambda must be 0 or more (got a negative value)',
    });
    const wide = { ...spec(30), base: { ...base(30), data: { source: { kind: 'mnist', digits: [0, 1, 2], trainPerClass: 1, testPerClass: 1 } } } };
    expect(await call(service, 'sweeps.validate', { spec: wide })).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^sweep point 0 \(lambda=0 seed=0\): network\.layers\.1\.units: the output layer has 2 units but the data set has 10 classes/,
      ),
    });

    let maxRunning = 0;
    service.onEvent((e: EngineEvent) => {
      if (e.type === 'runs.changed' || e.type === 'train') {
        const running = fs
          .readdirSync(path.join(ws, 'runs'))
          .filter((id) => JSON.parse(fs.readFileSync(path.join(ws, 'runs', id, 'run.json'), 'utf8')).status === 'running').length;
        maxRunning = Math.max(maxRunning, running);
      }
    });
    const { id, points } = await call(service, 'sweeps.start', { spec: spec(300) });
    expect(points).toBe(4);
    // Two points train and have their runs; the other two wait in the queue without a run folder, shown from the spec.
    const list = await call(service, 'runs.list', {});
    expect(list.runs).toHaveLength(2);
    expect(list.runs.every((r) => r.run.sweep?.id === id)).toBe(true);
    const waiting = (await call(service, 'sweeps.get', { id })).points.filter((p) => p.runId === null);
    expect(waiting.map((p) => [p.state, p.key, p.detail])).toEqual([
      ['queued', 'lambda=1e-4 seed=0', "waiting in the app's run queue"],
      ['queued', 'lambda=1e-4 seed=1', "waiting in the app's run queue"],
    ]);
    for (;;) {
      const s = (await call(service, 'sweeps.list', {})).sweeps[0]!;
      if (s.counts.done === 4) break;
      expect(s.counts.failed).toBe(0);
      await sleep(300);
    }
    expect(maxRunning).toBe(2);
    const s = (await call(service, 'sweeps.list', {})).sweeps[0]!;
    expect(s).toMatchObject({ id, name: 'app sweep', points: 4, executor: 'app', axes: [{ param: 'lambda', label: 'λ_RR (all layers)' }, { param: 'seed' }] });
    const g = await call(service, 'sweeps.get', { id });
    expect(g.complete).toBe(true);
    expect(g.results.points.map((p) => p.state)).toEqual(['done', 'done', 'done', 'done']);
    for (const p of g.results.points) {
      expect(p.metrics.alignment).toBeGreaterThan(0);
      expect(p.metrics.alignment).toBeLessThanOrEqual(1);
      expect(p.metrics.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(p.metrics.recon).toBeGreaterThan(0);
    }
    // Nothing left to run.
    expect(await call(service, 'sweeps.resume', { id })).toEqual({ id, queued: 0 });
  });

  it('cancels queued and running points; resume queues them again', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser', maxParallel: 1 });
    const { id } = await call(service, 'sweeps.start', { spec: spec(100_000) });
    for (;;) {
      const g = (await call(service, 'sweeps.list', {})).sweeps[0]!;
      if (g.counts.running === 1) break;
      await sleep(200);
    }
    const c = await call(service, 'sweeps.cancel', { id });
    expect(c.cancelled).toBe(4);
    for (;;) {
      const g = (await call(service, 'sweeps.list', {})).sweeps[0]!;
      if (g.counts.cancelled === 4) break;
      await sleep(200);
    }
    // The three that never started have no run: they read as cancelled (from the app's sweep record), in the CLI's status too.
    const g = await call(service, 'sweeps.get', { id });
    expect(g.points.filter((p) => p.runId === null).map((p) => p.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(fs.readdirSync(path.join(ws, 'runs'))).toHaveLength(1);
    const r = await call(service, 'sweeps.resume', { id });
    expect(r.queued).toBe(4);
    // One starts once the cancelled point's training process has exited; three wait.
    const counts = async () => (await call(service!, 'sweeps.list', {})).sweeps[0]!.counts;
    await expect.poll(async () => (await counts()).running, { timeout: 60_000 }).toBe(1);
    expect((await counts()).queued).toBe(3);
    // A second resume queues nothing twice.
    expect(await call(service, 'sweeps.resume', { id })).toEqual({ id, queued: 0 });
    await call(service, 'sweeps.cancel', { id });
  });

  it('a sweep of 10,000 points is queued without 10,000 run folders: other requests are answered meanwhile; cancel, restart and resume keep the points', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser', maxParallel: 1 });
    const big = { name: 'big sweep', base: base(100_000), axes: [{ param: 'seed', values: Array.from({ length: 10_000 }, (_, i) => i) }] };
    const order: string[] = [];
    const started = call(service, 'sweeps.start', { spec: big }).then((r) => (order.push('sweeps.start'), r));
    await call(service, 'app.info', {}).then(() => order.push('app.info'));
    const { id, points } = await started;
    // The points were built and checked on a worker thread while app.info was answered.
    expect(order).toEqual(['app.info', 'sweeps.start']);
    expect(points).toBe(10_000);
    // One run folder: the point that is training; the rest wait as indices.
    const runs = () => fs.readdirSync(path.join(ws, 'runs'));
    expect(runs()).toHaveLength(1);
    expect(fs.readdirSync(path.join(ws, 'sweeps', id, 'points'))).toEqual([]);
    const g = await call(service, 'sweeps.get', { id });
    expect(g.points).toHaveLength(10_000);
    expect(g.points[9_999]).toMatchObject({ index: 9_999, key: 'seed=9999', state: 'queued', runId: null });
    expect(g.counts.queued + g.counts.running).toBe(10_000);

    expect((await call(service, 'sweeps.cancel', { id })).cancelled).toBe(10_000);
    const cancelled = async () => (await call(service!, 'sweeps.list', {})).sweeps[0]!.counts.cancelled;
    await expect.poll(cancelled, { timeout: 60_000 }).toBe(10_000);
    expect(runs()).toHaveLength(1);

    // A new engine has no queue: the points read from the spec, still cancelled; resume queues them again.
    await service.close();
    service = createEngineService({ workspace: ws, mode: 'browser', maxParallel: 1 });
    expect((await call(service, 'sweeps.get', { id })).counts.cancelled).toBe(10_000);
    expect(await call(service, 'sweeps.resume', { id })).toEqual({ id, queued: 10_000 });
    await expect.poll(async () => (await call(service!, 'sweeps.list', {})).sweeps[0]!.counts.running, { timeout: 60_000 }).toBe(1);
    expect(runs()).toHaveLength(2);
    expect((await call(service, 'sweeps.list', {})).sweeps[0]!.counts.queued).toBe(9_999);
    await call(service, 'sweeps.cancel', { id });
  });
});
