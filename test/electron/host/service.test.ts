// The engine service with real training processes (child_process.fork of the
// compiled worker: npm test builds first).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { forkTrainingProcess } from '../../../electron/host/forkTrainingProcess';
import type { EngineEvent } from '../../../electron/contract/contract';
import type { TrainingHandle } from '../../../electron/host/trainingProtocol';
import { PNG } from 'pngjs';
import { divergingRgb } from '../../../electron/engine/svd/diverging';
import { tempDir } from '../../helpers/tmp';
import { call } from '../../helpers/contract';
import { RunStore } from '../../../electron/engine/store/runStore';
import { processStartTime } from '../../../electron/engine/util/processStart';
import { parseRunConfig, type RunConfigInput } from '../../../electron/engine/config/schema';

const config = (steps = 40, name = 'svc'): RunConfigInput => ({
  name,
  seed: 1,
  data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3 } },
  network: {
    layers: [
      { units: 12, activation: 'relu', batchNorm: true, lambda: 1e-6 },
      { units: 2, activation: 'linear', lambda: 1e-6 },
    ],
  },
  training: { steps, evalEvery: 10, checkpointEvery: 20, backwardSamples: 2, optimizer: { kind: 'adam', learningRate: 1e-3 } },
});

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

function collect(s: EngineService) {
  const events: EngineEvent[] = [];
  s.onEvent((e) => events.push(e));
  const finished = (id: string) =>
    new Promise<string>((resolve) => {
      const check = (e: EngineEvent) => e.type === 'train' && e.event.type === 'finished' && e.event.runId === id && resolve(e.event.status);
      events.forEach(check);
      s.onEvent(check);
    });
  return { events, finished };
}

