// The training loop. It yields typed events (the CLI draws a progress bar from
// them, the training host forwards them to the UI) and persists everything in
// the run store as it goes, so a killed process leaves a valid run behind.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, parseRunConfig, type RunConfig } from '../config/schema';
import { initBackend, wasmThreadSwitch } from '../backend';
import { loadDataset, describeDataset } from '../data/load';
import { dataMax, scaleImages, type Dataset } from '../data/dataset';
import { buildNetwork, disposeNetwork, trainableVariables, updateMovingStats, type Network } from '../model/network';
import { computeLoss, type LossSettings } from '../model/loss';
import { lossGradients } from '../model/backprop';
import { serializeCheckpoint } from '../model/checkpoint';
import { BatchSource } from './batches';
import { accuracy, evaluateTest, type SplitTensors } from './evaluate';
import { makeOptimizer } from './optimizers';
import { ThreadGovernor } from './threadGovernor';
import { checkMemory } from './memoryBudget';
import { encodeGreyPng } from '../util/png';
import { Rng } from '../util/rng';
import { appPackage } from '../util/version';
import type { RunStore } from '../store/runStore';
import type { EvalRecord, RunRecord, SweepTag, TrainEvent } from '../types';

export interface TrainOptions {
  store: RunStore;
  /** A run already created in the store (status 'queued') to train into, instead of creating one. */
  runId?: string;
  signal?: AbortSignal;
  /** Minimum milliseconds between progress events. */
  progressEveryMs?: number;
  /** Tags a run this call creates as a point of a sweep (a run given by runId keeps its own tag). */
  sweep?: SweepTag;
}

export const DEFAULT_STEPS = 1000;

export function resolveTotalSteps(cfg: RunConfig, trainCount: number): number {
  const t = cfg.training;
  if (t.steps !== undefined) return t.steps;
  if (t.epochs !== undefined) {
    const bs = t.batchSize <= 0 || t.batchSize >= trainCount ? trainCount : t.batchSize;
    return t.epochs * Math.max(1, Math.floor(trainCount / bs));
  }
  return DEFAULT_STEPS;
}

/** Everything that can be checked before a run folder is created. */
export function prepareRun(input: unknown): { config: RunConfig; data: Dataset; totalSteps: number } {
  const config = parseRunConfig(input);
  const data = loadDataset(config.data.source);
  const classes = data.classNames.length;
  const layers = config.network.layers;
  const out = layers[layers.length - 1].units;
  if (out < classes) {
    throw new ConfigError(
      `network.layers.${layers.length - 1}.units: the output layer has ${out} units but the data set has ${classes} classes: use at least ${classes}`,
    );
  }
  if (data.train.count === 0) throw new ConfigError('data: the training split is empty: add training images or change the split');
  checkMemory(config, data.height * data.width, data.train.count, data.test.count);
  return { config, data, totalSteps: resolveTotalSteps(config, data.train.count) };
}

