// The desktop app's choice of workspace (real files in a temporary user-data folder).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkspaceChoice, type EngineService } from '../../../electron/main/workspaceChoice';
import { tempDir } from '../../helpers/tmp';

const fakeService = (workspace: string): EngineService => ({
  workspace,
  handle: () => Promise.reject(new Error('not used')),
  onEvent: () => () => {},
  close: () => Promise.resolve(),
});

const saved = process.env.RACECAR_WORKSPACE;
afterEach(() => {
  if (saved === undefined) delete process.env.RACECAR_WORKSPACE;
  else process.env.RACECAR_WORKSPACE = saved;
});

describe('WorkspaceChoice', () => {
  it('opens the saved workspace, else the default; one that cannot be opened is reported and the default used', async () => {
    delete process.env.RACECAR_WORKSPACE;
    const userData = tempDir();
    const choice = new WorkspaceChoice(() => userData);
    const opened: string[] = [];
    const open = async ({ workspace }: { workspace: string }) => (opened.push(workspace), fakeService(workspace));
    expect((await choice.open(open, () => {})).workspace).toBe(path.join(userData, 'workspace'));
    const mine = tempDir();
    choice.remember(mine);
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8'))).toEqual({ workspace: mine });
    const again = new WorkspaceChoice(() => userData);
    expect((await again.open(open, () => {})).workspace).toBe(mine);
    expect(again.current).toBe(mine);
    const reported: string[] = [];
    const failing = async ({ workspace }: { workspace: string }) => {
      if (workspace === mine) throw new Error('gone');
      return fakeService(workspace);
    };
    expect((await again.open(failing, (s, e) => reported.push(`${s}: ${(e as Error).message}`))).workspace).toBe(path.join(userData, 'workspace'));
    expect(reported).toEqual([`${mine}: gone`]);
    expect(opened).toEqual([path.join(userData, 'workspace'), mine]);
  });

  it('takes $RACECAR_WORKSPACE first, as the CLI does', async () => {
    process.env.RACECAR_WORKSPACE = 'relative/ws';
    const choice = new WorkspaceChoice(() => tempDir());
    expect(
      (
        await choice.open(
          async ({ workspace }) => fakeService(workspace),
          () => {},
        )
      ).workspace,
    ).toBe(path.resolve('relative/ws'));
  });
});
