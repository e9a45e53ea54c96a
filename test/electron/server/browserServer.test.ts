import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { EngineEvent, EngineHandler } from '../../../electron/contract/contract';
import { MAX_CONNECTIONS, startBrowserServer, type BrowserServer } from '../../../electron/server/browserServer';
import { connectWebSocketApi, type WebSocketConstructor } from '../../../electron/server/wsClient';

/** A stand-in engine: the adapter is under test, not the engine. */
class TestHandler implements EngineHandler {
  readonly calls: { channel: string; payload: unknown }[] = [];
  private listeners = new Set<(e: EngineEvent) => void>();
  hang: Promise<never> | null = null;

  handle = (async (channel: string, payload: unknown) => {
    this.calls.push({ channel, payload });
    if (this.hang) return this.hang;
    if (channel === 'runs.get' && (payload as { id: string }).id === 'boom') {
      throw new Error('run boom is broken\n    at secretFunction (/home/user/x.js:1:1)');
    }
    if (channel === 'runs.get' && (payload as { id: string }).id === 'weird') throw { notAnError: true };
    if (channel === 'runs.get' && (payload as { id: string }).id === 'bigint') return { value: 1n };
    if (channel === 'runs.rename') return { echoed: payload };
    // An export: its bundle as the engine reports it (the folder is made by the test).
    if (channel === 'export.bundle') return { out: (payload as { out: string }).out, files: ['README.md', 'figures/a.png'], notes: [] };
    return { channel, payload };
  }) as EngineHandler['handle'];

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(e: EngineEvent): void {
    for (const l of this.listeners) l(e);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

type Msg = { kind: string; id?: number | null; ok?: boolean; result?: unknown; error?: { message: string }; event?: unknown };

/** A ws client whose incoming messages can be awaited one by one. */
class Client {
  private queue: Msg[] = [];
  private waiters: ((m: Msg) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }
  next(): Promise<Msg> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async request(raw: string | Buffer, binary = false): Promise<Msg> {
    this.ws.send(raw, { binary });
    return this.next();
  }
  call(id: number, channel: string, payload: unknown): Promise<Msg> {
    return this.request(JSON.stringify({ kind: 'request', id, channel, payload }));
  }
}

const wsUrl = (s: BrowserServer, token: string | null = s.token, pathname = '/ws') =>
  `ws://127.0.0.1:${s.port}${pathname}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const client = new Client(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** The HTTP status of a refused upgrade. */
function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', () => {});
  });
}

function get(
  port: number,
  rawPath: string,
  opts: { method?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers, ...(opts.host ? { Host: opts.host } : {}) };
    // http.request sends the path verbatim (no "../" normalisation), as a hostile client would.
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
let tmp: string;
let staticDir: string;
let workspace: string;
let handler: TestHandler;
let server: BrowserServer;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-server-'));
  staticDir = path.join(tmp, 'renderer');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>racecar</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.css'), 'body{}');
  fs.writeFileSync(path.join(staticDir, 'assets', 'blob.bin'), 'x');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP SECRET');
  fs.writeFileSync(path.join(tmp, 'package.json'), '{"secret":true}');
  try {
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(staticDir, 'link.txt'));
  } catch {
    // Symlinks may be unavailable (Windows without privilege); that case is skipped below.
  }
  // A workspace with one run image and files that must never be served.
  workspace = path.join(tmp, 'ws');
  const img = path.join(workspace, 'runs', '20260101-000000-a-0000', 'backward', '0000100');
  fs.mkdirSync(img, { recursive: true });
  fs.writeFileSync(path.join(img, '0.png'), PNG_BYTES);
  fs.writeFileSync(path.join(workspace, 'runs', '20260101-000000-a-0000', 'run.json'), '{"secret":true}');
  fs.writeFileSync(path.join(workspace, 'top.png'), PNG_BYTES);
  try {
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(img, '1.png'));
  } catch {
    // As above.
  }
  handler = new TestHandler();
  server = await startBrowserServer({ handler, staticDir, port: 0, workspace: () => workspace });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => {
  handler.hang = null;
  vi.restoreAllMocks();
});

describe('startBrowserServer: idle connections', () => {
  it('closes sockets that never complete a request, caps open connections and keeps serving', async () => {
    const HANDSHAKE = 3000;
    const s = await startBrowserServer({ handler: new TestHandler(), staticDir, workspace: () => workspace, handshakeTimeoutMs: HANDSHAKE });
    try {
      const sockets = await Promise.all(
        Array.from(
          { length: MAX_CONNECTIONS + 44 },
          () =>
            new Promise<{ closed: Promise<number> }>((resolve) => {
              const t0 = Date.now();
              const sock = net.connect(s.port, '127.0.0.1', () => resolve({ closed }));
              const closed = new Promise<number>((done) => sock.on('close', () => done(Date.now() - t0)));
              sock.on('error', () => {});
            }),
        ),
      );
      const lifetimes = await Promise.all(sockets.map((x) => x.closed));
      // Those over the cap are dropped at once, well before the handshake time; the rest when it is up, not much later
      // (margins wide enough for a loaded machine).
      expect(lifetimes.filter((ms) => ms < HANDSHAKE - 1000).length).toBeGreaterThanOrEqual(44);
      expect(Math.max(...lifetimes)).toBeLessThan(HANDSHAKE + 15_000);
      const c = await connect(wsUrl(s));
      expect((await c.call(1, 'app.info', {})).ok).toBe(true);
      // An authenticated WebSocket may stay idle longer than the handshake time.
      await new Promise((r) => setTimeout(r, HANDSHAKE + 500));
      expect((await c.call(2, 'app.info', {})).ok).toBe(true);
      c.ws.close();
    } finally {
      await s.close();
    }
  });
});

describe('startBrowserServer: address and token', () => {
  it('returns a 127.0.0.1 URL carrying a random base64url token', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('binds to 127.0.0.1 only', async () => {
    const listen = vi.spyOn(net.Server.prototype, 'listen');
    const s = await startBrowserServer({ handler: new TestHandler(), staticDir, workspace: () => workspace });
    try {
      expect(listen).toHaveBeenCalledTimes(1);
      expect(listen.mock.calls[0][1]).toBe('127.0.0.1');
      expect(s.token).not.toBe(server.token);
      // An address of this machine other than loopback must not reach the server.
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (external) {
        const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
          const sock = net.connect({ host: external.address, port: s.port }, () => {
            sock.destroy();
            resolve(null);
          });
          sock.on('error', resolve);
        });
        expect(err?.code).toBe('ECONNREFUSED');
      }
    } finally {
      await s.close();
    }
  });

  it('accepts the right token and round-trips a request through the handler', async () => {
    const c = await connect(wsUrl(server), { Origin: `http://127.0.0.1:${server.port}` });
    const reply = await c.call(7, 'runs.get', { id: 'abc' });
    expect(reply).toEqual({ kind: 'response', id: 7, ok: true, result: { channel: 'runs.get', payload: { id: 'abc' } } });
    expect(handler.calls.at(-1)).toEqual({ channel: 'runs.get', payload: { id: 'abc' } });
    c.ws.close();
  });

  it('accepts Origin http://localhost:PORT and clients that send no Origin', async () => {
    const a = await connect(wsUrl(server), { Origin: `http://localhost:${server.port}` });
    const b = await connect(wsUrl(server));
    expect((await a.call(1, 'app.info', {})).ok).toBe(true);
    expect((await b.call(1, 'app.info', {})).ok).toBe(true);
    a.ws.close();
    b.ws.close();
  });

  it('refuses a missing or wrong token with 401', async () => {
    expect(await refusedStatus(wsUrl(server, null))).toBe(401);
    expect(await refusedStatus(wsUrl(server, ''))).toBe(401);
    expect(await refusedStatus(wsUrl(server, 'x'.repeat(server.token.length)))).toBe(401);
    expect(await refusedStatus(wsUrl(server, `${server.token}x`))).toBe(401);
    expect(await refusedStatus(wsUrl(server, server.token.slice(1)))).toBe(401);
  });

  it('refuses a foreign Origin with 403, even with the right token', async () => {
    for (const origin of [
      'http://evil.example',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      'null',
      `http://127.0.0.1:${server.port}/`,
    ]) {
      expect(await refusedStatus(wsUrl(server), { Origin: origin })).toBe(403);
    }
  });

  it('refuses a foreign Host header (DNS rebinding) on the WebSocket and on static files', async () => {
    expect(await refusedStatus(wsUrl(server), { Host: `evil.example:${server.port}` })).toBe(403);
    expect((await get(server.port, '/', { host: `evil.example:${server.port}` })).status).toBe(403);
  });

  it('refuses upgrades on other paths', async () => {
    expect(await refusedStatus(wsUrl(server, server.token, '/'))).toBe(404);
    expect(await refusedStatus(wsUrl(server, server.token, '/ws/x'))).toBe(404);
  });
});

