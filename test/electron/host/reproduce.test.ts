// One action in the app reproduces the paper: the six reference runs queued
// at once and trained as many at a time as fit the cores (here: 2), like
// sweep points, while a run started on its own still waits for the others.
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../electron/contract/contract';
import { REFERENCE_RUNS } from '../../../electron/engine/presets';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { tempDir } from '../../helpers/tmp';

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('reproduce.start', () => {
  it('queues the six reference runs and trains two at once with two cores', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser', maxParallel: 2 });
    const started: string[] = [];
    service.onEvent((e: EngineEvent) => void (e.type === 'train' && e.event.type === 'started' && started.push(e.event.runId)));
    const { ids } = await service.handle('reproduce.start', {});
    expect(ids).toHaveLength(6);
    const list = await service.handle('runs.list', {});
    const names = ids.map((id) => list.runs.find((r) => r.run.id === id)!.run.name);
    expect(names).toEqual(REFERENCE_RUNS.map((r) => r.config.name));
    // Two train, four wait: the queue holds the rest in order.
    expect(list.queue).toEqual(ids.slice(2));
    await expect.poll(() => started.length, { timeout: 60_000 }).toBe(2);
    expect(started.sort()).toEqual(ids.slice(0, 2).sort());
    for (const id of [...ids].reverse()) await service.handle('runs.cancel', { id }).catch(() => {});
  }, 120_000);

  it('checks the six configs on a worker thread: a request sent after it is answered first', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser', maxParallel: 1 });
    const order: string[] = [];
    const started = service.handle('reproduce.start', {}).then((r) => (order.push('reproduce.start'), r));
    const info = service.handle('app.info', {}).then(() => order.push('app.info'));
    const [{ ids }] = await Promise.all([started, info]);
    expect(order).toEqual(['app.info', 'reproduce.start']);
    expect(ids).toHaveLength(6);
    for (const id of [...ids].reverse()) await service.handle('runs.cancel', { id }).catch(() => {});
  }, 120_000);
});
