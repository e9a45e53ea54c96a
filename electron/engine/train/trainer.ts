// The training loop. It yields typed events (the CLI draws a progress bar from
// them, the training host forwards them to the UI) and persists everything in
// the run store as it goes, so a killed process leaves a valid run behind.
import * as os from 'node:os';
import { ConfigError, outputUnits, parseRunConfig, usesBatchNorm, type DataSource, type RunConfig } from '../config/schema';
import { backendVersions, initBackend } from '../backend';
import { loadDataset, describeDataset } from '../data/load';
import { dataMax, imageShape, scaleImages, valuesPerImage, type Dataset } from '../data/dataset';
import { lossSettings } from '../model/definition';
import { encodeCheckpoint, parseCheckpoint } from '../model/checkpoint';
import { decodeOptimizerState, encodeOptimizerState } from './optimizerFile';
import { initialParams } from '../model/params';
import { BatchSampler, effectiveBatchSize } from './batches';
import { createStepEngine, engineThreads } from './engines';
import { setupNet, type Evaluation, type SripVectors, type StepEngine } from './stepEngine';
import { sripSpecs } from '../model/layout';
import { netGeometry } from '../model/geometry';
import { infoPoint } from '../stats/infoPlane';
import { transferredParams } from './transfer';
import { phaseAt, phasesOf, pretrainSteps } from './phases';
import { pickByProbe, planProvider } from './provider';
import { providerName } from '../onnx/providers';
import { DivergedError, checkBlowUp, checkEvaluation, checkState } from './divergence';
import { encodeTestSet } from '../data/storedTestSet';
import { checkMemory } from './memoryBudget';
import { featureGridPng, imagePng } from './runImages';
import { Rng } from '../util/rng';
import { appPackage } from '../util/version';
import type { FinishStatus, RunStore } from '../store/runStore';
import { thisProcessAsOwner } from '../store/runOwner';
import type { BackendName, EvalRecord, RunRecord, SweepTag, TrainEvent } from '../types';
import { errorMessage } from '../util/errorMessage';

export interface TrainOptions {
  store: RunStore;
  /** A run already created in the store (status 'queued') to train into, instead of creating one. */
  runId?: string;
  signal?: AbortSignal;
  /** Minimum milliseconds between progress events. */
  progressEveryMs?: number;
  /** Continue run `runId` from its latest checkpoint instead of starting it (see resumePlan). */
  resume?: boolean;
  /** Tags a run this call creates as a point of a sweep (a run given by runId keeps its own tag). */
  sweep?: SweepTag;
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
  const pre = pretrainSteps(run.config);
  if (step < pre)
    throw new Error(
      `run "${id}" stopped during its layer-wise pretraining (checkpoint at step ${step} of ${pre}): only its task phase can be resumed (duplicate it to train again)`,
    );
  // Every backend keeps the step graph's one layout; versions before it kept tfjs's own.
  const saved = store.readOptimizerState(id, step);
  const savedKind = saved === null ? null : decodeOptimizerState(saved).kind;
  const legacy = savedKind === 'flat-adam' || savedKind === 'tfjs';
  const optimizer = savedKind !== null && !legacy;
  const kind = run.config.training.optimizer.kind;
  const restored = [
    'weights and biases',
    ...(run.config.network.layers.some(usesBatchNorm) ? ['batch-norm parameters and moving statistics'] : []),
    ...(optimizer ? [`${kind === 'adam' ? 'Adam' : kind} state (moments and step count)`] : []),
    'the order of the training batches' + (run.config.loss.lambdaOrt > 0 ? ' and the SRIP draws' : ''),
  ];
  const why = legacy ? `saved in the ${run.backend ?? 'tfjs'} backend's layout of an earlier version` : 'this checkpoint was saved without it';
  const reset = optimizer ? [] : [`${kind === 'adam' ? 'Adam' : kind} state (${why}): it starts afresh`];
  return { step, totalSteps: run.totalSteps, restored, reset };
}

export const DEFAULT_STEPS = 1000;

/** The task's steps (steps, or epochs converted), plus the layer-wise pretraining's before them. */
export function resolveTotalSteps(cfg: RunConfig, trainCount: number): number {
  const t = cfg.training;
  const task =
    t.steps ?? (t.epochs !== undefined ? t.epochs * Math.max(1, Math.floor(trainCount / effectiveBatchSize(t.batchSize, trainCount))) : DEFAULT_STEPS);
  return pretrainSteps(cfg) + task;
}

export interface PreparedRun {
  config: RunConfig;
  data: Dataset;
  totalSteps: number;
}

