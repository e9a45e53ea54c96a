// Several local drivers resuming one sweep at the same moment: each point is
// claimed before it is trained, so every point is trained once.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../electron/engine/store/runStore';
import { createSweep } from '../../electron/engine/sweep/sweepStore';
import { runSweepLocal } from '../../electron/executors/local';
import { claimPoint, updateClaim } from '../../electron/executors/pointClaims';
import { BIN } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const base = {
  data: { source: { kind: 'peak', trainPerClass: 5, testPerClass: 2 } },
  network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] },
  training: { steps: 5, evalEvery: 5, checkpointEvery: 0, backwardSamples: 1 },
};

describe('concurrent local drivers of one sweep', () => {
  it('three drivers started together train each of two points once', async () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'claims', base, axes: [{ param: 'lambda', values: [0, 1e-6] }] }).sweep.id;
    // Three drivers in one process start before any of them has created a run: the lock file cannot tell them apart.
    const drivers = await Promise.all([0, 1, 2].map(() => runSweepLocal({ workspace: ws, sweepId: id, jobs: 2, pollMs: 50 })));
    for (const s of drivers) expect(s.complete).toBe(true);
    const runs = new RunStore(ws).list().runs.filter((r) => r.sweep?.id === id);
    expect(runs.map((r) => r.sweep!.point).sort()).toEqual([0, 1]);
  }, 120_000);

  it('three racecar sweep resume processes started together train each point once', async () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'claims', base, axes: [{ param: 'lambda', values: [0, 1e-6] }] }).sweep.id;
    const codes = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<number | null>((resolve) => {
            const c = spawn(process.execPath, [BIN, 'sweep', 'resume', id, '--jobs', '2', '--workspace', ws], { stdio: 'ignore' });
            c.on('close', resolve);
          }),
      ),
    );
    // A driver refused because another one is running exits 1; none trains a point twice.
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1);
    const runs = new RunStore(ws).list().runs.filter((r) => r.sweep?.id === id);
    expect(runs.map((r) => r.sweep!.point).sort()).toEqual([0, 1]);
  }, 120_000);

  it('a claim is exclusive while its driver lives, and the next attempt is free once it is spent', () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'claims', base, axes: [{ param: 'lambda', values: [0, 1e-6] }] }).sweep.id;
    const first = claimPoint(ws, id, 0)!;
    expect(first.file).toBe(path.join(ws, 'sweeps', id, 'claims', '0-0.json'));
    expect(claimPoint(ws, id, 0)).toBeNull();
    expect(claimPoint(ws, id, 1)).not.toBeNull();
    updateClaim(first, { ended: true });
    expect(claimPoint(ws, id, 0)!.file).toBe(path.join(ws, 'sweeps', id, 'claims', '0-1.json'));
    // A claim of a driver that died (pid gone, no training process) is spent too.
    fs.writeFileSync(path.join(ws, 'sweeps', id, 'claims', '1-1.json'), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), at: '' }));
    expect(claimPoint(ws, id, 1)!.file).toBe(path.join(ws, 'sweeps', id, 'claims', '1-2.json'));
  });
});
