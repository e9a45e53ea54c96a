// Run folders as a hostile or crashed workspace leaves them: a run folder that
// is a link, temporaries left by a killed writer.
import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RunStore } from '../../../electron/engine/store/runStore';
import { config, extra, removeTempWorkspaces, tempWorkspace } from './helpers';

afterAll(removeTempWorkspaces);
afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

describe('a run folder that is a symbolic link', () => {
  it('is listed as a problem, refused when asked for, and its delete removes only the link', () => {
    const ws = tempWorkspace();
    const elsewhere = tempWorkspace();
    const store = new RunStore(ws);
    const real = store.createRun(config({ name: 'real' }), extra);
    // A whole run moved outside the workspace and linked back in.
    const linkedId = '20260101-000000-linked-0001';
    const target = path.join(elsewhere, linkedId);
    fs.cpSync(path.join(ws, 'runs', real.id), target, { recursive: true });
    fs.writeFileSync(path.join(target, 'run.json'), fs.readFileSync(path.join(target, 'run.json'), 'utf8').replaceAll(real.id, linkedId));
    fs.symlinkSync(target, path.join(ws, 'runs', linkedId));

    const res = store.list();
    expect(res.runs.map((r) => r.id)).toEqual([real.id]);
    expect(res.problems).toEqual([{ id: linkedId, error: expect.stringMatching(/"20260101-000000-linked-0001" is a symbolic link, not a run folder/) }]);
    expect(() => store.get(linkedId)).toThrow(/symbolic link/);
    expect(() => store.appendLog(linkedId, 'written through the link')).toThrow(/symbolic link/);

    store.delete(linkedId);
    expect(fs.existsSync(path.join(ws, 'runs', linkedId))).toBe(false);
    expect(fs.existsSync(path.join(target, 'run.json'))).toBe(true);
    expect(store.list().problems).toEqual([]);
  });
});

describe('listing many runs', () => {
  it('reads again only the run.json files that changed since the last listing', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const ids = Array.from({ length: 30 }, (_, i) => store.createRun(config({ name: `r${i}` }), extra).id);
    expect(store.list().runs).toHaveLength(30);
    store.rename(ids[7]!, 'renamed');
    // The mutable CommonJS fs object, pushed into the ESM namespace the store imports.
    const fsMut = process.getBuiltinModule('node:fs') as typeof fs;
    const reads = vi.spyOn(fsMut, 'readFileSync');
    syncBuiltinESMExports();
    const { runs } = store.list();
    const runJsonReads = reads.mock.calls.filter(([f]) => String(f).endsWith('run.json'));
    expect(runJsonReads.map(([f]) => path.basename(path.dirname(String(f))))).toEqual([ids[7]]);
    expect(runs.find((r) => r.id === ids[7])!.name).toBe('renamed');
    // A deleted run leaves the listing.
    store.delete(ids[3]!, { force: true });
    expect(store.list().runs.map((r) => r.id)).not.toContain(ids[3]);
  });
});
