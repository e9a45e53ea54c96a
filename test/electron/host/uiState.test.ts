// The app's own state (forms, selections) kept per workspace by the engine:
// a reload or restart reads back what was saved, another workspace has its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UI_STATE_FILE } from '../../../electron/engine/store/uiState';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { tempDir } from '../../helpers/tmp';

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('ui state', () => {
  it('is saved in the workspace, read back by a new engine, and kept apart per workspace', async () => {
    const a = tempDir();
    const b = path.join(tempDir(), 'other');
    service = createEngineService({ workspace: a, mode: 'browser' });
    expect(await service.handle('ui.load', {})).toEqual({ state: null });
    const state = { v: 1, backwardRunIds: ['x'], form: { name: 'mine' } };
    await service.handle('ui.save', { state });
    expect(JSON.parse(fs.readFileSync(path.join(a, UI_STATE_FILE), 'utf8'))).toEqual(state);
    await service.close();
    // An app restart: a new engine on the same workspace.
    service = createEngineService({ workspace: a, mode: 'browser' });
    expect(await service.handle('ui.load', {})).toEqual({ state });
    await service.handle('workspace.set', { path: b });
    expect(await service.handle('ui.load', {})).toEqual({ state: null });
  });

  it('refuses a state too large to be a form, and reads a broken file as none', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser' });
    await expect(service.handle('ui.save', { state: { big: 'x'.repeat(300_000) } })).rejects.toThrow(/ui state is \d+ bytes: at most 262144/);
    fs.writeFileSync(path.join(ws, UI_STATE_FILE), '{broken');
    expect(await service.handle('ui.load', {})).toEqual({ state: null });
  });
});
