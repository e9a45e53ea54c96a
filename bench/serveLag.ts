// The event-loop lag of the process that serves the UI (browser mode: this
// process runs the server and relays to the engine process, as `racecar serve`
// does) while, through a WebSocket client like the app's, the engine validates
// a peak data set of 10,000 images per class, then trains W2 while the client
// polls the run list.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import type { EngineEvent } from '../electron/contract/contract';
import { startEngine } from '../electron/host/startEngine';
import { startBrowserServer } from '../electron/server/browserServer';
import { connectWebSocketApi, type WebSocketConstructor } from '../electron/server/wsClient';
import type { RunConfigInput } from '../electron/engine/config/schema';

export interface LagResult {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  events: number;
  validateSeconds: number;
}

export async function benchServeLag(rendererDir: string, train: RunConfigInput): Promise<LagResult> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-bench-lag-'));
  const engine = await startEngine({ workspace: ws, mode: 'browser' });
  const server = await startBrowserServer({ handler: engine, staticDir: rendererDir, workspace: () => engine.workspace });
  const api = await connectWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, WebSocket as unknown as WebSocketConstructor);
  let events = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  api.onEvent((e: EngineEvent) => {
    events++;
    if (e.type === 'train' && e.event.type === 'finished') finish();
  });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const big = { ...train, data: { source: { kind: 'peak', trainPerClass: 10_000, testPerClass: 50 } } } as Record<string, unknown>;
  const v = await api.call('runs.validate', { config: big });
  if (!v.ok) throw new Error(`bench: validation failed: ${v.error}`);
  const validateSeconds = (performance.now() - t0) / 1000;
  await api.call('runs.start', { config: train });
  const poll = setInterval(() => void api.call('runs.list', {}).catch(() => {}), 500);
  await done;
  clearInterval(poll);
  h.disable();
  api.close();
  await server.close();
  await engine.close();
  fs.rmSync(ws, { recursive: true, force: true });
  return { p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, events, validateSeconds };
}
