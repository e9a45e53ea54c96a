// Sweep folders and per-point status read from the tagged runs of a real run store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../electron/engine/store/runStore';
import {
  clearAppCancel,
  createSweep,
  ensurePointFile,
  listSweeps,
  needsRun,
  pointPath,
  readSweep,
  sweepJsonPath,
  sweepStatus,
  sweepsDir,
  writeAppMarker,
} from '../../../electron/engine/sweep/sweepStore';
import { extra, removeTempWorkspaces, tempWorkspace } from '../store/helpers';

afterAll(removeTempWorkspaces);

const spec = {
  name: 'tiny',
  base: {
    network: {
      layers: [
        { units: 4, lambda: 0 },
        { units: 2, activation: 'linear' },
      ],
    },
    training: { steps: 5 },
  },
  axes: [
    { param: 'lambda1', values: [0, 1e-3] },
    { param: 'seed', values: [0, 1] },
  ],
};

describe('sweep store', () => {
  it('saves the sweep file, a point file once the point is run, and reads them back', () => {
    const ws = tempWorkspace();
    const { sweep, points } = createSweep(ws, spec);
    expect(sweep.id).toMatch(/^\d{8}-\d{6}-tiny-[0-9a-f]{4}$/);
    expect(points).toHaveLength(4);
    const file = JSON.parse(fs.readFileSync(sweepJsonPath(ws, sweep.id), 'utf8'));
    expect(Object.keys(file).slice(0, 2)).toEqual(['id', 'createdAt']);
    expect(file.axes).toEqual(spec.axes);
    // Point files are written as points are run.
    expect(fs.readdirSync(path.join(ws, 'sweeps', sweep.id, 'points'))).toEqual([]);
    expect(ensurePointFile(ws, sweep.id, points[3]!)).toBe(pointPath(ws, sweep.id, 3));
    const p3 = JSON.parse(fs.readFileSync(pointPath(ws, sweep.id, 3), 'utf8'));
    expect(p3.sweep).toEqual({ id: sweep.id, point: 3 });
    expect(p3.seed).toBe(1);
    expect(p3.network.layers[0].lambda).toBe(1e-3);
    const back = readSweep(ws, sweep.id);
    expect(back.points.map((p) => p.key)).toEqual(points.map((p) => p.key));
    expect(listSweeps(ws).sweeps.map((s) => s.id)).toEqual([sweep.id]);
  });

  it('a bad point leaves no folder behind', () => {
    const ws = tempWorkspace();
    expect(() => createSweep(ws, { ...spec, axes: [{ param: 'lambda', values: [1, -1] }] })).toThrow(
      /^sweep point 1 \(lambda=-1\): network\.layers\.0\.lambda/,
    );
    expect(fs.existsSync(sweepsDir(ws))).toBe(false);
  });

  it('reads each point state from its runs: completed wins, then a live run, then the executor, then the newest run', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { sweep, points } = createSweep(ws, spec);
    const run = (point: number, status: 'completed' | 'failed' | 'running') => {
      const r = store.createRun(points[point]!.config, { ...extra, sweep: { id: sweep.id, point } });
      if (status !== 'running') store.finishRun(r.id, status, status === 'failed' ? 'boom' : undefined);
      return r.id;
    };
    run(0, 'failed');
    const done0 = run(0, 'completed');
    const failed1 = run(1, 'failed');
    const live2 = run(2, 'running'); // owned by this (live) process
    // A run of another sweep is not counted.
    store.createRun(points[3]!.config, { ...extra, sweep: { id: '20200101-000000-other-abcd', point: 3 } });
    const s = sweepStatus(store, sweep, points, new Map([[1, { state: 'queued', detail: 'slurm task 7_1 PENDING' }]]));
    expect(s.points.map((p) => [p.state, p.runId])).toEqual([
      ['done', done0],
      ['queued', failed1],
      ['running', live2],
      ['pending', null],
    ]);
    expect(s.points[0]!.runIds).toHaveLength(2);
    expect(s.points[1]!.detail).toBe('slurm task 7_1 PENDING');
    expect(s.counts).toMatchObject({ done: 1, queued: 1, running: 1, pending: 1 });
    expect(s.complete).toBe(false);
    const plain = sweepStatus(store, sweep, points);
    expect(plain.points[1]).toMatchObject({ state: 'failed', error: 'boom' });
    expect(plain.points.filter(needsRun).map((p) => p.index)).toEqual([1, 3]);
  });

  it('an app sweep cancelled before some points started: those read as cancelled (to every reader) until the sweep runs again', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { sweep, points } = createSweep(ws, spec);
    writeAppMarker(ws, sweep.id, { startedAt: '2026-01-01T00:00:00.000Z' });
    const done = store.createRun(points[0]!.config, { totalSteps: 5, backend: null, versions: {}, sweep: { id: sweep.id, point: 0 } });
    store.finishRun(done.id, 'completed');
    expect(sweepStatus(store, sweep, points).points.map((p) => p.state)).toEqual(['done', 'pending', 'pending', 'pending']);
    writeAppMarker(ws, sweep.id, { startedAt: '2026-01-01T00:00:00.000Z', cancelledAt: '2026-01-01T00:01:00.000Z' });
    const st = sweepStatus(store, sweep, points);
    expect(st.points.map((p) => p.state)).toEqual(['done', 'cancelled', 'cancelled', 'cancelled']);
    expect(st.points[1]!.detail).toBe('cancelled before it started (sweep cancelled at 2026-01-01T00:01:00.000Z)');
    expect(st.points.filter(needsRun).map((p) => p.index)).toEqual([1, 2, 3]);
    clearAppCancel(ws, sweep.id);
    expect(sweepStatus(store, sweep, points).points.map((p) => p.state)).toEqual(['done', 'pending', 'pending', 'pending']);
  });

  it('names a missing sweep and the command that lists sweeps', () => {
    const ws = tempWorkspace();
    expect(() => readSweep(ws, '20200101-000000-nope-abcd')).toThrow(
      `sweep "20200101-000000-nope-abcd" not found in ${ws}: list sweeps with racecar sweep list`,
    );
    expect(() => readSweep(ws, '../x')).toThrow(/invalid sweep id/);
    expect(path.isAbsolute(ws)).toBe(true);
  });
});
