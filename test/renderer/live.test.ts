import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { EvalRecord, RunRecord } from '../../electron/engine/types';
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
const runRec: RunRecord = {
  id: 'r1',
  name: 'r1',
  status: 'running',
  config,
  totalSteps: 300,
  backend: 'cpu',
  versions: {},
  createdAt: '2025-01-01T00:00:00Z',
  lastStep: 100,
  backwardSteps: [100],
  checkpointSteps: [],
};
const rec = (step: number): EvalRecord => ({
  step,
  epoch: 0,
  elapsed: step / 10,
  stepsPerSec: 10,
  loss: { total: 2 / step, ce: 1 / step, rr: [1 / step, 0], ort: 0 },
  trainAccuracy: 0.5,
  testAccuracy: 0.5,
  testRecon: [3, 4],
});

describe('LiveStore', () => {
  it('loads metrics, then appends evaluation events and tracks progress', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi({ 'runs.get': async () => (await gate, { run: runRec, metrics: [rec(100)] }) });
    const live = new LiveStore(api);
    const changes: LiveChange[] = [];
    live.subscribe((c) => changes.push(c));
    const loading = live.select('r1');
    // An evaluation arriving while runs.get is in flight is kept, not lost or duplicated.
    live.onTrain({ type: 'evaluation', runId: 'r1', record: rec(200) });
    live.onTrain({ type: 'evaluation', runId: 'r1', record: rec(100) });
    release();
    await loading;
    expect(live.metrics.map((m) => m.step)).toEqual([100, 200]);
    expect(changes.map((c) => c.kind)).toEqual(['reset', 'reset']);

    live.onTrain({ type: 'progress', runId: 'r1', step: 250, totalSteps: 300, stepsPerSec: 12.5 });
    expect(live.progress).toEqual({ step: 250, totalSteps: 300, stepsPerSec: 12.5 });
    live.onTrain({ type: 'evaluation', runId: 'r1', record: rec(300) });
    live.onTrain({ type: 'evaluation', runId: 'other', record: rec(400) });
    expect(live.metrics.map((m) => m.step)).toEqual([100, 200, 300]);
    expect(changes[changes.length - 1]).toEqual({ kind: 'append', record: rec(300) });
    expect(live.count).toBe(3);
    live.onTrain({ type: 'finished', runId: 'r1', status: 'completed' });
    expect(live.run?.status).toBe('completed');
    expect(live.progress?.step).toBe(300);
  });
});
