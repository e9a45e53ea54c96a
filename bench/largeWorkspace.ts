// The UI-serving process with 10,000 runs in the workspace (browser mode: this
// process runs the server and relays to the engine process, as `racecar
// serve` does): its event-loop lag while a client in another process pages
// through the run list as the app's Runs view does, and how soon that client
// has its first page of rows and the whole list. The runs are copies of one
// real trained run's record, each with its own id, name and time, written as
// the store writes run.json (runJsonText validates each), without the fsync
// per file a real writer pays (a temporary workspace).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RunConfigInput } from '../electron/engine/config/schema';
import { startEngine } from '../electron/host/startEngine';
import { makeRunId, runDir, runJsonPath } from '../electron/engine/store/layout';
import { RunStore, runJsonText } from '../electron/engine/store/runStore';
import { trainToEnd } from '../electron/engine/train/trainer';
import { startBrowserServer } from '../electron/server/browserServer';
import type { PageClientResult } from './pageClient';

export interface LargeWorkspaceResult extends PageClientResult {
  runs: number;
  fillSeconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** `count` runs in a new workspace: one trained, the others its record under new ids. */
export async function fillWorkspace(ws: string, config: RunConfigInput, count: number): Promise<void> {
  const store = new RunStore(ws);
  const seed = store.get((await trainToEnd(config, { store })).id);
  const base = new Date('2026-01-01T00:00:00Z').getTime();
  for (let i = 1; i < count; i++) {
    const at = new Date(base + i * 1000);
    const id = makeRunId(`bench ${i}`, at);
    fs.mkdirSync(runDir(ws, id));
    const iso = at.toISOString();
    fs.writeFileSync(runJsonPath(ws, id), runJsonText({ ...seed, id, name: `bench ${i}`, createdAt: iso, startedAt: iso, finishedAt: iso }));
  }
}

export async function benchLargeWorkspace(rendererDir: string, config: RunConfigInput, count = 10_000, rounds = 3): Promise<LargeWorkspaceResult> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-bench-big-'));
  const t0 = performance.now();
  await fillWorkspace(ws, config, count);
  const fillSeconds = (performance.now() - t0) / 1000;
  const engine = await startEngine({ workspace: ws, mode: 'browser' });
  const server = await startBrowserServer({ handler: engine, staticDir: rendererDir, workspace: () => engine.workspace });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // The client in a process of its own: only the server's work is in the measured loop.
  const client = spawn(process.execPath, [path.join(__dirname, 'pageClient.js'), `ws://127.0.0.1:${server.port}/ws?token=${server.token}`, String(rounds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  client.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => client.once('close', resolve));
  h.disable();
  await server.close();
  await engine.close();
  fs.rmSync(ws, { recursive: true, force: true });
  if (code !== 0) throw new Error(`bench: the page client exited with ${code}`);
  const paged = JSON.parse(out) as PageClientResult;
  return { runs: count, fillSeconds, ...paged, p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
}
