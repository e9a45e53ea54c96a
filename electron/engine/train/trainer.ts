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
import { parseCheckpoint, restoreNetwork, serializeCheckpoint } from '../model/checkpoint';
import { BatchSource } from './batches';
import { accuracy, evaluateTest, type SplitTensors } from './evaluate';
import { makeOptimizer, parseOptimizerState, serializeOptimizerState } from './optimizers';
import { ThreadGovernor } from './threadGovernor';
import { checkMemory } from './memoryBudget';
import { encodeGreyPng } from '../util/png';
import { Rng } from '../util/rng';
import { appPackage } from '../util/version';
import type { RunStore } from '../store/runStore';
import type { EvalRecord, RunRecord, TrainEvent } from '../types';

export interface TrainOptions {
  store: RunStore;
  /** A run already created in the store (status 'queued') to train into, instead of creating one. */
  runId?: string;
  signal?: AbortSignal;
  /** Minimum milliseconds between progress events. */
  progressEveryMs?: number;
  /** Continue run `runId` from its latest checkpoint instead of starting it (see resumePlan). */
  resume?: boolean;
}

/** Statuses a run can be resumed from: it stopped before its last step without an error of its own. */
export const RESUMABLE: readonly RunRecord['status'][] = ['cancelled', 'interrupted'];

export interface ResumePlan {
  /** The checkpoint step training continues from. */
  step: number;
  totalSteps: number;
  /** What is restored, in words (the UI and the run's log say it). */
  restored: string[];
  /** What starts afresh (empty when nothing does). */
  reset: string[];
}

/**
 * What resuming a run would do, or a one-line error saying why it cannot be
 * resumed. `queued`: the run was queued to resume (the engine service sets
 * that status before its training process takes the run over).
 */
export function resumePlan(store: RunStore, id: string, opts: { queued?: boolean } = {}): ResumePlan {
  const run = store.get(id);
  if (!RESUMABLE.includes(run.status) && !(opts.queued && run.status === 'queued'))
    throw new Error(`run "${id}" is ${run.status}: only a cancelled or interrupted run can be resumed (duplicate it to train again)`);
  const step = store.latestCheckpointStep(id);
  if (step === null) throw new Error(`run "${id}" has no checkpoint to resume from: it stopped before its first one (duplicate it to train again)`);
  if (step >= run.totalSteps) throw new Error(`run "${id}" already has a checkpoint at its last step (${run.totalSteps}): nothing left to train`);
  const optimizer = store.readOptimizerState(id, step) !== null;
  const kind = run.config.training.optimizer.kind;
  const restored = [
    'weights and biases',
    ...(run.config.network.layers.some((l) => l.batchNorm) ? ['batch-norm parameters and moving statistics'] : []),
    ...(optimizer ? [`${kind === 'adam' ? 'Adam' : kind} state (moments and step count)`] : []),
    'the order of the training batches' + (run.config.loss.lambdaOrt > 0 ? ' and the SRIP draws' : ''),
  ];
  const reset = optimizer ? [] : [`${kind === 'adam' ? 'Adam' : kind} state (this checkpoint was saved without it): it starts afresh`];
  return { step, totalSteps: run.totalSteps, restored, reset };
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
  const { store, signal } = opts;
  if (opts.resume && !opts.runId) throw new Error('resume: say which run (runId)');
  const plan = opts.resume ? resumePlan(store, opts.runId!, { queued: true }) : null;
  const from = plan?.step ?? 0;
  const backend = await initBackend();
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
        ...(plan ? { error: undefined, finishedAt: undefined } : { startedAt: new Date().toISOString() }),
      }).id
    : store.updateRun(store.createRun(config, { totalSteps, backend, versions }).id, { dataInfo }).id;
  // Resuming: evaluations after the checkpoint are dropped; training continues from it.
  if (plan) store.rewindTo(id, from);
  const resumedElapsed = plan ? (store.readMetrics(id).at(-1)?.elapsed ?? 0) : 0;
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

  /** The random start vectors of SRIP's power iteration, drawn afresh at every step. */
  const sripDraw = (): Float32Array[] | null => {
    if (settings.lambdaOrt <= 0) return null;
    return config.network.layers.map((l) => {
      const u = new Float32Array(l.units);
      for (let i = 0; i < u.length; i++) u[i] = sripRng.normal();
      return u;
    });
  };
  const sripVectors = (): tf.Tensor2D[] | null => sripDraw()?.map((u) => tf.tensor2d(u, [u.length, 1])) ?? null;

  /** A checkpoint and, beside it, the optimizer's state (the latest only): what a resumed run needs. */
  const checkpoint = async (s: number): Promise<void> => {
    store.writeCheckpoint(id, s, serializeCheckpoint(net, s));
    const state = await optimizer.exportState(vars);
    if (state) store.writeOptimizerState(id, s, serializeOptimizerState(state));
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

  if (plan) {
    // The state at the checkpoint, and every random draw up to it replayed: the run goes on as if it had never stopped.
    restoreNetwork(net, parseCheckpoint(store.readCheckpoint(id, from)));
    const saved = store.readOptimizerState(id, from);
    if (saved) await optimizer.importState(vars, parseOptimizerState(saved));
    batches.skip(from);
    for (let i = 0; i <= from; i++) sripDraw(); // step 0's loss and every step to the checkpoint
    store.appendLog(
      id,
      `resumed from the checkpoint at step ${from} of ${totalSteps}: restored ${plan.restored.join(', ')}${plan.reset.length ? `; not restored: ${plan.reset.join(', ')}` : ''}`,
    );
  }

  const started = performance.now() - resumedElapsed * 1000;
  let lastEvalTime = performance.now();
  let lastEvalStep = from;
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
    if (!plan) {
      if (samples > 0)
        store.writeBackwardInputs(
          id,
          Array.from({ length: samples }, (_, i) => png(testImages, i)),
        );
      yield { type: 'evaluation', runId: id, record: await evaluateAt(0, initialParts()) };
      if (samples > 0) yield { type: 'backward', runId: id, step: 0 };
    }
    let done = from;
    let lastProgress = performance.now();
    let lastYield = lastProgress;
    for (let s = from + 1; s <= totalSteps; s++) {
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
        await checkpoint(s);
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
      if (done > 0 && !store.get(id).checkpointSteps.includes(done)) await checkpoint(done);
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