export function engineVersions(backend: string): Record<string, string> {
  return { app: appPackage().version, tfjs: tf.version.tfjs, node: process.versions.node, backend, platform: `${os.platform()}-${os.arch()}` };
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Runs one training run. Validation errors are thrown before anything is
 * written; once the run exists every outcome ends in a 'finished' event and a
 * final status in the store.
 */
export async function* trainRun(input: unknown, opts: TrainOptions): AsyncGenerator<TrainEvent, RunRecord> {
  const { config, data, totalSteps } = prepareRun(input);
  const backend = await initBackend();
  const { store, signal } = opts;
  const progressEveryMs = opts.progressEveryMs ?? 200;
  const versions = engineVersions(backend);
  const dataInfo = describeDataset(data);
  const id = opts.runId
    ? store.updateRun(opts.runId, {
        status: 'running',
        config,
        totalSteps,
        backend,
        versions,
        dataInfo,
        pid: process.pid,
        host: os.hostname(),
        startedAt: new Date().toISOString(),
      }).id
    : store.updateRun(store.createRun(config, { totalSteps, backend, versions, ...(opts.sweep ? { sweep: opts.sweep } : {}) }).id, { dataInfo }).id;
  yield { type: 'started', runId: id, backend, totalSteps };

  const dim = data.height * data.width;
  const classes = config.network.layers[config.network.layers.length - 1].units;
  const quirks = config.loss.referenceQuirks;
  const settings: LossSettings = {
    lambdas: config.network.layers.map((l) => l.lambda),
    lambdaOrt: config.loss.lambdaOrt,
    reduction: config.loss.reduction,
    quirks,
  };
  const t = config.training;
  const rootRng = new Rng(config.seed);
  const net: Network = buildNetwork(dim, config.network.layers, config.seed);
  const shuffleRng = rootRng.fork(1);
  const sripRng = rootRng.fork(2);
  const trainImages = scaleImages(data.train.images, config.data.scale);
  const testImages = scaleImages(data.test.images, config.data.scale);
  const batches = new BatchSource(trainImages, data.train.labels, dim, classes, t.batchSize, shuffleRng);
  const test: SplitTensors = { x: tf.tensor2d(testImages, [data.test.count, dim]), labels: data.test.labels };
  const optimizer = makeOptimizer(t.optimizer);
  const vars = trainableVariables(net);
  const samples = Math.min(t.backwardSamples, data.test.count);
  const hi = dataMax(config.data.scale);
  const png = (v: Float32Array, i: number) => encodeGreyPng(v.subarray(i * dim, (i + 1) * dim), data.width, data.height, 0, hi);

  const sripVectors = (): tf.Tensor2D[] | null => {
    if (settings.lambdaOrt <= 0) return null;
    return config.network.layers.map((l) => {
      const u = new Float32Array(l.units);
      for (let i = 0; i < u.length; i++) u[i] = sripRng.normal();
      return tf.tensor2d(u, [l.units, 1]);
    });
  };

  /**
   * One optimisation step; returns [ce, rr..., ort, total] when asked (kept;
   * caller disposes). Nothing is read back from the backend here.
   */
  const step = (wantParts: boolean): tf.Tensor1D | null => {
    const batch = batches.next();
    let parts: tf.Tensor1D | null = null;
    tf.tidy(() => {
      const g = lossGradients(net, batch.x, batch.y, settings, sripVectors(), { wantParts, xT: batch.xT });
      if (g.parts) parts = tf.keep(g.parts);
      optimizer.apply(vars, g.grads);
      updateMovingStats(net, g.batchStats);
    });
    if (batch.owned) tf.dispose([batch.x, batch.y]);
    return parts;
  };

  /** Loss parts at step 0, before any update. */
  const initialParts = (): tf.Tensor1D => {
    const batch = batches.first();
    const parts = tf.tidy(() => {
      const p = computeLoss(net, batch.x, batch.y, settings, sripVectors());
      return tf.stack([p.ce, ...p.rr, p.ort, p.total]) as tf.Tensor1D;
    });
    if (batch.owned) tf.dispose([batch.x, batch.y]);
    return parts;
  };

  // Pool threads on or off, whichever trains faster on this machine right now.
  const sw = wasmThreadSwitch();
  const governor = sw ? new ThreadGovernor(sw) : null;

  const started = performance.now();
  let lastEvalTime = started;
  let lastEvalStep = 0;
  const evaluateAt = async (s: number, parts: tf.Tensor1D): Promise<EvalRecord> => {
    const v = Array.from(await parts.data());
    parts.dispose();
    // The training rate excludes the evaluation itself.
    const now = performance.now();
    const L = config.network.layers.length;
    const te = evaluateTest(net, test, quirks, samples);
    const rec: EvalRecord = {
      step: s,
      epoch: (s * batches.batchSize) / data.train.count,
      elapsed: (now - started) / 1000,
      stepsPerSec: s > lastEvalStep ? ((s - lastEvalStep) * 1000) / (now - lastEvalTime) : 0,
      loss: { ce: v[0], rr: v.slice(1, 1 + L), ort: v[1 + L], total: v[2 + L] },
      trainAccuracy: accuracy(net, trainImages, data.train.labels, quirks),
      testAccuracy: te.accuracy,
      testRecon: te.recon,
    };
    store.appendMetrics(id, rec);
    if (samples > 0)
      store.writeBackward(
        id,
        s,
        Array.from({ length: samples }, (_, i) => png(te.backward, i)),
      );
    lastEvalTime = performance.now();
    lastEvalStep = s;
    return rec;
  };

  let status: 'completed' | 'cancelled' | 'failed' | 'interrupted' = 'completed';
  let error: string | undefined;
  try {
    if (samples > 0)
      store.writeBackwardInputs(
        id,
        Array.from({ length: samples }, (_, i) => png(testImages, i)),
      );
    yield { type: 'evaluation', runId: id, record: await evaluateAt(0, initialParts()) };
    if (samples > 0) yield { type: 'backward', runId: id, step: 0 };
    let done = 0;
    let lastProgress = performance.now();
    let lastYield = lastProgress;
    for (let s = 1; s <= totalSteps; s++) {
      if (signal?.aborted) {
        // reason 'interrupted': the process that started the run is gone, not the user's choice.
        status = signal.reason === 'interrupted' ? 'interrupted' : 'cancelled';
        break;
      }
      done = s;
      const isEval = s % t.evalEvery === 0 || s === totalSteps;
      const parts = governor ? governor.time(() => step(isEval)) : step(isEval);
      if (isEval) {
        yield { type: 'evaluation', runId: id, record: await evaluateAt(s, parts!) };
        if (samples > 0) yield { type: 'backward', runId: id, step: s };
      }
      if ((t.checkpointEvery > 0 && s % t.checkpointEvery === 0) || s === totalSteps) {
        store.writeCheckpoint(id, s, serializeCheckpoint(net, s));
        yield { type: 'checkpoint', runId: id, step: s };
      }
      const now = performance.now();
      if (now - lastProgress >= progressEveryMs || s === totalSteps) {
        const rate = (s - lastEvalStep) / Math.max(1e-3, (now - lastEvalTime) / 1000);
        lastProgress = now;
        yield { type: 'progress', runId: id, step: s, totalSteps, stepsPerSec: s > lastEvalStep ? rate : 0 };
      }
      // Let cancellation and transport messages in without a per-step cost.
      if (now - lastYield > 25) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (status === 'cancelled' || status === 'interrupted') {
      // Keep the state reached, so that its SVD and images can still be studied.
      if (done > 0 && !store.get(id).checkpointSteps.includes(done)) store.writeCheckpoint(id, done, serializeCheckpoint(net, done));
      store.appendLog(id, `${status} after step ${done}`);
    }
  } catch (e) {
    status = 'failed';
    error = e instanceof Error ? e.message : String(e);
    store.appendLog(id, `failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  } finally {
    if (governor) {
      const g = governor.summary();
      store.appendLog(
        id,
        `wasm threads: ${g.threads}, pool on for ${(100 * g.pooledShare).toFixed(0)}% of ${g.steps} steps, ${g.switches} switches; ms/step single ${g.msPerStep.single.toFixed(2)}, pooled ${g.msPerStep.pooled.toFixed(2)}`,
      );
      sw!.set(true);
    }
    batches.dispose();
    test.x.dispose();
    optimizer.dispose();
    disposeNetwork(net);
  }
  store.finishRun(id, status, error);
  yield { type: 'finished', runId: id, status, ...(error ? { error } : {}) };
  return store.get(id);
}

/** Drains a run's events; convenient for tests and scripts. */
export async function trainToEnd(input: unknown, opts: TrainOptions, onEvent?: (e: TrainEvent) => void): Promise<RunRecord> {
  const it = trainRun(input, opts);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    onEvent?.(r.value);
  }
}
