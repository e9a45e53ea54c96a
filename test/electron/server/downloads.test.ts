// Bundle downloads in browser mode against a local process that swaps the
// exported bundle for a link to a file outside the workspace: the server sends
// the file the export wrote, or refuses, never the other file.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EngineEvent, EngineHandler } from '../../../electron/contract/contract';
import { startBrowserServer, type BrowserServer } from '../../../electron/server/browserServer';
import { connectWebSocketApi, type WebSocketConstructor } from '../../../electron/server/wsClient';
import { tempDir } from '../../helpers/tmp';

/** A stand-in engine whose export reports the bundle the test wrote: the server is under test. */
const handler: EngineHandler = {
  handle: (async (channel: string, payload: unknown) => {
    if (channel === 'export.bundle') return { out: (payload as { out: string }).out, files: ['README.md'], notes: [] };
    return {};
  }) as EngineHandler['handle'],
  onEvent: (_listener: (e: EngineEvent) => void) => () => {},
};

const ZIP = Buffer.from('PK\x03\x04bundle-bytes', 'latin1');
// A zip by content too: only the checks of the opened file's identity can stop it.
const SECRET = Buffer.from('PK\x03\x04SECRET', 'latin1');

let root: string;
let server: BrowserServer;
let secret: string;

function get(port: number, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Exports a bundle at `out` through the page's WebSocket; returns its download URL with the token. */
async function exportBundle(out: string): Promise<string> {
  fs.writeFileSync(out, ZIP);
  const api = await connectWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, WebSocket as unknown as WebSocketConstructor);
  try {
    const r = await api.call('export.bundle', { ids: ['20260101-000000-a-0000'], out });
    return `${r.download!}?token=${server.token}`;
  } finally {
    api.close();
  }
}

beforeAll(async () => {
  root = tempDir('racecar-downloads-');
  const staticDir = path.join(root, 'renderer');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
  fs.mkdirSync(path.join(root, 'ws', 'exports'), { recursive: true });
  fs.mkdirSync(path.join(root, 'outside'));
  secret = path.join(root, 'outside', 'secret.zip');
  fs.writeFileSync(secret, SECRET);
  server = await startBrowserServer({ handler, staticDir, port: 0, workspace: () => path.join(root, 'ws') });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('bundle downloads', () => {
  it('refuses a symlink, a hard link or another file put in the bundle’s place', async () => {
    const out = path.join(root, 'ws', 'exports', 'a.zip');
    const url = await exportBundle(out);
    expect(await get(server.port, url)).toEqual({ status: 200, body: ZIP.toString('latin1') });
    const keep = `${out}.keep`;
    fs.renameSync(out, keep);
    for (const plant of [() => fs.symlinkSync(secret, out), () => fs.linkSync(secret, out), () => fs.writeFileSync(out, SECRET)]) {
      plant();
      const r = await get(server.port, url);
      expect(r.status).toBe(403);
      expect(r.body).toBe(`the bundle at ${out} has changed since it was exported: export it again`);
      fs.rmSync(out);
    }
    // The exported file back in place is served again; gone, it is a 404.
    fs.renameSync(keep, out);
    expect((await get(server.port, url)).status).toBe(200);
    fs.rmSync(out);
    expect((await get(server.port, url)).status).toBe(404);
  });

  it('never sends the outside file while another process swaps the bundle for a symlink and a hard link to it', async () => {
    const out = path.join(root, 'ws', 'exports', 'race.zip');
    const url = await exportBundle(out);
    // The swapper moves the exported bundle away, renames a fresh symlink (then a fresh hard link) to the secret over its
    // path, and puts the bundle back, as fast as it can.
    const script = `
      const fs = require('fs');
      const [out, secret] = process.argv.slice(1);
      for (let i = 0; ; i++) {
        const tmp = out + '.swap';
        try { fs.rmSync(tmp, { force: true }); } catch {}
        if (i % 2) fs.symlinkSync(secret, tmp); else fs.linkSync(secret, tmp);
        fs.renameSync(out, out + '.keep');
        fs.renameSync(tmp, out);
        fs.renameSync(out + '.keep', out);
      }`;
    const swapper = spawn(process.execPath, ['-e', script, out, secret], { stdio: 'ignore' });
    try {
      let served = 0;
      let refused = 0;
      const leaked: string[] = [];
      // Until both outcomes were seen often: the race really ran, whatever the machine's speed.
      for (let i = 0; i < 20000 && (served < 300 || refused < 300); i++) {
        const r = await get(server.port, url);
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
  }, 120_000);
});
