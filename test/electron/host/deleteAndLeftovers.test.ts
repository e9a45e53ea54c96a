// Deleting runs that are still in use (a cancel landing, an export reading
// them), and what killed writers leave behind: temporaries in a run folder,
// staging folders beside an export's target. Real training processes, export
// threads and files (build first: the compiled worker and exportThread.js).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../electron/contract/contract';
import { RunStore } from '../../../electron/engine/store/runStore';
import type { RunRecord } from '../../../electron/engine/types';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { tempDir } from '../../helpers/tmp';
import { call } from '../../helpers/contract';
import { smallConfig, trainSmall } from '../../export/helpers';

let workspace: string;
let service: EngineService;
let done: RunRecord;

/** Pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

const when = (pred: (e: EngineEvent) => boolean) =>
  new Promise<void>((resolve) => {
    const off = service.onEvent((e) => pred(e) && (off(), resolve()));
  });

beforeAll(async () => {
  workspace = tempDir('racecar-leftovers-');
  done = await trainSmall(new RunStore(workspace), 'done');
  service = createEngineService({ workspace, mode: 'browser' });
});

afterAll(async () => {
  await service?.close();
});

describe('deleting a run in use', () => {
  it('right after its cancel: the delete waits for the cancel to land instead of refusing', async () => {
    const checkpoint = (id: string) => when((e) => e.type === 'train' && e.event.type === 'checkpoint' && e.event.runId === id);
    const { id } = await call(service, 'runs.start', { config: { ...smallConfig('long'), training: { ...smallConfig('long').training, steps: 1_000_000 } } });
    await checkpoint(id);
    // Still running, not cancelled: refused.
    await expect(call(service, 'runs.delete', { id })).rejects.toThrow(/is queued or running: cancel it before deleting it/);
    await call(service, 'runs.cancel', { id });
    await expect(call(service, 'runs.delete', { id })).resolves.toEqual({ id });
    expect(fs.existsSync(path.join(workspace, 'runs', id))).toBe(false);
  });

  it('while an export reads it: refused with the reason, and deleted once the export has ended', async () => {
    const store = new RunStore(workspace);
    const other = await trainSmall(store, 'exported');
    const parent = tempDir('racecar-leftovers-out-');
    const progress = when((e) => e.type === 'export.progress');
    const exported = call(service, 'export.bundle', { ids: [done.id, other.id], out: path.join(parent, 'b.zip'), figures: ['loss'], formats: ['png'] });
    await progress;
    await expect(call(service, 'runs.delete', { id: other.id })).rejects.toThrow(
      `run "${other.id}" is being exported: wait for the export to end (or cancel it), then delete the run`,
    );
    await expect(exported).resolves.toMatchObject({ out: path.join(parent, 'b.zip') });
    await expect(call(service, 'runs.delete', { id: other.id })).resolves.toEqual({ id: other.id });
  });
});

describe('leftovers of killed writers', () => {
  it("opening a run removes temporaries of writers that are gone, and keeps a live writer's", async () => {
    const dir = path.join(workspace, 'runs', done.id);
    const stale = [path.join(dir, `run.json.tmp-${deadPid()}-a1b2c3d4e5f6`), path.join(dir, 'checkpoints', `0000020.json.tmp-${deadPid()}-0123456789ab`)];
    const live = path.join(dir, `run.json.tmp-${process.pid}-ffffffffffff`);
    for (const f of [...stale, live]) fs.writeFileSync(f, '{"half":');
    await call(service, 'runs.get', { id: done.id });
    expect(stale.filter((f) => fs.existsSync(f))).toEqual([]);
    expect(fs.existsSync(live)).toBe(true);
    fs.rmSync(live);
  });

  it("an export removes the staging an export killed mid-way left beside its target, and keeps a live one's", async () => {
    const parent = tempDir('racecar-leftovers-stage-');
    const stale = [`.b.zip.export-${deadPid()}-0a1b2c3d`, `.b.zip.export-${deadPid()}-0a1b2c3d.zip`];
    const live = `.b.zip.export-${process.pid}-ffffffff`;
    fs.mkdirSync(path.join(parent, stale[0]!));
    fs.writeFileSync(path.join(parent, stale[0]!, 'loss.png'), 'half');
    fs.writeFileSync(path.join(parent, stale[1]!), 'half');
    fs.mkdirSync(path.join(parent, live));
    await call(service, 'export.bundle', { ids: [done.id], out: path.join(parent, 'b.zip'), figures: [] });
    expect(fs.readdirSync(parent).sort()).toEqual([live, 'b.zip'].sort());
  });
});

describe('ids', () => {
  it('an id ending in a newline is refused with the whole id, escaped, on one line', async () => {
    const bad = `${done.id}\n`;
    await expect(call(service, 'runs.get', { id: bad })).rejects.toThrow(`invalid run id ${JSON.stringify(bad)}`);
    const message = await call(service, 'export.bundle', { ids: [bad], out: path.join(tempDir(), 'x.zip') }).then(
      () => 'exported',
      (e: Error) => e.message,
    );
    expect(message.startsWith(`invalid run id ${JSON.stringify(bad)}`)).toBe(true);
    expect(message).not.toContain('\n');
  });
});