describe('startBrowserServer: malformed messages', () => {
  it('answers each bad message with an error reply and keeps serving the same connection', async () => {
    const c = await connect(wsUrl(server));
    const cases: { send: string | Buffer; binary?: boolean; id: number | null; match: RegExp }[] = [
      { send: 'not json{', id: null, match: /not valid JSON/ },
      { send: '[1,2]', id: null, match: /JSON object/ },
      { send: 'null', id: null, match: /JSON object/ },
      { send: JSON.stringify({ kind: 'request', channel: 'app.info', payload: {} }), id: null, match: /^id: / },
      { send: JSON.stringify({ kind: 'request', id: '3', channel: 'app.info' }), id: null, match: /^id: / },
      { send: JSON.stringify({ kind: 'hello', id: 4, channel: 'app.info' }), id: 4, match: /^kind: / },
      { send: JSON.stringify({ kind: 'request', id: 5, channel: 'nope', payload: {} }), id: 5, match: /unknown channel "nope"/ },
      { send: JSON.stringify({ kind: 'request', id: 6, channel: '__proto__', payload: {} }), id: 6, match: /unknown channel/ },
      { send: JSON.stringify({ kind: 'request', id: 7, channel: 'runs.get', payload: { id: 5 } }), id: 7, match: /^runs\.get: id: / },
      { send: JSON.stringify({ kind: 'request', id: 8, channel: 'runs.rename', payload: { id: 'a' } }), id: 8, match: /^runs\.rename: name: / },
      { send: JSON.stringify({ kind: 'request', id: 9, channel: 'runs.get', payload: {} }), id: 9, match: /^runs\.get: id: / },
      { send: JSON.stringify({ kind: 'request', id: 10, channel: 'runs.get', payload: { id: 'a', extra: 1 } }), id: 10, match: /^runs\.get: / },
      { send: JSON.stringify({ kind: 'request', id: 11, channel: 'runs.backward', payload: { id: 'a', step: -1 } }), id: 11, match: /^runs\.backward: step: / },
      { send: JSON.stringify({ kind: 'request', id: 12, channel: 'runs.get', payload: 'x' }), id: 12, match: /^runs\.get: payload: / },
      { send: Buffer.from([1, 2, 3]), binary: true, id: null, match: /binary frames/ },
      // Hostile channels: an object whose toString is not callable, an array nested 5,000 deep.
      {
        send: JSON.stringify({ kind: 'request', id: 13, channel: { toString: 1 }, payload: {} }),
        id: 13,
        match: /unknown channel \(an object, not a string\)/,
      },
      {
        send: `{"kind":"request","id":14,"channel":${'['.repeat(5000)}${']'.repeat(5000)},"payload":{}}`,
        id: 14,
        match: /unknown channel \(an array, not a string\)/,
      },
      {
        send: `{"kind":"request","id":15,"channel":"runs.get","payload":{"id":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
        id: 15,
        match: /^runs\.get: payload: nested more than 64 levels deep: send a flatter payload$/,
      },
    ];
    for (const k of cases) {
      const reply = await c.request(k.send, k.binary);
      expect(reply.kind).toBe('response');
      expect(reply.ok).toBe(false);
      expect(reply.id).toBe(k.id);
      expect(reply.error?.message).toMatch(k.match);
      expect(reply.error?.message).not.toContain('\n');
    }
    expect(handler.calls.filter((x) => x.channel !== 'app.info' && x.channel !== 'runs.get')).toEqual([]);
    expect((await c.call(99, 'app.info', {})).ok).toBe(true);
    c.ws.close();
  });

  it("turns the handler's errors into one-line replies without stacks", async () => {
    const c = await connect(wsUrl(server));
    expect(await c.call(1, 'runs.get', { id: 'boom' })).toEqual({ kind: 'response', id: 1, ok: false, error: { message: 'run boom is broken' } });
    const weird = await c.call(2, 'runs.get', { id: 'weird' });
    expect(weird.ok).toBe(false);
    expect(weird.error?.message).toBe('[object Object]');
    const bigint = await c.call(3, 'runs.get', { id: 'bigint' });
    expect(bigint.ok).toBe(false);
    expect(bigint.error?.message).toMatch(/could not be serialised/);
    expect((await c.call(4, 'app.info', {})).ok).toBe(true);
    c.ws.close();
  });

  it('closes a connection that sends more than 1 MiB (1009) and keeps serving everyone else', async () => {
    const bystander = await connect(wsUrl(server));
    const c = await connect(wsUrl(server));
    c.ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'runs.rename', payload: { id: 'a', name: 'x'.repeat(2 * 1024 * 1024) } }));
    expect((await c.closed).code).toBe(1009);
    expect((await bystander.call(2, 'app.info', {})).ok).toBe(true);
    const again = await connect(wsUrl(server));
    expect((await again.call(3, 'app.info', {})).ok).toBe(true);
    bystander.ws.close();
    again.ws.close();
  });

  it('accepts a message just under 1 MiB', async () => {
    const c = await connect(wsUrl(server));
    // Over the contract's 120-character name limit: the server parses it and answers with a field error.
    const reply = await c.call(1, 'runs.rename', { id: 'a', name: 'x'.repeat(1000 * 1000) });
    expect(reply.error?.message).toMatch(/^runs\.rename: name: /);
    c.ws.close();
  });
});

describe('startBrowserServer: events', () => {
  it('pushes engine events to every connected client', async () => {
    const a = await connect(wsUrl(server));
    const b = await connect(wsUrl(server));
    handler.emit({ type: 'log', runId: 'r1', line: 'hello' });
    for (const c of [a, b]) expect(await c.next()).toEqual({ kind: 'event', event: { type: 'log', runId: 'r1', line: 'hello' } });
    a.ws.close();
    b.ws.close();
  });
});

describe('startBrowserServer: static files', () => {
  it('serves index.html for / with CSP and nosniff', async () => {
    const r = await get(server.port, '/?token=abc');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>racecar</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(r.headers['content-security-policy']);
    for (const d of [
      "default-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ws://127.0.0.1:${server.port}`,
      "style-src 'self' 'unsafe-inline'",
      "script-src 'self'",
    ]) {
      expect(csp).toContain(d);
    }
  });

  it('serves assets with their content types and answers HEAD without a body', async () => {
    const js = await get(server.port, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(server.port, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(server.port, '/assets/blob.bin')).headers['content-type']).toBe('application/octet-stream');
    const head = await get(server.port, '/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('<!doctype html><title>racecar</title>'.length));
  });

  it('never serves files outside the static directory', async () => {
    for (const p of [
      '/../package.json',
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2fpackage.json',
      '//etc/passwd',
    ]) {
      const r = await get(server.port, p);
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain('SECRET');
      expect(r.body).not.toContain('"secret"');
    }
    if (fs.existsSync(path.join(staticDir, 'link.txt'))) {
      const r = await get(server.port, '/link.txt');
      expect(r.status).toBe(403);
      expect(r.body).not.toContain('SECRET');
    }
  });

  it('answers 404 for missing files and directories, 400 for bad encodings, 405 for other methods', async () => {
    expect((await get(server.port, '/nope.js')).status).toBe(404);
    expect((await get(server.port, '/assets')).status).toBe(404);
    expect((await get(server.port, '/assets/')).status).toBe(404);
    expect((await get(server.port, '/%E0%A4%A')).status).toBe(400);
    expect((await get(server.port, '/a%00b')).status).toBe(400);
    expect((await get(server.port, '/', { method: 'POST' })).status).toBe(405);
  });

  it('serves run images only with the session token, and nothing else of the workspace', async () => {
    const image = '/files/runs/20260101-000000-a-0000/backward/0000100/0.png';
    const ok = await get(server.port, `${image}?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/png');
    expect(ok.headers['content-length']).toBe(String(PNG_BYTES.length));
    expect((await get(server.port, image)).status).toBe(401);
    expect((await get(server.port, `${image}?token=wrong`)).status).toBe(401);
    for (const p of [
      '/files/runs/20260101-000000-a-0000/run.json',
      '/files/top.png',
      '/files/runs/20260101-000000-a-0000/../../../secret.txt',
      '/files/runs/20260101-000000-a-0000/backward/%2e%2e/%2e%2e/run.json',
      '/files/runs/x/..%2f..%2f..%2fsecret.png',
      '/files/%2e%2e/secret.txt',
    ]) {
      const r = await get(server.port, `${p}?token=${server.token}`);
      expect([403, 404], p).toContain(r.status);
      expect(r.body).not.toContain('SECRET');
      expect(r.body).not.toContain('"secret"');
    }
    if (fs.existsSync(path.join(workspace, 'runs', '20260101-000000-a-0000', 'backward', '0000100', '1.png'))) {
      const r = await get(server.port, `/files/runs/20260101-000000-a-0000/backward/0000100/1.png?token=${server.token}`);
      expect(r.status).toBe(403);
      expect(r.body).not.toContain('SECRET');
    }
    // Revalidation: an unchanged image is not sent again.
    const again = await get(server.port, `${image}?token=${server.token}`, { headers: { 'If-Modified-Since': String(ok.headers['last-modified']) } });
    expect(again.status).toBe(304);
  });

  it('offers a .zip bundle exported from the page as a download, only with the session token', async () => {
    const zipFile = path.join(tmp, 'exports', 'my bundle.zip');
    fs.mkdirSync(path.dirname(zipFile), { recursive: true });
    fs.writeFileSync(zipFile, 'PK\x03\x04-zip-bytes');
    const client = await connect(wsUrl(server));
    const r = (await client.call(1, 'export.bundle', { ids: ['20260101-000000-a-0000'], out: zipFile })).result as { out: string; download: string };
    expect(r.out).toBe(zipFile);
    expect(r.download).toMatch(/^\/downloads\/[A-Za-z0-9_-]{24}\/my%20bundle\.zip$/);
    expect((await get(server.port, r.download)).status).toBe(401);
    expect((await get(server.port, `${r.download}?token=wrong`)).status).toBe(401);
    const ok = await get(server.port, `${r.download}?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/zip');
    expect(ok.headers['content-disposition']).toContain('attachment; filename="my bundle.zip"');
    expect(ok.body).toBe('PK\x03\x04-zip-bytes');
    // A folder bundle has no download (this process does not zip); an id the server never gave out is nothing.
    const folder = (await client.call(2, 'export.bundle', { ids: ['20260101-000000-a-0000'], out: path.join(tmp, 'exports', 'dir') })).result as {
      download?: string;
    };
    expect(folder.download).toBeUndefined();
    expect((await get(server.port, `/downloads/${'A'.repeat(24)}/x.zip?token=${server.token}`)).status).toBe(404);
    fs.rmSync(zipFile);
    expect((await get(server.port, `${r.download}?token=${server.token}`)).status).toBe(404);
    client.ws.close();
  });

  it('fails to start with a clear message when the renderer is not built', async () => {
    await expect(startBrowserServer({ handler: new TestHandler(), staticDir: path.join(tmp, 'missing'), workspace: () => workspace })).rejects.toThrow(
      /run npm run build/,
    );
  });
});

describe('connectWebSocketApi against the real server', () => {
  const Impl = WebSocket as unknown as WebSocketConstructor;

  it('resolves results, rejects with the error message, and delivers events', async () => {
    const api = await connectWebSocketApi(wsUrl(server), Impl);
    await expect(api.call('runs.get', { id: 'x' })).resolves.toEqual({ channel: 'runs.get', payload: { id: 'x' } });
    await expect(api.call('runs.get', { id: 'boom' })).rejects.toThrow(new Error('run boom is broken'));
    await expect(api.call('runs.get', { id: 5 } as never)).rejects.toThrow(/^runs\.get: id: /);
    const seen: EngineEvent[] = [];
    const off = api.onEvent((e) => seen.push(e));
    handler.emit({ type: 'runs.changed' });
    await vi.waitFor(() => expect(seen).toEqual([{ type: 'runs.changed' }]));
    off();
    handler.emit({ type: 'runs.changed' });
    await api.call('app.info', {});
    expect(seen).toHaveLength(1);
    api.close();
  });

  it('runs concurrent requests and matches replies by id', async () => {
    const api = await connectWebSocketApi(wsUrl(server), Impl);
    const ids = Array.from({ length: 20 }, (_, i) => `run-${i}`);
    const results = await Promise.all(ids.map((id) => api.call('runs.get', { id })));
    expect(results.map((r) => (r as unknown as { payload: { id: string } }).payload.id)).toEqual(ids);
    api.close();
  });

  it('refuses oversized requests locally without losing the connection', async () => {
    const api = await connectWebSocketApi(wsUrl(server), Impl);
    await expect(api.call('runs.rename', { id: 'a', name: 'x'.repeat(2 * 1024 * 1024) })).rejects.toThrow(/too large/);
    await expect(api.call('app.info', {})).resolves.toBeTruthy();
    api.close();
  });

  it('rejects pending calls when the connection closes, and reports the close', async () => {
    const s = await startBrowserServer({ handler, staticDir, workspace: () => workspace });
    const api = await connectWebSocketApi(wsUrl(s), Impl);
    const closes: { code: number }[] = [];
    api.onClose((info) => closes.push(info));
    handler.hang = new Promise<never>(() => {});
    const pending = api.call('app.info', {});
    await vi.waitFor(() => expect(handler.calls.length).toBeGreaterThan(0));
    await s.close();
    await expect(pending).rejects.toThrow(/connection closed/);
    expect(closes).toEqual([{ code: 1001, reason: 'server shutting down' }]);
    await expect(api.call('app.info', {})).rejects.toThrow(/connection closed/);
  });

  it('fails to connect with a wrong token, without echoing the token', async () => {
    const err = await connectWebSocketApi(wsUrl(server, 'wrong-token-value'), Impl).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toMatch(/cannot connect/);
    expect(err?.message).not.toContain('wrong-token-value');
  });
});

describe('close()', () => {
  it('closes clients with 1001, stops listening, and unsubscribes from the engine', async () => {
    const h = new TestHandler();
    const s = await startBrowserServer({ handler: h, staticDir, workspace: () => workspace });
    expect(h.listenerCount).toBe(1);
    const c = await connect(wsUrl(s));
    await Promise.all([s.close(), s.close()]);
    expect((await c.closed).code).toBe(1001);
    expect(h.listenerCount).toBe(0);
    await expect(get(s.port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
