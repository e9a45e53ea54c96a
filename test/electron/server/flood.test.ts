// Browser mode against a local process that floods it with idle sockets, and
// against handshakes a proxy could read differently (two Host headers).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EngineHandler } from '../../../electron/contract/contract';
import { MAX_CONNECTIONS, startBrowserServer, type BrowserServer } from '../../../electron/server/browserServer';
import { tempDir } from '../../helpers/tmp';

const handler = { handle: async () => ({ ok: 1 }), onEvent: () => () => {} } as unknown as EngineHandler;
let root: string;
let server: BrowserServer;

beforeAll(async () => {
  root = tempDir('racecar-flood-');
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  server = await startBrowserServer({ handler, staticDir: root, workspace: () => root });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Keeps `count` idle sockets open, opening a new one whenever one is closed, until stopped. */
function flood(port: number, count: number): { opened: () => number; stop: () => void } {
  let stopped = false;
  let opened = 0;
  const live = new Set<net.Socket>();
  const open = () => {
    if (stopped) return;
    const sock = net.connect(port, '127.0.0.1');
    opened++;
    live.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => {
      live.delete(sock);
      setImmediate(open);
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    opened: () => opened,
    stop: () => {
      stopped = true;
      for (const s of live) s.destroy();
    },
  };
}

/** One authorised connection and one request over it; the error when it failed. */
function authorisedCall(port: number, token: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
    ws.once('open', () => ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'app.info', payload: {} })));
    ws.once('message', (data) => {
      ws.close();
      resolve((JSON.parse(data.toString()) as { ok: boolean }).ok ? 'ok' : data.toString());
    });
    ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.once('error', (e) => resolve(e.message));
  });
}

/** The status line the server answers a raw request with. */
function rawStatus(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let text = '';
    sock.on('data', (d) => {
      text += d.toString();
      if (!text.includes('\r\n')) return;
      resolve(text.split('\r\n')[0]);
      sock.destroy();
    });
    sock.on('error', reject);
  });
}

describe('startBrowserServer under a connection flood', () => {
  it('keeps serving authorised clients while a local process holds more idle sockets than the cap', async () => {
    const f = flood(server.port, MAX_CONNECTIONS + 44);
    try {
      // The flood is at the cap and being reopened as its oldest sockets are closed.
      while (f.opened() < MAX_CONNECTIONS + 200) await new Promise((r) => setTimeout(r, 10));
      const results: string[] = [];
      for (let i = 0; i < 10; i++) results.push(await authorisedCall(server.port, server.token));
      expect(results).toEqual(Array(10).fill('ok'));
    } finally {
      f.stop();
    }
  }, 60_000);
});

describe('startBrowserServer: Host headers', () => {
  it('refuses a handshake or a request with a second Host header', async () => {
    const host = `127.0.0.1:${server.port}`;
    const upgrade = (hosts: string[]) =>
      `GET /ws?token=${server.token} HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    expect(await rawStatus(server.port, upgrade([host]))).toBe('HTTP/1.1 101 Switching Protocols');
    expect(await rawStatus(server.port, upgrade([host, 'evil.example']))).toBe('HTTP/1.1 400 Bad Request');
    const get = `GET / HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`;
    expect(await rawStatus(server.port, get)).toBe('HTTP/1.1 400 Bad Request');
  });
});
