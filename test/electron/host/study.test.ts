// The transfer study started through the engine service (study.transfer):
// real training processes from the run queue, each source's fine-tuning runs
// queued once it has completed, and the table and figure written when the
// last run has ended.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../electron/contract/contract';
import { RunStore } from '../../../electron/engine/store/runStore';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { pngInfo } from '../../export/helpers';
import { call } from '../../helpers/contract';
import { tempDir } from '../../helpers/tmp';

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('study.transfer', () => {
  it('trains the sources, then each one’s fine-tuning runs, and writes the table and figure', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser', maxParallel: 2 });
    const ended = new Promise<Extract<EngineEvent, { type: 'study' }>>((resolve) => service!.onEvent((e) => e.type === 'study' && resolve(e)));
    const r = await call(service, 'study.transfer', { seeds: [0], sourceSteps: 12, targetSteps: 6, hidden: [8] });
    expect(r.runs).toBe(12);
    expect(r.folder).toBe(path.join(service.workspace, 'studies', r.id));
    const e = await ended;
    expect(e).toMatchObject({ id: r.id, ok: true, folder: r.folder });
    const store = new RunStore(service.workspace);
    const runs = store.list().runs;
    expect(runs).toHaveLength(12);
    expect(runs.every((x) => x.status === 'completed')).toBe(true);
    const result = JSON.parse(fs.readFileSync(path.join(r.folder, 'result.json'), 'utf8')) as {
      cells: { mode: string; frozen: boolean; runs: string[]; sources: string[]; accuracy: { n: number; mean: number } }[];
    };
    expect(result.cells.map((c) => `${c.mode}${c.frozen ? '*' : ''}:${c.accuracy.n}`)).toEqual([
      'Std:1',
      'Std*:1',
      'Ort:1',
      'Ort*:1',
      'RR:1',
      'RR*:1',
      'Pre:1',
      'Pre*:1',
    ]);
    // Each fine-tuning run starts from its own source's last checkpoint; the accuracy is its last evaluation's.
    const rr = result.cells.find((c) => c.mode === 'RR' && c.frozen)!;
    expect(store.get(rr.runs[0]!).config.init).toEqual({ fromRun: rr.sources[0], step: 12, layers: [1], freeze: [1] });
    expect(rr.accuracy.mean).toBe(store.readMetrics(rr.runs[0]!).at(-1)!.testAccuracy);
    expect(fs.readFileSync(path.join(r.folder, 'transfer.csv'), 'utf8').trim().split('\n')).toHaveLength(9);
    expect(fs.readFileSync(path.join(r.folder, 'transfer.tex'), 'utf8')).toContain('\\toprule');
    expect(pngInfo(fs.readFileSync(path.join(r.folder, 'transfer.png'))).width).toBe(1500);
  }, 300_000);

  it('refuses bad options in one line, queueing nothing', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    await expect(call(service, 'study.transfer', { seeds: [] })).rejects.toThrow('study.transfer: seeds: give at least one seed');
    await expect(call(service, 'study.transfer', { hidden: [0] })).rejects.toThrow(/study\.transfer: hidden\.0:/);
    expect((await call(service, 'runs.list', {})).runs).toEqual([]);
  });
});

describe('study.transfer cancelled', () => {
  it('says so, and writes no table of nothing, when every source is cancelled in the queue', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser', maxParallel: 1 });
    const ended = new Promise<Extract<EngineEvent, { type: 'study' }>>((resolve) => service!.onEvent((e) => e.type === 'study' && resolve(e)));
    const r = await call(service, 'study.transfer', { seeds: [0], sourceSteps: 20000, targetSteps: 6, hidden: [8] });
    for (const run of (await call(service, 'runs.list', {})).runs) await call(service, 'runs.cancel', { id: run.run.id });
    const e = await ended;
    expect(e.ok).toBe(false);
    expect(e.message).toMatch(new RegExp(`^transfer study ${r.id}: no transfer run completed \\(the \\w+ source of seed 0 cancelled`));
    expect(fs.existsSync(r.folder)).toBe(false);
  }, 120_000);
});
