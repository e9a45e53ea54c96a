// Workspace images as the transports serve them, against links planted in the
// workspace: the checks are made on the file that was opened, not on its path.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveWorkspaceFile, servedStream } from '../../../electron/server/servedFiles';
import { tempDir } from '../../helpers/tmp';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const RUN = '20260101-000000-a-0000';
let root: string;
let workspace: string;
let run: string;
let outside: string;

/** The body served for a workspace path, or the refusal's status. */
async function fetchFile(rel: string): Promise<{ status: number; body: string }> {
  const served = await resolveWorkspaceFile(workspace, rel);
  if (!served.ok) return { status: served.status, body: '' };
  return { status: 200, body: await text(servedStream(served)) };
}

beforeAll(() => {
  root = tempDir('racecar-served-');
  workspace = path.join(root, 'ws');
  run = path.join(workspace, 'runs', RUN);
  fs.mkdirSync(path.join(run, 'backward', '0000100'), { recursive: true });
  fs.mkdirSync(path.join(run, 'checkpoints'), { recursive: true });
  fs.writeFileSync(path.join(run, 'backward', '0000100', '0.png'), Buffer.concat([SIGNATURE, Buffer.from('inside')]));
  fs.writeFileSync(path.join(run, 'run.json'), '{"secret":"RUNJSON"}');
  fs.writeFileSync(path.join(run, 'checkpoints', '0000100.json'), '{"weights":"CKPT"}');
  // Outside the workspace, and a PNG by content: only the link checks can stop it.
  outside = path.join(root, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.png'), Buffer.concat([SIGNATURE, Buffer.from('SECRET')]));
  fs.mkdirSync(path.join(outside, '0000100'));
  fs.writeFileSync(path.join(outside, '0000100', '0.png'), Buffer.concat([SIGNATURE, Buffer.from('SECRET')]));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('resolveWorkspaceFile', () => {
  it('serves a run image from its opened file', async () => {
    const r = await fetchFile(`runs/${RUN}/backward/0000100/0.png`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('inside');
  });

  it('refuses a .png symlink to run.json or to a checkpoint, and to a file outside', async () => {
    fs.symlinkSync(path.join(run, 'run.json'), path.join(run, 'cfg.png'));
    fs.symlinkSync(path.join(run, 'checkpoints', '0000100.json'), path.join(run, 'ckpt.png'));
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(run, 'out.png'));
    for (const name of ['cfg.png', 'ckpt.png', 'out.png']) {
      const r = await fetchFile(`runs/${RUN}/${name}`);
      expect(r.status, name).toBe(403);
    }
  });

  it('refuses a hard link to a file outside the workspace', async () => {
    fs.linkSync(path.join(outside, 'secret.png'), path.join(run, 'hard.png'));
    expect((await fetchFile(`runs/${RUN}/hard.png`)).status).toBe(403);
  });

  it('refuses a folder on the way that is a link, even one leading back inside', async () => {
    fs.symlinkSync(path.join(outside, '0000100'), path.join(run, 'backward', 'linked'));
    fs.symlinkSync(path.join(run, 'backward', '0000100'), path.join(run, 'backward', 'again'));
    expect((await fetchFile(`runs/${RUN}/backward/linked/0.png`)).status).toBe(403);
    expect((await fetchFile(`runs/${RUN}/backward/again/0.png`)).status).toBe(403);
  });

  it('refuses a .png that is not a PNG, and a FIFO under an image name without blocking', async () => {
    fs.writeFileSync(path.join(run, 'fake.png'), '{"secret":"not an image"}');
    expect((await fetchFile(`runs/${RUN}/fake.png`)).status).toBe(403);
    const fifo = path.join(run, 'pipe.png');
    if (spawnSync('mkfifo', [fifo]).status === 0) expect((await fetchFile(`runs/${RUN}/pipe.png`)).status).toBe(404);
  });

  it('never serves the outside file while another process swaps the image for a link to it', async () => {
    const target = path.join(run, 'backward', '0000100', 'race.png');
    const png = Buffer.concat([SIGNATURE, Buffer.from('inside')]);
    fs.writeFileSync(target, png);
    // The swapper renames a fresh PNG, then a fresh symlink, over the image as fast as it can.
    const script = `
      const fs = require('fs');
      const [target, secret] = process.argv.slice(1);
      const png = Buffer.concat([Buffer.from([0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a]), Buffer.from('inside')]);
      for (let i = 0; ; i++) {
        const tmp = target + '.swap' + (i % 2);
        try { fs.rmSync(tmp, { force: true }); } catch {}
        if (i % 2) fs.symlinkSync(secret, tmp); else fs.writeFileSync(tmp, png);
        fs.renameSync(tmp, target);
      }`;
    const swapper = spawn(process.execPath, ['-e', script, target, path.join(outside, 'secret.png')], { stdio: 'ignore' });
    try {
      let served = 0;
      let refused = 0;
      const leaked: string[] = [];
      // Until both outcomes were seen often: the race really ran, whatever the machine's speed.
      for (let i = 0; i < 20000 && (served < 1000 || refused < 1000); i++) {
        const r = await fetchFile(`runs/${RUN}/backward/0000100/race.png`);
        if (r.status === 200) served++;
        else refused++;
        if (r.body.includes('SECRET')) leaked.push(r.body);
      }
      expect(served).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      expect(leaked).toEqual([]);
    } finally {
      swapper.kill();
    }
  }, 60_000);
});
