// Browser mode: one HTTP server on 127.0.0.1 serving the built renderer, the
// workspace's run images (/files/…, which need the session token), the
// bundles exported from the page (/downloads/…, the same) and a
// WebSocket endpoint (/ws) that carries the engine contract. The renderer's
// files are public (they hold no data); everything with data needs the
// per-session token, and the WebSocket a same-origin Origin header. This
// process only checks and relays: the engine lives in its own process.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { parseRequest, type EngineEvent, type EngineHandler, type ResultOf } from '../contract/contract';
import { oneLine } from '../contract/oneLine';
import { DOWNLOADS_PREFIX, Downloads, type Download } from './downloads';
import { FILES_PREFIX, resolveRendererFile, resolveWorkspaceFile, servedStream, type Served } from './servedFiles';

export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** A connection that has not completed a request (or an authenticated WebSocket handshake) by then is closed. */
export const HANDSHAKE_TIMEOUT_MS = 5000;
/** Unauthenticated TCP connections at most (the oldest is closed for a new one): idle sockets from a local process must not use up the file handles. */
export const MAX_CONNECTIONS = 256;
/** Authenticated WebSocket clients at most. */
export const MAX_CLIENTS = 32;
/** A client that stops reading gets disconnected instead of growing our send buffer without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
const HOST = '127.0.0.1';

export interface BrowserServerOptions {
  handler: EngineHandler;
  staticDir: string;
  /** The workspace whose run images /files/ serves (it can change while the server runs). */
  workspace: () => string;
  /** 0 or undefined: a random free port. */
  port?: number;
  /** Default HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
}

export interface BrowserServer {
  /** http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** Wire format, JSON text frames. `id` is null only when the request was too broken to carry one. */
export type ServerMessage =
  | { kind: 'response'; id: number | null; ok: true; result: unknown }
  | { kind: 'response'; id: number | null; ok: false; error: { message: string } }
  | { kind: 'event'; event: EngineEvent };

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "img-src 'self' data:",
    // 'self' covers ws: in current browsers; the explicit entries cover older ones.
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Node keeps the first of several Host headers: a second one could be read differently by whatever sits in front. */
function hostHeaders(req: http.IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'host') n++;
  return n;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.on('error', () => {});
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
  }
  socket.destroy();
}

