// Heavy requests do not hold the engine's other requests up: checking a run
// config over a large image folder runs on a worker thread, so a request sent
// after it is answered first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../electron/engine/config/schema';
import { RunStore } from '../../../electron/engine/store/runStore';
import { encodeGreyPng } from '../../../electron/engine/util/png';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { tempDir } from '../../helpers/tmp';
import { call } from '../../helpers/contract';

let service: EngineService;
let folder: string;
let workspace: string;

beforeAll(() => {
  folder = tempDir('racecar-stall-data-');
  const png = encodeGreyPng(
    Array.from({ length: 28 * 28 }, (_, i) => i % 256),
    28,
    28,
    0,
    255,
  );
  for (const cls of ['a', 'b']) {
    fs.mkdirSync(path.join(folder, cls));
    for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(folder, cls, `${i}.png`), png);
  }
  workspace = tempDir();
  service = createEngineService({ workspace, mode: 'browser' });
});

afterAll(async () => {
  await service?.close();
});

describe('a large runs.validate', () => {
  it('does not hold up a request sent after it, and still gives its answer', async () => {
    const order: string[] = [];
    const config = { name: 'big', data: { source: { kind: 'folder', path: folder } }, network: { layers: [{ units: 8 }, { units: 2, activation: 'linear' }] } };
    const validated = call(service, 'runs.validate', { config }).then((r) => (order.push('runs.validate'), r));
    const info = call(service, 'app.info', {}).then(() => order.push('app.info'));
    const [result] = await Promise.all([validated, info]);
    expect(order).toEqual(['app.info', 'runs.validate']);
    expect(result).toMatchObject({ ok: true, totalSteps: expect.any(Number) });
    // A bad config gets its one line back from the thread.
    const bad = await call(service, 'runs.validate', { config: { ...config, data: { source: { kind: 'folder', path: path.join(folder, 'nope') } } } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining('nope') });
  });
});

describe('runs.list in pages', () => {
  it('gives a page of the runs, newest first, with the total', async () => {
    const store = new RunStore(workspace);
    const cfg = parseRunConfig({ name: 'r', network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] } });
    for (let i = 0; i < 7; i++) store.finishRun(store.createRun({ ...cfg, name: `r${i}` }, { totalSteps: 1, backend: null, versions: {} }).id, 'completed');
    const all = await call(service, 'runs.list', {});
    expect(all.total).toBe(7);
    const page = await call(service, 'runs.list', { offset: 2, limit: 3 });
    expect(page.total).toBe(7);
    expect(page.runs.map((s) => s.run.id)).toEqual(all.runs.slice(2, 5).map((s) => s.run.id));
    expect((await call(service, 'runs.list', { offset: 7, limit: 3 })).runs).toEqual([]);
  });
});
