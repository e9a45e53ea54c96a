// The desktop app's process layout with real message passing: main (this
// thread) starts the engine process and, when it asks, training processes;
// utility processes and MessageChannelMain are stood in for by worker threads
// and their message ports (the Electron binary is not installed), running the
// compiled engineProcess.js and trainingProcess.js (npm test builds first).
// A training process talks to the engine process directly: main sees none of
// its messages.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../../electron/contract/contract';
import type { RunConfigInput } from '../../../electron/engine/config/schema';
import { compiledScript } from '../../../electron/engine/util/compiled';
import { EngineClient, type EngineHandle } from '../../../electron/host/engineClient';
import type { FromEngine, ToEngine } from '../../../electron/host/engineProtocol';
import { spawnUtilityChild, spawnUtilityTraining } from '../../../electron/main/utilityChild';
import { threadFork, threadPorts } from '../../helpers/utilityThreads';
import { tempDir } from '../../helpers/tmp';

// Only the injected fork and port pair are used; the module imports Electron's.
vi.mock('electron', () => ({ utilityProcess: {}, MessageChannelMain: class {} }));

const HOST = path.resolve(__dirname, '../../../electron/host');
const ENGINE = compiledScript(HOST, 'engineProcess.js');
const TRAINING = compiledScript(HOST, 'trainingProcess.js');

const config = (steps: number, name: string): RunConfigInput => ({
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

function desktopClient(workspace: string) {
  const seen = { started: 0, toMain: 0, engine: null as EngineHandle | null };
  client = new EngineClient({
    workspace,
    mode: 'electron',
    spawnEngine: () => (seen.engine = spawnUtilityChild<ToEngine, FromEngine>(ENGINE, 'Racecar engine', threadFork)),
    spawnTrainingProcess: () => {
      const link = spawnUtilityTraining(TRAINING, threadPorts, threadFork);
      seen.started++;
      link.process.onMessage(() => seen.toMain++);
      return link;
    },
  });
  return { client, seen };
}

function finished(c: EngineClient, id: string): Promise<string> {
  return new Promise((resolve) => {
    c.onEvent((e: EngineEvent) => {
      if (e.type === 'train' && e.event.type === 'finished' && e.event.runId === id) resolve(e.event.status);
    });
  });
}

describe('desktop app: training processes started by main', () => {
  it('train, take edits and report to the engine process over their own channel, not through main', async () => {
    const { client: c, seen } = desktopClient(tempDir());
    await c.start();
    const { id } = await c.handle('runs.start', { config: config(40, 'direct') });
    const done = finished(c, id);
    // The edit travels engine process -> training process (the run's one writer) over the channel.
    await c.handle('runs.rename', { id, name: 'renamed while training' });
    expect(await done).toBe('completed');
    const { run, metrics } = await c.handle('runs.get', { id });
    expect(run).toMatchObject({ status: 'completed', name: 'renamed while training', checkpointSteps: [20, 40] });
    expect(metrics.map((m) => m.step)).toEqual([0, 10, 20, 30, 40]);
    expect(seen.started).toBe(1);
    expect(seen.toMain).toBe(0);
  });

  it('a training run whose engine process is killed stops as interrupted, with its state checkpointed', async () => {
    const ws = tempDir();
    const { client: c, seen } = desktopClient(ws);
    await c.start();
    const restarted = new Promise<void>((resolve) => c.onEvent((e) => e.type === 'engine' && resolve()));
    const { id } = await c.handle('runs.start', { config: config(1_000_000, 'orphaned') });
    const file = path.join(ws, 'runs', id, 'run.json');
    const read = () => JSON.parse(fs.readFileSync(file, 'utf8')) as { status: string; checkpointSteps: number[] };
    await expect.poll(() => read().checkpointSteps.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
    // The engine "process" ends as a crash would end it: its end of the channel closes.
    seen.engine!.kill();
    await restarted;
    await expect.poll(() => read().status, { timeout: 30_000, interval: 100 }).toBe('interrupted');
    expect(fs.readFileSync(path.join(ws, 'runs', id, 'train.log'), 'utf8')).toMatch(/interrupted after step \d+/);
  });
});