/** Everything that can be checked before a run folder is created; `load` lets several runs of one request share a data set. */
export function prepareRun(input: unknown, load: (source: DataSource) => Dataset = loadDataset): PreparedRun {
  return checkRun(parseRunConfig(input), load);
}

/** prepareRun of a config already parsed (by the contract): its data set loaded once, and checked against the network. */
export function checkRun(config: RunConfig, load: (source: DataSource) => Dataset = loadDataset): PreparedRun {
  const data = load(config.data.source);
  const classes = data.classNames.length;
  const layers = config.network.layers;
  const out = outputUnits(layers);
  if (out < classes) {
    throw new ConfigError(
      `network.layers.${layers.length - 1}.units: the output layer has ${out} units but the data set has ${classes} classes: use at least ${classes}`,
    );
  }
  if (data.train.count === 0) throw new ConfigError('data: the training split is empty: add training images or change the split');
  // Every layer's shape on this data (a kernel larger than its input, a pooling window that does not divide it, ...).
  netGeometry(imageShape(data), layers);
  checkMemory(config, imageShape(data), data.train.count, data.test.count);
  return { config, data, totalSteps: resolveTotalSteps(config, data.train.count) };
}

export function engineVersions(backend: BackendName): Record<string, string> {
  return { app: appPackage().version, ...backendVersions(backend), node: process.versions.node, backend, platform: `${os.platform()}-${os.arch()}` };
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
  const backend = await initBackend();
  // A forced GPU provider that cannot run here is refused now, before anything is written.
  const providers = backend === 'onnx' ? await planProvider() : null;
  const plan = opts.resume ? resumePlan(store, opts.runId!, { queued: true }) : null;
  const from = plan?.step ?? 0;
  // A transfer's source is checked (run, checkpoint, shapes) before the new run exists.
  const transfer = !plan && config.init ? transferredParams(store, config, imageShape(data)) : null;
  const progressEveryMs = opts.progressEveryMs ?? 200;
  const dim = valuesPerImage(data);
  const batchSize = effectiveBatchSize(config.training.batchSize, data.train.count);
  // Counted from the step graph once, recorded and handed to the engine.
  const threads = backend === 'onnx' ? engineThreads({ config, dim, image: imageShape(data), batchSize }) : 1;
  const versions = {
    ...engineVersions(backend),
    ...(backend === 'onnx' ? { onnxThreads: String(threads), onnxProvider: providers!.provider } : {}),
  };
  const dataInfo = describeDataset(data);
  const id = opts.runId
    ? store.updateRun(opts.runId, {
        status: 'running',
        config,
        totalSteps,
        backend,
        versions,
        dataInfo,
        ...thisProcessAsOwner(),
        ...(plan ? { error: undefined, finishedAt: undefined } : { startedAt: new Date().toISOString() }),
      }).id
    : store.updateRun(store.createRun(config, { totalSteps, backend, versions, ...(opts.sweep ? { sweep: opts.sweep } : {}) }).id, { dataInfo }).id;
  // Resuming: evaluations after the checkpoint are dropped; training continues from it.
  if (plan) store.rewindTo(id, from);
  const resumedElapsed = plan ? (store.readMetrics(id).at(-1)?.elapsed ?? 0) : 0;
  yield { type: 'started', runId: id, backend, totalSteps };

  const classes = outputUnits(config.network.layers);
  const settings = lossSettings(config);
  const t = config.training;
  const phases = phasesOf(config, totalSteps);
  const rootRng = new Rng(config.seed);
  // A resumed run starts from its checkpoint's parameters (and moving statistics).
  const params = plan
    ? parseCheckpoint(store.readCheckpoint(id, from)).params
    : (transfer?.params ?? initialParams(imageShape(data), config.network.layers, config.seed));
  if (transfer) logQuietly(store, id, transfer.note);
  const shuffleRng = rootRng.fork(1);
  const sripRng = rootRng.fork(2);
  const trainImages = scaleImages(data.train.images, config.data.scale);
  const testImages = scaleImages(data.test.images, config.data.scale);
  const batches = new BatchSampler(trainImages, data.train.labels, dim, classes, t.batchSize, shuffleRng);
  const samples = Math.min(t.backwardSamples, data.test.count);
  const hi = dataMax(config.data.scale);
  const png = (v: Float32Array, i: number) => imagePng(v.subarray(i * dim, (i + 1) * dim), data.channels ?? 1, data.width, data.height, 0, hi);
  const geometry = netGeometry(imageShape(data), config.network.layers);
  /** Channel grids of the reconstructed feature maps of each intermediate spatial layer's input, per sample. */
  const featureGrids = (features: Evaluation['features']): Map<number, Buffer[]> | undefined => {
    if (!features) return undefined;
    const out = new Map<number, Buffer[]>();
    for (const [k, v] of features) {
      const [c, h, w] = geometry[k].input;
      const n = c * h * w;
      out.set(
        k,
        Array.from({ length: samples }, (_, i) => featureGridPng(v.subarray(i * n, (i + 1) * n), c, h, w)),
      );
    }
    return out;
  };
  const setup = {
    config,
    settings,
    dim,
    image: imageShape(data),
    classes,
    batchSize: batches.batchSize,
    params,
    train: { images: trainImages, labels: data.train.labels },
    test: { images: testImages, labels: data.test.labels },
    samples,
    infoRows: t.infoPlane?.samples ?? 0,
  };
  // One start vector per weight (geometry.ts), drawn in layer order.
  const sripShapes = sripSpecs(setupNet(setup)).map((u) => u.shape);
  let engine: StepEngine;
  if (providers?.candidates.length) {
    // Fixed vectors: the probe must not draw from the run's SRIP generator.
    const probeSrip = settings.lambdaOrt > 0 ? sripShapes.map(([n]) => new Float32Array(n).fill(1 / Math.sqrt(n))) : null;
    const pick = await pickByProbe((p) => createStepEngine(backend, setup, p, threads), providers.candidates, batches.first(), probeSrip);
    engine = pick.engine;
    store.updateRun(id, { versions: { ...store.get(id).versions, onnxProvider: pick.provider, onnxProbe: pick.why } });
    logQuietly(store, id, `execution provider ${providerName(pick.provider)}: ${pick.why}`);
  } else {
    engine = await createStepEngine(backend, setup, providers?.provider, threads);
    if (providers?.notice) logQuietly(store, id, providers.notice);
  }
  /** A checkpoint and, beside it, the optimizer's state (the latest only): what a resumed run needs. */
  const checkpoint = async (s: number): Promise<void> => {
    store.writeCheckpoint(id, s, encodeCheckpoint(dim, config.network.layers, engine.params(), s));
    const state = await engine.exportOptimizerState();
    if (state) store.writeOptimizerState(id, s, encodeOptimizerState(state));
  };

  const sripVectors = (): SripVectors => {
    if (settings.lambdaOrt <= 0) return null;
    return sripShapes.map(([n]) => {
      const u = new Float32Array(n);
      for (let i = 0; i < u.length; i++) u[i] = sripRng.normal();
      return u;
    });
  };

  if (plan) {
    // The state at the checkpoint, and every random draw up to it replayed: the run goes on as if it had never stopped.
    const saved = store.readOptimizerState(id, from);
    if (saved && !plan.reset.length) await engine.importOptimizerState(decodeOptimizerState(saved));
    batches.skip(from);
    for (let i = 0; i <= from; i++) sripVectors(); // step 0's loss and every step to the checkpoint
    logQuietly(
      store,
      id,
      `resumed from the checkpoint at step ${from} of ${totalSteps}: restored ${plan.restored.join(', ')}${plan.reset.length ? `; not restored: ${plan.reset.join(', ')}` : ''}`,
    );
  }

  const started = performance.now() - resumedElapsed * 1000;
  let lastEvalTime = performance.now();
  let lastEvalStep = from;
  /** The last measured rate, reported right after an evaluation (when no step has been timed since). */
  let lastRate = 0;
  /** The run's first evaluation (step 0; on resume, read back): what a blow-up is measured against. */
  let first: EvalRecord | undefined = plan ? store.readMetrics(id)[0] : undefined;
  const evaluateAt = async (s: number, v: number[]): Promise<EvalRecord> => {
    // The training rate excludes the evaluation itself.
    const now = performance.now();
    const L = config.network.layers.length;
    const ev = await engine.evaluate();
    const rec: EvalRecord = {
      step: s,
      epoch: (s * batches.batchSize) / data.train.count,
      elapsed: (now - started) / 1000,
      stepsPerSec: s > lastEvalStep ? ((s - lastEvalStep) * 1000) / (now - lastEvalTime) : 0,
      loss: { ce: v[0], rr: v.slice(1, 1 + L), ort: v[1 + L], total: v[2 + L] },
      trainAccuracy: ev.trainAccuracy,
      testAccuracy: ev.testAccuracy,
      testRecon: ev.testRecon,
      ...(ev.activations && t.infoPlane ? { infoPlane: infoPlaneOf(ev.activations, data.test.labels, t.infoPlane.bins) } : {}),
    };
    checkEvaluation(rec, config); // a non-finite evaluation is not recorded: the run ends diverged here
    store.appendMetrics(id, rec);
    if (samples > 0)
      store.writeBackward(
        id,
        s,
        Array.from({ length: samples }, (_, i) => png(ev.backward, i)),
        featureGrids(ev.features),
      );
    lastEvalTime = performance.now();
    lastEvalStep = s;
    if (rec.stepsPerSec > 0) lastRate = rec.stepsPerSec;
    // Finite, so recorded (with its images) for study; the run ends diverged here all the same.
    first ??= rec;
    checkBlowUp(rec, first, config);
    return rec;
  };

  let status: FinishStatus = 'completed';
  let error: string | undefined;
  store.reserveSpace(id);
  try {
    // An image folder may move or change: the run keeps the test split its SVD alignment needs.
    if (config.data.source.kind === 'folder')
      store.writeTestSet(id, encodeTestSet({ height: data.height, width: data.width, channels: data.channels, test: data.test }));
    if (!plan) {
      if (samples > 0)
        store.writeBackwardInputs(
          id,
          Array.from({ length: samples }, (_, i) => png(testImages, i)),
        );
      // Loss parts at step 0, before any update.
      yield { type: 'evaluation', runId: id, record: await evaluateAt(0, await engine.lossParts(batches.first(), sripVectors())) };
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
      const phase = phaseAt(phases, s);
      if (s === phase.start) {
        engine.startPhase();
        if (phases.length > 1) logQuietly(store, id, `phase: ${phase.label}, steps ${phase.start}-${phase.end}`);
      }
      const batch = batches.next();
      const u = sripVectors();
      let parts: number[] | null;
      let checksum: number;
      if (phase.kind === 'pretrain') {
        ({ checksum } = await engine.pretrainStep(phase.layer!, batch, false));
        // Evaluations record the task's loss parts in every phase, for one chart across phases.
        parts = isEval ? await engine.lossParts(batch, u) : null;
      } else ({ parts, checksum } = await engine.step(batch, u, isEval));
      // Every step: a weight that is no longer finite stops the run here.
      checkState(checksum, s, config);
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
        yield { type: 'progress', runId: id, step: s, totalSteps, stepsPerSec: s > lastEvalStep ? rate : lastRate };
      }
      // Let cancellation and transport messages in without a per-step cost.
      if (now - lastYield > 25) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (status === 'cancelled' || status === 'interrupted') {
      // Keep the state reached, so that its SVD and images can still be studied.
      try {
        if (done > 0 && !store.get(id).checkpointSteps.includes(done)) await checkpoint(done);
      } catch (e) {
        logQuietly(store, id, `the state at step ${done} could not be kept: ${describeError(e, store)}`);
      }
      logQuietly(store, id, `${status} after step ${done}`);
    }
  } catch (e) {
    // The last metrics and checkpoint (all finite) stay, for study and export.
    status = e instanceof DivergedError ? 'diverged' : 'failed';
    error = describeError(e, store);
    logQuietly(store, id, status === 'diverged' ? error : `failed: ${e instanceof Error ? (e.stack ?? e.message) : error}`);
  } finally {
    const report = engine.threadReport();
    if (report) logQuietly(store, id, report);
    engine.dispose();
  }
  store.releaseSpace(id);
  store.finishRun(id, status, error);
  yield { type: 'finished', runId: id, status, ...(error ? { error } : {}) };
  return store.get(id);
}

/** One line; a full or read-only disk is named as such, with the fix. */
function describeError(e: unknown, store: RunStore): string {
  const message = errorMessage(e);
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `the disk holding ${store.workspace} is full (${message}): free some space, then train again`;
  if (code === 'EROFS') return `the workspace ${store.workspace} is read-only (${message}): choose a writable workspace`;
  return message;
}

/**
 * The log is an aid: on a full disk, a failed log line must not keep the run
 * from being marked failed (run.json is then written into the space set aside
 * by reserveSpace).
 */
/** I(X;T) and I(T;Y) of every layer and reconstruction, against the labels of the rows they were computed on. */
function infoPlaneOf(a: NonNullable<Evaluation['activations']>, labels: Int32Array, bins: number): NonNullable<EvalRecord['infoPlane']> {
  const y = labels.subarray(0, a.rows);
  const point = (t: Float32Array) => infoPoint(t, y, bins);
  return { bins, samples: a.rows, forward: a.forward.map(point), reverse: a.reverse.map(point) };
}

function logQuietly(store: RunStore, id: string, line: string): void {
  try {
    store.appendLog(id, line);
  } catch {
    /* the status and error in run.json carry the outcome */
  }
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