describe('engine service', () => {
  it('trains a run in a separate process, streams its events and serves its images and SVD', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { events, finished } = collect(service);
    const { id } = await call(service, 'runs.start', { config: config() });
    expect(await finished(id)).toBe('completed');
    // No SVD computed yet: no score, and nothing is computed to answer.
    expect(await call(service, 'svd.scores', { ids: [id, 'no-such-run'] })).toEqual({
      scores: [
        { id, step: 40, score: null },
        { id: 'no-such-run', step: null, score: null },
      ],
    });
    const train = events.flatMap((e) => (e.type === 'train' && e.event.runId === id ? [e.event] : []));
    expect(train[0]).toMatchObject({ type: 'started', totalSteps: 40 });
    expect(train.filter((e) => e.type === 'evaluation').map((e) => (e.type === 'evaluation' ? e.record.step : -1))).toEqual([0, 10, 20, 30, 40]);
    const { run, metrics } = await call(service, 'runs.get', { id });
    expect(run.status).toBe('completed');
    expect(run.pid).not.toBe(process.pid); // trained elsewhere
    expect(metrics).toHaveLength(5);
    const list = await call(service, 'runs.list', {});
    expect(list.runs.map((r) => r.run.id)).toEqual([id]);
    expect(list.runs[0].last?.step).toBe(40);
    const back = await call(service, 'runs.backward', { id, step: 20 });
    expect(back.inputs).toHaveLength(2);
    // Images are files of the workspace, named relative to it; the transports serve them.
    expect(back.inputs[1]).toBe(`runs/${id}/backward/inputs/1.png`);
    expect(back.outputs[0]).toBe(`runs/${id}/backward/0000020/0.png`);
    expect(fs.readFileSync(path.join(service.workspace, back.outputs[0])).subarray(1, 4).toString()).toBe('PNG');
    expect(back.steps).toEqual([0, 10, 20, 30, 40]);
    await expect(call(service, 'runs.backward', { id, step: 15 })).rejects.toThrow(/no backward images at step 15: available steps are 0, 10, 20, 30, 40/);
    const svd = await call(service, 'svd.get', { id, layer: 0 });
    expect(svd.step).toBe(40);
    expect(svd.singularValues).toHaveLength(12);
    expect(svd.vectors).toHaveLength(12);
    expect(svd.vectors[11]).toBe(`runs/${id}/svd/layer0_0000040/u11.png`);
    expect(fs.existsSync(path.join(service.workspace, svd.vectors[11]))).toBe(true);
    expect(svd.alignment?.classMeans).toHaveLength(2);
    expect((await call(service, 'svd.scores', { ids: [id] })).scores).toEqual([{ id, step: 40, score: svd.alignment!.score }]);
    // The same vectors as numbers: unit length, orthogonal, drawn exactly as the cached images.
    const vec = await call(service, 'svd.vectors', { id, layer: 0, indices: [0, 3] });
    expect(vec).toMatchObject({ step: 40, rows: 784, k: 12, image: { height: 28, width: 28 } });
    const values = vec.vectors.map((v) => new Float32Array(Uint8Array.from(Buffer.from(v.values, 'base64')).buffer));
    expect(vec.vectors.map((v) => v.sigma)).toEqual([svd.singularValues[0], svd.singularValues[3]]);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((acc, x, i) => acc + x * b[i]!, 0);
    expect(dot(values[0]!, values[0]!)).toBeCloseTo(1, 5);
    expect(Math.abs(dot(values[0]!, values[1]!))).toBeLessThan(1e-5);
    const png = PNG.sync.read(fs.readFileSync(path.join(service.workspace, svd.vectors[3]!)));
    const rgb = divergingRgb(values[1]!);
    let worst = 0;
    for (let i = 0; i < 784; i++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(png.data[4 * i + c]! - rgb[3 * i + c]!));
    expect(worst).toBeLessThanOrEqual(1);
    await expect(call(service, 'svd.vectors', { id, layer: 0, indices: [12] })).rejects.toThrow(
      /vector u13: layer 1 of run ".*" has 12 singular vectors \(u1\.\.u12\)/,
    );
    const svd1 = await call(service, 'svd.get', { id, layer: 1, step: 20 });
    expect(svd1.image).toBeNull();
    expect(svd1.singularValues).toHaveLength(2);
  });

  it("serves a conv run's reconstructed feature maps as channel grids per layer, and reads a data source's shape", async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { finished } = collect(service);
    const conv: RunConfigInput = {
      ...config(10, 'cnn'),
      data: { source: { kind: 'peak', trainPerClass: 4, testPerClass: 2, size: 16 }, scale: 'unit' },
      network: {
        layers: [
          { type: 'conv', filters: 4, kernel: 3, stride: 2, padding: 1, lambda: 0.1 },
          { type: 'conv', filters: 3, kernel: 3, stride: 2, padding: 1, lambda: 0.1 },
          { units: 2, activation: 'linear', lambda: 0.1 },
        ],
      },
    };
    const { id } = await call(service, 'runs.start', { config: conv });
    expect(await finished(id)).toBe('completed');
    const back = await call(service, 'runs.backward', { id, step: 10 });
    // Layer 1 (0-based) takes layer 0's 4 x 8 x 8 maps, the dense layer 2 layer 1's 3 x 4 x 4 (flattened); the input's are the backward images.
    expect(back.features.map((f) => [f.layer, f.shape, f.images])).toEqual([
      [1, [4, 8, 8], [`runs/${id}/backward/0000010/layer1-0.png`, `runs/${id}/backward/0000010/layer1-1.png`]],
      [2, [3, 4, 4], [`runs/${id}/backward/0000010/layer2-0.png`, `runs/${id}/backward/0000010/layer2-1.png`]],
    ]);
    const grid = PNG.sync.read(fs.readFileSync(path.join(service.workspace, back.features[0]!.images[1]!)));
    expect([grid.width, grid.height]).toEqual([4 * 8 + 3, 8]);
    expect(await call(service, 'data.shape', { source: { kind: 'peak', size: 20 } })).toEqual({ shape: [1, 20, 20], classes: 2 });
    await expect(call(service, 'data.shape', { source: { kind: 'folder', path: path.join(service.workspace, 'nope') } })).rejects.toThrow(/nope/);
  });

  it('queues runs one at a time and cancels queued and running runs', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { finished } = collect(service);
    const a = await call(service, 'runs.start', { config: config(100000, 'long') });
    const b = await call(service, 'runs.start', { config: config(20, 'queued') });
    const list = await call(service, 'runs.list', {});
    expect(list.queue).toEqual([b.id]);
    expect(list.runs.find((r) => r.run.id === b.id)?.run.status).toBe('queued');
    await call(service, 'runs.cancel', { id: b.id });
    expect((await call(service, 'runs.get', { id: b.id })).run.status).toBe('cancelled');
    // Wait for the long run to make progress, then cancel it.
    await new Promise<void>((resolve) => {
      const off = service!.onEvent((e) => e.type === 'train' && e.event.type === 'evaluation' && e.event.record.step >= 20 && (off(), resolve()));
    });
    await expect(call(service, 'runs.delete', { id: a.id })).rejects.toThrow(/cancel it before deleting it/);
    await call(service, 'runs.cancel', { id: a.id });
    expect(await finished(a.id)).toBe('cancelled');
    const run = (await call(service, 'runs.get', { id: a.id })).run;
    expect(run.status).toBe('cancelled');
    expect(run.checkpointSteps.length).toBeGreaterThan(0);
    await expect(call(service, 'runs.cancel', { id: a.id })).rejects.toThrow(/is cancelled, not queued or running/);
  });

  it('marks a run failed with its log when the training process crashes, and keeps serving', async () => {
    let handle: TrainingHandle | null = null;
    service = createEngineService({
      workspace: tempDir(),
      mode: 'browser',
      spawnTrainingProcess: () => (handle = forkTrainingProcess()),
    });
    const { finished } = collect(service);
    const crash = await call(service, 'runs.start', { config: config(100000, 'crash') });
    const next = await call(service, 'runs.start', { config: config(20, 'after') });
    await new Promise<void>((resolve) => {
      const off = service!.onEvent((e) => e.type === 'train' && e.event.type === 'evaluation' && (off(), resolve()));
    });
    handle!.kill(); // SIGKILL: no chance to clean up
    expect(await finished(crash.id)).toBe('failed');
    const run = (await call(service, 'runs.get', { id: crash.id })).run;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/training process ended unexpectedly \(exit SIGKILL/);
    const log = fs.readFileSync(path.join(service.workspace, 'runs', crash.id, 'train.log'), 'utf8');
    expect(log).toMatch(/ended unexpectedly/);
    // The queue goes on.
    expect(await finished(next.id)).toBe('completed');
  });

  it('rejects an invalid config with a message naming the field and creates nothing', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser' });
    const bad = { ...config(), network: { layers: [{ units: 0 }] } };
    // The contract refuses it (the engine process parses every payload before the service sees it).
    await expect(call(service, 'runs.start', { config: bad })).rejects.toThrow(/^runs\.start: config\.network\.layers\.0\.units: units must be at least 1$/);
    expect(await call(service, 'runs.validate', { config: bad })).toEqual({ ok: false, error: 'network.layers.0.units: units must be at least 1' });
    expect(fs.readdirSync(ws)).toEqual([]);
  });

  it('marks runs queued by a process that is gone as interrupted', async () => {
    const ws = tempDir();
    const s1 = createEngineService({
      workspace: ws,
      mode: 'browser',
      spawnTrainingProcess: () => ({ pid: undefined, send() {}, onMessage() {}, onExit() {}, kill() {} }),
    });
    const a = await call(s1, 'runs.start', { config: config(10, 'first') });
    const b = await call(s1, 'runs.start', { config: config(10, 'second') });
    // Pretend the owner died: rewrite the queued run's pid to a pid that does not exist.
    const file = path.join(ws, 'runs', b.id, 'run.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), pid: 2 ** 22 + 1 }));
    service = createEngineService({ workspace: ws, mode: 'browser' });
    expect((await call(service, 'runs.get', { id: b.id })).run.status).toBe('interrupted');
    void a;
  });

  it('workspace.set opens a folder or creates a new one inside an existing folder, and refuses anything else', async () => {
    const start = tempDir();
    service = createEngineService({ workspace: start, mode: 'browser' });
    const root = tempDir();
    const file = path.join(root, 'notes.txt');
    fs.writeFileSync(file, 'x');
    fs.mkdirSync(path.join(root, 'odd'));
    fs.writeFileSync(path.join(root, 'odd', 'runs'), 'not a folder');
    const refused: [string, string][] = [
      ['/etc/passwd', 'workspace: /etc/passwd is a file, not a folder: choose a folder (its runs go in /etc/passwd/runs)'],
      [file, `workspace: ${file} is a file, not a folder: choose a folder (its runs go in ${file}/runs)`],
      [path.join(file, 'ws'), `workspace: ${file}/ws is inside a file, not a folder: choose a folder`],
      [
        path.join(root, 'no', 'such', 'ws'),
        `workspace: ${root}/no/such/ws does not exist, nor does the folder ${root}/no/such it would go in: choose an existing folder or a new one inside it`,
      ],
      ['/proc/nope', 'workspace: cannot create /proc/nope (that folder cannot be created there): choose a folder you can write to'],
      [path.join(root, 'odd'), `workspace: ${root}/odd/runs is a file, but a workspace keeps its runs in that folder: choose another folder`],
    ];
    for (const [p, message] of refused) {
      await expect(call(service, 'workspace.set', { path: p })).rejects.toThrow(message);
      expect(service.workspace).toBe(start);
    }
    expect(fs.readdirSync(root).sort()).toEqual(['notes.txt', 'odd']);
    const fresh = path.join(root, 'new-ws');
    expect(await call(service, 'workspace.set', { path: fresh })).toEqual({ workspace: fresh });
    expect(fs.statSync(fresh).isDirectory()).toBe(true);
    expect(await call(service, 'workspace.set', { path: start })).toEqual({ workspace: start });
  });

  it('keeps every status, backward step and checkpoint step when a run is renamed every 20 ms while it trains and ends', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { finished } = collect(service);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(
        (
          await call(service, 'runs.start', {
            config: { ...config(60, `storm ${i}`), training: { ...config().training, steps: 60, evalEvery: 5, checkpointEvery: 10 } },
          })
        ).id,
      );
    let renames = 0;
    let stop = false;
    const storm = (async () => {
      while (!stop) {
        for (const id of ids) {
          const run = await call(service!, 'runs.rename', { id, name: `storm ${renames++}` }).catch((e: Error) => e);
          if (run instanceof Error) throw run;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    for (const id of ids) expect(await finished(id)).toBe('completed');
    // A few more renames after the ends, then stop.
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await storm;
    expect(renames).toBeGreaterThan(40);
    const steps = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60];
    for (const id of ids) {
      const { run, metrics } = await call(service, 'runs.get', { id });
      expect(run.status).toBe('completed');
      expect(run.backwardSteps).toEqual(steps);
      expect(run.checkpointSteps).toEqual([10, 20, 30, 40, 50, 60]);
      expect(run.lastStep).toBe(60);
      expect(run.last?.step).toBe(60);
      expect(metrics.map((m) => m.step)).toEqual(steps);
      expect(run.name).toMatch(/^storm \d+$/);
      expect(run.config.name).toBe(run.name);
    }
  });

  it('tags and annotates a run while it trains (its training process writes them) and after; bad tags are refused with the reason', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { finished } = collect(service);
    const { id } = await call(service, 'runs.start', { config: { ...config(60, 'tagged'), training: { ...config().training, steps: 60, evalEvery: 5 } } });
    await new Promise<void>((resolve) => {
      const off = service!.onEvent((e) => e.type === 'train' && e.event.type === 'evaluation' && e.event.runId === id && (off(), resolve()));
    });
    const during = await call(service, 'runs.annotate', { id, tags: [' mnist ', 'RR', 'mnist'], notes: 'lambda sweep, first try' });
    expect([during.run.status, during.run.tags, during.run.notes]).toEqual(['running', ['mnist', 'RR'], 'lambda sweep, first try']);
    expect(await finished(id)).toBe('completed');
    const after = (await call(service, 'runs.get', { id })).run;
    expect([after.tags, after.notes, after.checkpointSteps]).toEqual([['mnist', 'RR'], 'lambda sweep, first try', [20, 40, 60]]);
    await expect(call(service, 'runs.annotate', { id, tags: ['a,b'] })).rejects.toThrow(/tags: "a,b" holds a comma/);
    const cleared = await call(service, 'runs.annotate', { id, tags: [], notes: '' });
    expect([cleared.run.tags, cleared.run.notes]).toEqual([undefined, undefined]);
  });

  it('resumes a cancelled run from its last checkpoint and trains it to the end', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { events, finished } = collect(service);
    const { id } = await call(service, 'runs.start', { config: { ...config(60, 'resumed'), training: { ...config().training, steps: 60, evalEvery: 10 } } });
    await new Promise<void>((resolve) => {
      const off = service!.onEvent((e) => e.type === 'train' && e.event.type === 'checkpoint' && e.event.step === 20 && (off(), resolve()));
    });
    await call(service, 'runs.cancel', { id });
    expect(await finished(id)).toBe('cancelled');
    const stopped = (await call(service, 'runs.get', { id })).run;
    const at = Math.max(...stopped.checkpointSteps);
    expect(at).toBeGreaterThanOrEqual(20);
    events.length = 0;
    const r = await call(service, 'runs.resume', { id });
    expect(r).toMatchObject({ id, step: at, reset: [] });
    expect(r.restored.join('; ')).toMatch(/weights and biases.*Adam state/);
    await expect(call(service, 'runs.resume', { id })).rejects.toThrow(/already queued or running/);
    const done = await new Promise<string>((resolve) => {
      const off = service!.onEvent((e) => e.type === 'train' && e.event.type === 'finished' && e.event.runId === id && (off(), resolve(e.event.status)));
    });
    const { run, metrics } = await call(service, 'runs.get', { id });
    expect(done, run.error).toBe('completed');
    expect(run.status).toBe('completed');
    // Every evaluation once: those up to the checkpoint kept, the later ones trained again.
    expect(metrics.map((m) => m.step)).toEqual([...new Set([0, 10, 20, 30, 40, 50, 60].filter((s) => s <= at).concat([30, 40, 50, 60].filter((s) => s > at)))]);
    const evals = events.flatMap((e) => (e.type === 'train' && e.event.type === 'evaluation' ? [e.event.record.step] : []));
    expect(evals[0]).toBeGreaterThan(at);
    await expect(call(service, 'runs.resume', { id })).rejects.toThrow(/is completed: only a cancelled or interrupted run can be resumed/);
  });

  it('refuses to rename a run that another process is training, and renames it once that process is gone', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser' });
    const store = new RunStore(ws);
    const rec = store.createRun(parseRunConfig(config(10, 'elsewhere')), { totalSteps: 10, backend: null, versions: {} });
    // Owned by a live process that is not this service's training process: this test's own parent.
    store.updateRun(rec.id, { pid: process.ppid, pidStart: processStartTime(process.ppid) ?? undefined });
    await expect(call(service, 'runs.rename', { id: rec.id, name: 'x' })).rejects.toThrow(
      /being trained by another process \(pid \d+\): change it once it has finished/,
    );
    store.updateRun(rec.id, { pid: 2 ** 22 + 1 }); // gone: reads as interrupted
    expect((await call(service, 'runs.rename', { id: rec.id, name: 'renamed' })).run.name).toBe('renamed');
  });

  it('lists runs from their summaries: an unreadable metrics file or a broken run.json is a problem beside the others', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser' });
    const { finished } = collect(service);
    const { id } = await call(service, 'runs.start', { config: config(20, 'fine') });
    expect(await finished(id)).toBe('completed');
    const other = (await call(service, 'runs.start', { config: config(20, 'broken') })).id;
    expect(await finished(other)).toBe('completed');
    // A folder in place of metrics.jsonl: the list never reads it.
    fs.rmSync(path.join(ws, 'runs', id, 'metrics.jsonl'));
    fs.mkdirSync(path.join(ws, 'runs', id, 'metrics.jsonl'));
    fs.writeFileSync(path.join(ws, 'runs', other, 'run.json'), '{ not json');
    const list = await call(service, 'runs.list', {});
    expect(list.runs.map((r) => [r.run.id, r.last?.step])).toEqual([[id, 20]]);
    expect(list.problems).toEqual([{ id: other, error: expect.stringMatching(/run\.json is not valid JSON/) }]);
  });

  it('computes concurrent SVD requests one at a time and answers each of them', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { finished } = collect(service);
    const { id } = await call(service, 'runs.start', { config: config(40) });
    expect(await finished(id)).toBe('completed');
    const asks = Array.from({ length: 30 }, (_, i) => call(service!, 'svd.get', { id, layer: i % 2, step: i % 4 < 2 ? 20 : 40 }));
    const views = await Promise.all(asks);
    expect(views.map((v) => [v.layer, v.step])).toEqual(Array.from({ length: 30 }, (_, i) => [i % 2, i % 4 < 2 ? 20 : 40]));
    expect(views[0].singularValues).toEqual(views[4].singularValues);
  });

  it('svd.get without a writable run folder: the vector images come inline, and are files again once it can be written', async () => {
    const ws = tempDir();
    service = createEngineService({ workspace: ws, mode: 'browser' });
    const { finished } = collect(service);
    const { id } = await call(service, 'runs.start', { config: config(20) });
    expect(await finished(id)).toBe('completed');
    const svdDir = path.join(ws, 'runs', id, 'svd');
    fs.rmSync(svdDir, { recursive: true, force: true });
    fs.writeFileSync(svdDir, 'a file where the cache folder goes');
    const inline = await call(service, 'svd.get', { id, layer: 0 });
    expect(inline.vectors.length).toBe(inline.singularValues.length);
    expect(inline.vectors.length).toBeGreaterThan(1);
    for (const v of inline.vectors) expect(v).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    fs.rmSync(svdDir);
    const files = await call(service, 'svd.get', { id, layer: 0 });
    expect(files.singularValues).toEqual(inline.singularValues);
    expect(files.vectors[0]).toBe(`runs/${id}/svd/layer0_0000020/u0.png`);
    expect(fs.readFileSync(path.join(ws, files.vectors[3]!)).toString('base64')).toBe(inline.vectors[3]!.slice('data:image/png;base64,'.length));
  });
});
