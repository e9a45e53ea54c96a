// Run folders as a hostile or crashed workspace leaves them: a run folder that
// is a link, temporaries left by a killed writer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../electron/engine/store/runStore';
import { config, extra, removeTempWorkspaces, tempWorkspace } from './helpers';

afterAll(removeTempWorkspaces);

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
