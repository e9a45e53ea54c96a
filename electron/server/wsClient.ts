// Browser-side transport for browser mode: the EngineApi over the /ws
// WebSocket of browserServer.ts. Bundled into the renderer, so no Node
// imports: only types from the contract, and the global WebSocket.
import type { Channel, EngineApi, EngineEvent, RequestOf, ResultOf } from '../contract/contract';
import { errorMessage } from '../engine/util/errorMessage';

/** The subset of the DOM WebSocket used here (the project compiles without DOM types). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'error', listener: () => void): void;
  addEventListener(type: 'close', listener: (e: { code: number; reason: string }) => void): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketApi extends EngineApi {
  close(): void;
  /** Called once when the connection ends (no automatic reconnect). Returns an unsubscribe function. */
  onClose(listener: (info: { code: number; reason: string }) => void): () => void;
}

const OPEN = 1;
/** Same limit as the server's maxPayload; checked here so an oversized request fails alone instead of closing the connection. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** The URL without its query, so error messages never show the token. */
const redact = (url: string) => url.split('?')[0];

function closeMessage(code: number, reason: string): string {
  if (code === 1009) return 'connection closed: message too large (limit 1 MiB)';
  return `connection closed (code ${code}${reason ? `: ${reason}` : ''})`;
}

/** Connects to ws://…/ws?token=…; resolves once open, rejects if the connection fails or is refused. */
export function connectWebSocketApi(url: string, WebSocketImpl?: WebSocketConstructor): Promise<WebSocketApi> {
  const Impl = WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Impl) return Promise.reject(new Error('WebSocket is not available in this environment'));

  return new Promise<WebSocketApi>((resolveConnect, rejectConnect) => {
    let ws: WebSocketLike;
    try {
      ws = new Impl(url);
    } catch (e) {
      rejectConnect(new Error(`cannot connect to ${redact(url)}: ${errorMessage(e)}`));
      return;
    }
    let opened = false;
    let closed: { code: number; reason: string } | null = null;
    let nextId = 1;
    const pending = new Map<number, Pending>();
    const eventListeners = new Set<(e: EngineEvent) => void>();
    const closeListeners = new Set<(info: { code: number; reason: string }) => void>();

    const api: WebSocketApi = {
      call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<ResultOf<C>> {
        if (closed) return Promise.reject(new Error(closeMessage(closed.code, closed.reason)));
        if (ws.readyState !== OPEN) return Promise.reject(new Error('not connected'));
        const id = nextId++;
        let text: string;
        try {
          text = JSON.stringify({ kind: 'request', id, channel, payload: payload ?? {} });
        } catch (e) {
          return Promise.reject(new Error(`${channel}: payload cannot be serialised: ${errorMessage(e)}`));
        }
        // UTF-8 length is at most 3 bytes per UTF-16 unit; only measure exactly when it might matter.
        if (text.length * 3 > MAX_MESSAGE_BYTES && new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES) {
          return Promise.reject(new Error(`${channel}: request too large (limit 1 MiB)`));
        }
        return new Promise<ResultOf<C>>((resolve, reject) => {
          pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
          ws.send(text);
        });
      },
      onEvent(listener) {
        eventListeners.add(listener);
        return () => void eventListeners.delete(listener);
      },
      onClose(listener) {
        closeListeners.add(listener);
        return () => void closeListeners.delete(listener);
      },
      close() {
        ws.close(1000, 'client closing');
      },
    };

    ws.addEventListener('open', () => {
      opened = true;
      resolveConnect(api);
    });
    ws.addEventListener('error', () => {
      // The browser gives no detail (a refused upgrade, e.g. a wrong token, looks the same as a dead server).
      if (!opened) rejectConnect(new Error(`cannot connect to ${redact(url)} (server not running, or the session token is wrong)`));
    });
    ws.addEventListener('close', (e) => {
      closed = { code: e.code, reason: e.reason };
      if (!opened) rejectConnect(new Error(`cannot connect to ${redact(url)}: ${closeMessage(e.code, e.reason)}`));
      const err = closeMessage(e.code, e.reason);
      for (const p of pending.values()) p.reject(new Error(err));
      pending.clear();
      for (const l of closeListeners) safeCall(l, closed);
    });
    ws.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') return;
      let msg: unknown;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (!msg || typeof msg !== 'object') return;
      const m = msg as { kind?: unknown; id?: unknown; ok?: unknown; result?: unknown; error?: { message?: unknown }; event?: unknown };
      if (m.kind === 'event') {
        for (const l of eventListeners) safeCall(l, m.event as EngineEvent);
        return;
      }
      if (m.kind !== 'response' || typeof m.id !== 'number') return;
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok === true) p.resolve(m.result);
      else p.reject(new Error(typeof m.error?.message === 'string' ? m.error.message : 'request failed'));
    });
  });
}

function safeCall<T>(fn: (arg: T) => void, arg: T): void {
  try {
    fn(arg);
  } catch (err) {
    // One faulty listener must not stop the others or the transport.
    console.error(err);
  }
}