export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const { handler } = opts;
  let staticRoot: string;
  try {
    staticRoot = fs.realpathSync(path.resolve(opts.staticDir));
  } catch {
    throw new Error(`renderer not found at ${path.resolve(opts.staticDir)}: run npm run build first`);
  }
  const token = crypto.randomBytes(24).toString('base64url');
  let port = 0;
  // Host check on every request defeats DNS rebinding (a foreign name resolving to 127.0.0.1).
  const allowedHosts = () => new Set([`${HOST}:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);

  const server = http.createServer((req, res) => {
    serveHttp(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });
  // Sockets not (yet) an authenticated WebSocket, oldest first. At the cap the oldest is closed rather
  // than the new one refused: a local process holding sockets open cannot lock the user out.
  const unauthenticated = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    if (unauthenticated.size >= MAX_CONNECTIONS) unauthenticated.values().next().value?.destroy();
    unauthenticated.add(socket);
    socket.once('close', () => unauthenticated.delete(socket));
  });
  // Idle sockets are closed (Node destroys a socket on 'timeout' when the server has no listener for it);
  // an accepted WebSocket clears its own timeout.
  server.setTimeout(opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
  server.keepAliveTimeout = Math.min(server.keepAliveTimeout, opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);

  const sendText = (res: http.ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    res.end(text);
  };

  async function serveHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (hostHeaders(req) > 1) return sendText(res, 400, 'more than one Host header');
    if (!allowedHosts().has(req.headers.host ?? '')) return sendText(res, 403, 'forbidden host');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed');
    }
    const [rawPath, query = ''] = (req.url ?? '/').split('#')[0].split('?');
    if (rawPath.startsWith(DOWNLOADS_PREFIX)) {
      if (!tokenMatches(new URLSearchParams(query).get('token'), token)) return sendText(res, 401, 'unauthorized');
      const d = await downloads.get(rawPath.slice(DOWNLOADS_PREFIX.length));
      try {
        return await sendDownload(req, res, d);
      } finally {
        // Idempotent: the stream closes the handle once it has been read.
        if (d.ok) await d.handle.close().catch(() => {});
      }
    }
    let served: Served;
    if (rawPath.startsWith(FILES_PREFIX)) {
      // Run images hold the user's data: the session token, as for the WebSocket.
      if (!tokenMatches(new URLSearchParams(query).get('token'), token)) return sendText(res, 401, 'unauthorized');
      served = await resolveWorkspaceFile(opts.workspace(), rawPath.slice(FILES_PREFIX.length));
    } else {
      served = await resolveRendererFile(staticRoot, rawPath);
    }
    if (!served.ok) return sendText(res, served.status, served.message);
    try {
      await sendServed(req, res, rawPath, served);
    } finally {
      // Idempotent: the stream closes the handle once it has been read.
      await served.handle.close().catch(() => {});
    }
  }

  async function sendServed(req: http.IncomingMessage, res: http.ServerResponse, rawPath: string, served: Extract<Served, { ok: true }>): Promise<void> {
    const isHtml = served.contentType.startsWith('text/html');
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': served.contentType,
      'Content-Length': served.size,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (rawPath.startsWith(FILES_PREFIX)) {
      // Images of a step are written once; revalidation is cheap if a run is resumed and rewrites them.
      headers['Cache-Control'] = 'private, no-cache';
      headers['Last-Modified'] = new Date(Math.floor(served.mtimeMs / 1000) * 1000).toUTCString();
      const since = Date.parse(req.headers['if-modified-since'] ?? '');
      if (!Number.isNaN(since) && Math.floor(served.mtimeMs / 1000) * 1000 <= since) {
        res.writeHead(304, { 'Cache-Control': headers['Cache-Control'], 'Last-Modified': headers['Last-Modified'] });
        return void res.end();
      }
    }
    if (isHtml) {
      headers['Content-Security-Policy'] = contentSecurityPolicy(port);
      // The page URL carries the token: never leak it through a Referer.
      headers['Referrer-Policy'] = 'no-referrer';
      headers['X-Frame-Options'] = 'DENY';
      headers['Cache-Control'] = 'no-store';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((resolve) => {
      const stream = servedStream(served);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }

  const downloads = new Downloads();

  async function sendDownload(req: http.IncomingMessage, res: http.ServerResponse, d: Download): Promise<void> {
    if (!d.ok) return sendText(res, d.status, d.message);
    const ascii = d.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': d.size,
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.name)}`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((resolve) => {
      const stream = servedStream(d);
      stream.on('error', () => (res.destroy(), resolve()));
      res.on('close', () => (stream.destroy(), resolve()));
      stream.pipe(res);
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${HOST}`);
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request');
    }
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    if (hostHeaders(req) > 1) return refuseUpgrade(socket, 400, 'Bad Request');
    if (!allowedHosts().has(req.headers.host ?? '')) return refuseUpgrade(socket, 403, 'Forbidden');
    // Browsers always send Origin on WebSocket handshakes, so a foreign page cannot omit it;
    // a local non-browser client without Origin still needs the token.
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (wss.clients.size >= MAX_CLIENTS) return refuseUpgrade(socket, 503, 'Service Unavailable');
    // Authenticated: the connection may now stay idle between messages.
    (socket as Socket).setTimeout(0);
    unauthenticated.delete(socket as Socket);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, msg: ServerMessage) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(msg);
    } catch (e) {
      if (msg.kind !== 'response') return;
      text = JSON.stringify({ kind: 'response', id: msg.id, ok: false, error: { message: `result could not be serialised: ${oneLine(e)}` } });
    }
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return;
    }
    ws.send(text);
  };
  const fail = (ws: WebSocket, id: number | null, message: string) => send(ws, { kind: 'response', id, ok: false, error: { message } });

  /** Every message gets a reply, whatever it holds: an error here is answered, never swallowed. */
  async function onMessage(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    const request = { id: null as number | null };
    try {
      await relay(ws, data, isBinary, request);
    } catch (e) {
      fail(ws, request.id, oneLine(e));
    }
  }

  /** Sets `request.id` as soon as it is known, so that a failure after that is answered under it. */
  async function relay(ws: WebSocket, data: RawData, isBinary: boolean, request: { id: number | null }): Promise<void> {
    if (isBinary) return fail(ws, null, 'binary frames are not supported: send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return fail(ws, null, 'message is not valid JSON');
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return fail(ws, null, 'message must be a JSON object');
    const m = msg as Record<string, unknown>;
    const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) ? m.id : null;
    if (id === null) return fail(ws, null, 'id: must be an integer');
    request.id = id;
    if (m.kind !== 'request') return fail(ws, id, 'kind: must be "request"');
    const parsed = parseRequest(m.channel, m.payload);
    if (!parsed.ok) return fail(ws, id, parsed.error);
    let result: unknown = await handler.handle(parsed.channel, parsed.payload);
    if (parsed.channel === 'export.bundle') {
      // The page may be on another machine than the bundle: it gets a download too.
      const r = result as ResultOf<'export.bundle'>;
      const download = await downloads.add(r.out);
      if (download) result = { ...r, download } satisfies ResultOf<'export.bundle'>;
    }
    send(ws, { kind: 'response', id, ok: true, result });
  }

  wss.on('connection', (ws: WebSocket) => {
    // Without a listener, ws's 'error' (e.g. a frame over maxPayload) would be an uncaught exception; ws closes the socket itself.
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => void onMessage(ws, data, isBinary));
  });

  const unsubscribe = handler.onEvent((event) => {
    let text: string;
    try {
      text = JSON.stringify({ kind: 'event', event } satisfies ServerMessage);
    } catch {
      return;
    }
    for (const ws of wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
      else ws.send(text);
    }
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    unsubscribe();
    throw e;
  }
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      unsubscribe();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      wss.close();
      server.close(() => resolve());
      // Keep-alive HTTP sockets and WebSockets that do not finish the close handshake would hold server.close() open.
      server.closeAllConnections();
      setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 1000).unref();
    });
    return closing;
  };

  return { url: `http://${HOST}:${port}/?token=${token}`, token, port, close };
}
