import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { EvalRecord, RunRecord, RunStatus } from '../../electron/engine/types';
import { EtaEstimator } from '../../renderer/src/lib/eta';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
import { LiveStore, type LiveChange } from '../../renderer/src/lib/stores/live.svelte';
import { fakeApi } from './fakeApi';

const config = RunConfigSchema.parse({
  network: {
    layers: [
      { units: 32, lambda: 1e-6 },
      { units: 2, activation: 'linear', lambda: 0 },
    ],
  },
  training: { steps: 300 },
});
const runRec = (id: string, status: RunStatus = 'running', createdAt = '2025-01-01T00:00:00Z'): RunRecord => ({
  id,
  name: `name of ${id}`,
  status,
  config,
  totalSteps: 300,
  backend: 'cpu',
  versions: {},
  createdAt,
  ...(status === 'queued' ? {} : { startedAt: createdAt }),
  lastStep: 100,
  backwardSteps: [100],
  checkpointSteps: [],
});
const rec = (step: number): EvalRecord => ({
  step,
  epoch: 0,
  elapsed: step / 10,
  stepsPerSec: 10,
  loss: { total: 2 / step, ce: 1 / step, rr: [1 / step, 0], ort: 0 },
  trainAccuracy: 0.5,
  testAccuracy: 0.75,
  testRecon: [3, 4],
});
const summary = (r: RunRecord): RunSummary => ({ run: r, last: rec(100) });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('LiveStore', () => {
  it('loads a run’s metrics, then appends evaluation events and tracks progress', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi({ 'runs.get': async () => (await gate, { run: runRec('r1'), metrics: [rec(100)] }) });
    const live = new LiveStore(api);
    const changes: LiveChange[] = [];
    live.subscribe((c) => changes.push(c));
    live.select('r1');
    const e = live.entry('r1')!;
    // An evaluation arriving while runs.get is in flight is kept, not lost or duplicated.
    live.onTrain({ type: 'evaluation', runId: 'r1', record: rec(200) });
    live.onTrain({ type: 'evaluation', runId: 'r1', record: rec(100) });
    release();
    await settle();
    expect(e.metrics.map((m) => m.step)).toEqual([100, 200]);
    expect(changes.map((c) => c.kind)).toEqual(['reset', 'reset']);

    live.onTrain({ type: 'progress', runId: 'r1', step: 250, totalSteps: 300, stepsPerSec: 12.5 });
    expect(e.progress).toEqual({ step: 250, totalSteps: 300, stepsPerSec: 12.5 });
    live.onTrain({ type: 'evaluation', runId: 'r1', record: rec(300) });
    live.onTrain({ type: 'evaluation', runId: 'other', record: rec(400) });
    expect(e.metrics.map((m) => m.step)).toEqual([100, 200, 300]);
    expect(changes[changes.length - 1]).toEqual({ kind: 'append', runId: 'r1', record: rec(300) });
    expect(e.count).toBe(3);
    live.onTrain({ type: 'finished', runId: 'r1', status: 'completed' });
    expect(e.run?.status).toBe('completed');
    expect(e.progress?.step).toBe(300);
  });

  it('follows the run that is training, not a newer queued one, and switches when the next one starts', async () => {
    const runs = {
      old: runRec('old', 'completed', '2025-01-01T00:00:00Z'),
      training: runRec('training', 'running', '2025-01-02T00:00:00Z'),
      waiting: runRec('waiting', 'queued', '2025-01-03T00:00:00Z'),
    };
    const api = fakeApi({ 'runs.get': ({ id }) => ({ run: runs[id as keyof typeof runs], metrics: [rec(100)] }) });
    const live = new LiveStore(api);
    live.initFollow(Object.values(runs).map(summary));
    await settle();
    expect(live.entries.map((e) => e.id)).toEqual(['training']);
    // A picked run is overlaid next to the followed one.
    live.pin('old', true);
    await settle();
    expect(live.entries.map((e) => e.id)).toEqual(['training', 'old']);
    expect(live.points).toBe(2);
    // The queued run starts: Live follows it; the picked run stays.
    live.onTrain({ type: 'finished', runId: 'training', status: 'completed' });
    live.onTrain({ type: 'started', runId: 'waiting', backend: 'cpu', totalSteps: 300 });
    await settle();
    expect(live.entries.map((e) => e.id)).toEqual(['waiting', 'old']);
    // Not following: only the picked runs.
    live.setFollow(false);
    expect(live.entries.map((e) => e.id)).toEqual(['old']);
    // "Live" on one run in the run list shows that run alone.
    live.select('training');
    expect(live.entries.map((e) => e.id)).toEqual(['training']);
  });

  it('drops runs that were deleted', async () => {
    const api = fakeApi({ 'runs.get': ({ id }) => ({ run: runRec(id, 'completed'), metrics: [] }) });
    const live = new LiveStore(api);
    live.pin('a', true);
    live.pin('b', true);
    expect(live.onRuns([summary(runRec('b', 'completed'))])).toEqual(['a']);
    expect(live.entries.map((e) => e.id)).toEqual(['b']);
  });

  it('estimates the time left from the progress events of the last minute', () => {
    let t = 0;
    const api = fakeApi({ 'runs.get': () => ({ run: runRec('r'), metrics: [] }) });
    const live = new LiveStore(api, () => t);
    live.select('r');
    live.onTrain({ type: 'started', runId: 'r', backend: 'cpu', totalSteps: 1000 });
    const e = live.entry('r')!;
    e.run = runRec('r');
    // The engine's steps/s (training only) is the first guess...
    t = 1000;
    live.onTrain({ type: 'progress', runId: 'r', step: 50, totalSteps: 1000, stepsPerSec: 100 });
    expect(e.eta).toBeCloseTo(9.5);
    // ...then the wall-clock rate, evaluations included: 150 steps in 3 s = 50 steps/s.
    t = 4000;
    live.onTrain({ type: 'progress', runId: 'r', step: 200, totalSteps: 1000, stepsPerSec: 100 });
    expect(e.eta).toBeCloseTo(800 / 50);
    live.onTrain({ type: 'finished', runId: 'r', status: 'completed' });
    expect(e.eta).toBeNull();
  });
});

