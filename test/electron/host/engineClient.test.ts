// The engine in its own process: real engine processes (child_process.fork of
// the compiled engineProcess.js; npm test builds first) behind EngineClient,
// as browser mode runs them (the desktop app's layout: test/electron/main/trainingChannel.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../electron/contract/contract';
import { EngineClient } from '../../../electron/host/engineClient';
import { forkChild } from '../../../electron/host/childHandle';
import type { FromEngine, ToEngine } from '../../../electron/host/engineProtocol';
import { startEngine } from '../../../electron/host/startEngine';
import { compiledScript } from '../../../electron/engine/util/compiled';
import { tempDir } from '../../helpers/tmp';

const ENGINE = compiledScript(path.resolve(__dirname, '../../../electron/host'), 'engineProcess.js');

const config = (steps: number, name: string) => ({
  name,
  seed: 3,
  data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3 } },
  network: {
    layers: [
      { units: 12, activation: 'relu', lambda: 1e-6 },
      { units: 2, activation: 'linear', lambda: 1e-6 },
    ],
  },
  training: { steps, evalEvery: 10, checkpointEvery: 20, backwardSamples: 2, optimizer: { kind: 'adam', learningRate: 1e-3 } },
});

let client: EngineClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
});

function events(c: EngineClient) {
  const seen: EngineEvent[] = [];
  c.onEvent((e) => seen.push(e));
  const when = (pred: (e: EngineEvent) => boolean) =>
    new Promise<EngineEvent>((resolve) => {
      const hit = seen.find(pred);
      if (hit) return resolve(hit);
      const off = c.onEvent((e) => pred(e) && (off(), resolve(e)));
    });
  const finished = (id: string) =>
    when((e) => e.type === 'train' && e.event.type === 'finished' && e.event.runId === id).then((e) =>
      e.type === 'train' && e.event.type === 'finished' ? e.event.status : '',
    );
  return { seen, when, finished };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('EngineClient with a real engine process', () => {
  it('serves the contract from another process and relays its events', async () => {
    const ws = tempDir();
    client = await startEngine({ workspace: ws, mode: 'browser' });
    expect(client.pid).toBeGreaterThan(0);
    expect(client.pid).not.toBe(process.pid);
    const info = await client.handle('app.info', {});
    expect(info).toMatchObject({ workspace: ws, mode: 'browser' });
    const { finished, seen } = events(client);
    const { id } = await client.handle('runs.start', { config: config(20, 'relayed') });
    expect(await finished(id)).toBe('completed');
    expect(seen.some((e) => e.type === 'train' && e.event.type === 'evaluation' && e.event.record.step === 20)).toBe(true);
    const list = await client.handle('runs.list', {});
    expect(list.runs[0].last?.step).toBe(20);
    // Errors cross as one line; bad payloads are refused by the engine process too.
    await expect(client.handle('runs.get', { id: 'nope' })).rejects.toThrow(/^invalid run id "nope"|not found/);
    await expect(client.handle('runs.get', { id: 5 })).rejects.toThrow(/^runs\.get: id: /);
    // workspace.set: the client follows the engine's workspace (the transports serve its files).
    const other = tempDir();
    await client.handle('workspace.set', { path: other });
    expect(client.workspace).toBe(other);
  });

  it('restarts a killed engine, tells the UI, and the run it was training ends as interrupted with a checkpoint', async () => {
    const ws = tempDir();
    client = await startEngine({ workspace: ws, mode: 'browser' });
    const { when, seen } = events(client);
    const { id } = await client.handle('runs.start', { config: config(1_000_000, 'long') });
    await when((e) => e.type === 'train' && e.event.type === 'checkpoint' && e.event.runId === id);
    const first = client.pid!;
    process.kill(first, 'SIGKILL');
    const restarted = await when((e) => e.type === 'engine');
    expect(restarted).toMatchObject({
      type: 'engine',
      state: 'restarted',
      message: expect.stringMatching(/engine process stopped unexpectedly \(exit SIGKILL/),
    });
    // The new engine answers; the orphaned training process records the run as interrupted and leaves.
    await expect.poll(async () => (await client!.handle('runs.get', { id })).run.status, { timeout: 30_000, interval: 200 }).toBe('interrupted');
    const { run } = await client.handle('runs.get', { id });
    // Its state at the step it stopped is kept: the last checkpoint is at or after the last evaluation.
    expect(run.checkpointSteps.at(-1)).toBeGreaterThanOrEqual(run.lastStep);
    expect(fs.readFileSync(path.join(ws, 'runs', id, 'train.log'), 'utf8')).toMatch(/interrupted after step \d+/);
    expect(client.pid).not.toBe(first);
    expect(alive(first)).toBe(false);
    expect(seen.filter((e) => e.type === 'engine')).toHaveLength(1);
  });

  it('keeps restarting an engine that keeps failing, after a pause, and never gives up', async () => {
    client = new EngineClient({
      workspace: tempDir(),
      mode: 'browser',
      spawnEngine: () => forkChild<ToEngine, FromEngine>(ENGINE),
      maxRestarts: 1,
      backoffMs: 50,
    });
    await client.start();
    const { seen } = events(client);
    const nth = (state: string, n: number) =>
      expect.poll(() => seen.filter((e) => e.type === 'engine' && e.state === state).length, { timeout: 30_000 }).toBe(n);
    process.kill(client.pid!, 'SIGKILL');
    await nth('restarted', 1);
    await client.handle('app.info', {});
    // From now on each crash is followed by a pause, then a new engine: six more in a row.
    for (let i = 1; i <= 6; i++) {
      process.kill(client.pid!, 'SIGKILL');
      await nth('stopped', i);
      expect(seen.filter((e) => e.type === 'engine').at(-1)).toMatchObject({
        message: expect.stringMatching(/keeps failing: the workbench starts it again in \d+ s, or restart the engine now/),
      });
      await nth('restarted', 1 + i);
      await expect(client.handle('app.info', {})).resolves.toMatchObject({ mode: 'browser' });
    }
  });

  it('restarts the engine on engine.restart at once: while it waits out a pause, and while it runs', async () => {
    client = new EngineClient({
      workspace: tempDir(),
      mode: 'browser',
      spawnEngine: () => forkChild<ToEngine, FromEngine>(ENGINE),
      maxRestarts: 0,
      backoffMs: 3_600_000,
    });
    await client.start();
    const { when } = events(client);
    const first = client.pid!;
    process.kill(first, 'SIGKILL');
    await when((e) => e.type === 'engine' && e.state === 'stopped');
    await expect(client.handle('app.info', {})).rejects.toThrow(/keeps failing/);
    // The UI's "Restart engine" does not wait for the hour-long pause.
    const { pid } = await client.handle('engine.restart', {});
    expect(pid).toBe(client.pid);
    await expect(client.handle('app.info', {})).resolves.toMatchObject({ mode: 'browser' });
    // A live (maybe hung) engine is replaced: the old process ends, the new one serves.
    const second = client.pid!;
    const again = await client.handle('engine.restart', {});
    expect(again.pid).not.toBe(second);
    await expect.poll(() => alive(second), { timeout: 30_000 }).toBe(false);
    await expect(client.handle('app.info', {})).resolves.toMatchObject({ mode: 'browser' });
  });

  it('stops its engine and the engine stops its training run on close, which ends as interrupted', async () => {
    const ws = tempDir();
    client = await startEngine({ workspace: ws, mode: 'browser' });
    const { when } = events(client);
    const { id } = await client.handle('runs.start', { config: config(1_000_000, 'closing') });
    await when((e) => e.type === 'train' && e.event.type === 'evaluation' && e.event.runId === id && e.event.record.step >= 10);
    const pid = client.pid!;
    await client.close();
    client = null;
    expect(alive(pid)).toBe(false);
    const run = JSON.parse(fs.readFileSync(path.join(ws, 'runs', id, 'run.json'), 'utf8')) as { status: string; checkpointSteps: number[] };
    expect(run.status).toBe('interrupted');
    expect(run.checkpointSteps.length).toBeGreaterThan(0);
  });
});
