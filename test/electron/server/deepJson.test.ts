// A deeply nested JSON message through browser mode to a real engine process:
// refused by its depth with one clear line, and the connection keeps serving.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EngineClient } from '../../../electron/host/engineClient';
import { startEngine } from '../../../electron/host/startEngine';
import { startBrowserServer, type BrowserServer } from '../../../electron/server/browserServer';
import { tempDir } from '../../helpers/tmp';

let engine: EngineClient;
let server: BrowserServer;

beforeAll(async () => {
  const root = tempDir('racecar-deep-');
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  engine = await startEngine({ workspace: path.join(root, 'ws'), mode: 'browser' });
  server = await startBrowserServer({ handler: engine, staticDir: root, workspace: () => engine.workspace });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

describe('deeply nested messages', () => {
  it('a config nested 100,000 levels deep is refused by its depth, and the next request is answered', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const replies: { id: number; ok: boolean; error?: { message: string } }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    ws.send(`{"kind":"request","id":1,"channel":"runs.validate","payload":{"config":${deep}}}`);
    ws.send(JSON.stringify({ kind: 'request', id: 2, channel: 'app.info', payload: {} }));
    await expect.poll(() => replies.length, { timeout: 30_000 }).toBe(2);
    expect(replies.find((r) => r.id === 1)).toMatchObject({
      ok: false,
      error: { message: 'runs.validate: payload: nested more than 64 levels deep: send a flatter payload' },
    });
    expect(replies.find((r) => r.id === 2)).toMatchObject({ ok: true });
    ws.close();
  });
});