describe('EtaEstimator', () => {
  it('uses a sliding window and starts over when the step goes back', () => {
    const eta = new EtaEstimator(10_000, 1000);
    eta.add(0, 0);
    expect(eta.rate()).toBeNull();
    eta.add(100, 1000);
    expect(eta.rate()).toBeCloseTo(100);
    eta.add(200, 2000);
    eta.add(210, 20_000); // slow phase: the window drops the old fast samples
    expect(eta.rate()).toBeCloseTo(10 / 18);
    expect(eta.secondsLeft(1000, 1000)).toBe(0);
    eta.add(5, 21_000);
    expect(eta.rate()).toBeNull();
    expect(eta.secondsLeft(5, 105, 20)).toBeCloseTo(5);
  });
});

describe('AppStore and Live', () => {
  it('starts a run while another trains: Live keeps the training run and says the new one is queued', async () => {
    const runs = [summary(runRec('training', 'running')), summary(runRec('new', 'queued', '2025-02-01T00:00:00Z'))];
    const api = fakeApi({
      'app.info': () => ({ version: '0', backend: 'cpu', backends: ['cpu'], workspace: '/w', platform: 'x', mode: 'browser' }),
      'presets.list': () => ({ presets: [] }),
      'runs.list': () => ({ runs, total: runs.length, problems: [], queue: ['new'] }),
      'runs.get': ({ id }) => ({ run: runs.find((r) => r.run.id === id)!.run, metrics: [] }),
      'runs.start': () => ({ id: 'new' }),
    });
    const app = new AppStore(api);
    await app.init();
    await settle();
    expect(app.live.entries.map((e) => e.id)).toEqual(['training']);
    app.experiment.start = async () => 'new';
    await app.startRun();
    expect(app.view).toBe('live');
    expect(app.live.entries.map((e) => e.id)).toEqual(['training']);
    expect(app.notices.at(-1)?.text).toMatch(/"name of new" is queued \(#1\): Live shows it when it starts/);
  });

  it('tells when a run finishes or fails, and removes a deleted run from every view with a word', async () => {
    let runs = [summary(runRec('a', 'running')), summary(runRec('b', 'completed'))];
    const api = fakeApi({
      'app.info': () => ({ version: '0', backend: 'cpu', backends: ['cpu'], workspace: '/w', platform: 'x', mode: 'browser' }),
      'presets.list': () => ({ presets: [] }),
      'runs.list': () => ({ runs, total: runs.length, problems: [], queue: [] }),
      'runs.get': ({ id }) => ({ run: runs.find((r) => r.run.id === id)!.run, metrics: [rec(100)] }),
    });
    const app = new AppStore(api);
    await app.init();
    api.emit({ type: 'train', event: { type: 'finished', runId: 'a', status: 'completed' } });
    expect(app.notices.at(-1)).toMatchObject({ kind: 'info', text: 'Run "name of a" completed, test accuracy 75.0%.' });
    api.emit({ type: 'train', event: { type: 'finished', runId: 'b', status: 'failed', error: 'out of memory' } });
    expect(app.notices.at(-1)).toMatchObject({ kind: 'error', text: 'Run "name of b" failed: out of memory' });
    api.emit({ type: 'train', event: { type: 'finished', runId: 'b', status: 'diverged', error: 'diverged at step 7: lower the learning rate' } });
    expect(app.notices.at(-1)).toMatchObject({ kind: 'error', text: 'Run "name of b" diverged: diverged at step 7: lower the learning rate' });
    // A sweep's points complete by the dozen: no notice each (the Sweeps view shows them); their failures still get one.
    const noticesBefore = app.notices.length;
    runs[0] = { ...runs[0]!, run: { ...runs[0]!.run, sweep: { id: 's', point: 3 } } };
    await app.runs.refresh();
    api.emit({ type: 'train', event: { type: 'finished', runId: 'a', status: 'completed' } });
    expect(noticesBefore).toBeLessThan(5); // under the cap, so a new notice would show in the count
    expect(app.notices).toHaveLength(noticesBefore);
    api.emit({ type: 'train', event: { type: 'finished', runId: 'a', status: 'failed', error: 'boom' } });
    expect(app.notices.at(-1)).toMatchObject({ kind: 'error', text: 'Run "name of a" failed: boom' });

    app.live.pin('b', true);
    app.svdRunIds = ['b', 'a'];
    app.compareRunIds = ['b'];
    runs = runs.filter((r) => r.run.id !== 'b');
    api.emit({ type: 'runs.changed' });
    await settle();
    await settle();
    expect(app.live.entries.map((e) => e.id)).toEqual(['a']);
    expect(app.svdRunIds).toEqual(['a']);
    expect(app.compareRunIds).toEqual([]);
    expect(app.notices.at(-1)).toMatchObject({ kind: 'info', text: 'Run "name of b" was deleted: no longer shown in Live, SVD, Compare.' });
  });
});
