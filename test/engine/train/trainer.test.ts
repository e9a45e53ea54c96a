// Real training on the generated peak data, on every backend present.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableBackends } from '../../../electron/engine/backend';
import { ortVersion } from '../../../electron/engine/onnx/runtime';
import { RunStore } from '../../../electron/engine/store/runStore';
import { trainRun, trainToEnd } from '../../../electron/engine/train/trainer';
import type { TrainEvent } from '../../../electron/engine/types';
import { smallPeak as small } from '../../helpers/configs';
import { listFiles, tempDir } from '../../helpers/tmp';

describe.each(availableBackends())('trainRun on %s', (backend) => {
  beforeAll(() => {
    vi.stubEnv('RACECAR_BACKEND', backend);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('trains, evaluates, writes images and checkpoints, and leaks no tensors', async () => {
    const store = new RunStore(tempDir());
    const tensorsAtEval: number[] = [];
    const events: TrainEvent[] = [];
    const run = await trainToEnd(small(), { store }, (e) => {
      events.push(e);
      // ONNX runs leave tfjs uninitialised: no tensors to count there.
      if (e.type === 'evaluation') tensorsAtEval.push(backend === 'onnx' ? 0 : tf.memory().numTensors);
    });
    expect(run.status).toBe('completed');
    expect(run.backend).toBe(backend);
    if (backend === 'onnx') expect(run.versions).toMatchObject({ onnxruntime: ortVersion(), onnxThreads: expect.stringMatching(/^\d+$/) });
    else expect(run.versions.tfjs).toBe(tf.version.tfjs);
    const metrics = store.readMetrics(run.id);
    expect(metrics.map((m) => m.step)).toEqual([0, 20, 40, 60]);
    expect(metrics[3].loss.total).toBeLessThan(metrics[0].loss.total);
    expect(metrics[3].trainAccuracy).toBeGreaterThan(0.9);
    for (const m of metrics) {
      expect(m.loss.rr).toHaveLength(2);
      expect(m.testRecon).toHaveLength(2);
      expect(m.loss.total).toBeCloseTo(m.loss.ce + m.loss.rr[0] + m.loss.rr[1] + m.loss.ort, 3);
    }
    // Same tensor count after every evaluation: nothing accumulates step to step.
    expect(new Set(tensorsAtEval.slice(1)).size).toBe(1);
    expect(run.checkpointSteps).toEqual([40, 60]);
    expect(run.backwardSteps).toEqual([0, 20, 40, 60]);
    const img = PNG.sync.read(store.readBackward(run.id, 60, 2));
    expect([img.width, img.height]).toEqual([28, 28]);
    expect(events.filter((e) => e.type === 'evaluation')).toHaveLength(4);
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', status: 'completed' });
  });

  it('is deterministic for a seed (mini-batches, shuffling, SRIP vectors)', async () => {
    const cfg = small({
      loss: { lambdaOrt: 0.1 },
      training: { steps: 30, evalEvery: 10, batchSize: 8, backwardSamples: 0, optimizer: { kind: 'sgd', learningRate: 1e-3, momentum: 0.9 } },
    });
    const a = new RunStore(tempDir());
    const b = new RunStore(tempDir());
    const ra = await trainToEnd(cfg, { store: a });
    const rb = await trainToEnd(cfg, { store: b });
    const strip = (s: RunStore, id: string) => s.readMetrics(id).map(({ elapsed: _e, stepsPerSec: _s, ...m }) => m);
    expect(strip(a, ra.id)).toEqual(strip(b, rb.id));
    const rc = await trainToEnd({ ...cfg, seed: 8 }, { store: b });
    expect(strip(b, rc.id)).not.toEqual(strip(a, ra.id));
  });

  it('stops within one step when cancelled and leaves a valid cancelled run', async () => {
    const store = new RunStore(tempDir());
    const abort = new AbortController();
    let abortedAt = -1;
    let id = '';
    for await (const e of trainRun(small({ training: { steps: 5000, evalEvery: 25, checkpointEvery: 0 } }), {
      store,
      signal: abort.signal,
      progressEveryMs: 0,
    })) {
      if (e.type === 'started') id = e.runId;
      if (e.type === 'progress' && e.step === 30) {
        abort.abort();
        abortedAt = e.step;
      }
    }
    const run = store.get(id);
    expect(run.status).toBe('cancelled');
    expect(abortedAt).toBe(30);
    // The state at the cancelled step is saved: no step ran after the abort.
    expect(run.checkpointSteps).toEqual([30]);
    expect(store.readMetrics(id).map((m) => m.step)).toEqual([0, 25]);
    expect(store.list().problems).toEqual([]);
  });

  it('rejects bad configs before writing anything', async () => {
    const ws = tempDir();
    const store = new RunStore(ws);
    const bad = [
      [{ ...small(), network: { layers: [{ units: 0 }] } }, /network\.layers\.0\.units: units must be at least 1/],
      [{ ...small(), data: { source: { kind: 'cifar' } } }, /data\.source\.kind/],
      [{ ...small(), network: { layers: [{ units: 1, activation: 'linear' }] } }, /output layer has 1 units but the data set has 2 classes/],
      [{ ...small(), data: { source: { kind: 'folder', path: path.join(ws, 'nope') } } }, /nope/],
    ] as const;
    for (const [cfg, msg] of bad) await expect(trainToEnd(cfg, { store })).rejects.toThrow(msg);
    expect(listFiles(ws)).toEqual([]);
    expect(fs.existsSync(path.join(ws, 'runs'))).toBe(false);
  });
});
