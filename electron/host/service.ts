// The engine behind the contract: the run store, a queue of runs each trained
// in a training process of its own (one at a time; sweep points and the
// reference runs of a reproduction as many at once as fit the cores; a sweep
// point waits as its sweep and index and gets its run folder when it starts), and SVDs
// and figure-bundle exports on worker threads, each kind one at a time
// (threadJobs.ts). It runs in the engine process
// (engineProcess.ts), never in the process that serves the UI, and knows
// nothing of Electron or WebSockets; transports validate with parseRequest and
// relay to handle().
//
// One writer per run: a queued run's run.json is written here; from the moment
// its training process is told to train until that process has ended, only the
// training process writes it, and the user's edits are sent to it.
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Channel, EngineEvent, EngineHandler, ResultOf, RunSummary, PayloadOf } from '../contract/contract';
import { availableBackends } from '../engine/backend';
import { PRESETS, REFERENCE_RUNS } from '../engine/presets';
import { infoPlaneEvaluations } from '../figures/infoPlaneChart';
import { RunStore } from '../engine/store/runStore';
import type { RunEdit } from '../engine/store/runEdit';
import { ownedByThisProcess, thisProcessAsOwner } from '../engine/store/runOwner';
import { openWorkspace } from '../engine/store/workspace';
import { loadUiState, saveUiState } from '../engine/store/uiState';
import { backwardPath, featurePath, timeStamp, workspaceRef } from '../engine/store/layout';
import { imageShape } from '../engine/data/dataset';
import { netGeometry } from '../engine/model/geometry';
import { resumePlan } from '../engine/train/trainer';
import { errorMessage } from '../engine/util/errorMessage';
import type { RunRecord, SweepTag, TrainEvent } from '../engine/types';
import { sweepPoint, type SweepSpec } from '../engine/sweep/spec';
import type { RunConfig } from '../engine/config/schema';
import { SweepHandlers } from './sweeps';
import { StudyRunner } from './studies';
import { STUDY_DEFAULTS } from '../engine/study/transferStudy';
import { appPackage } from '../engine/util/version';
import { FIGURE_NAMES } from '../export/options';
import type { SpawnTraining, TrainingHandle } from './trainingProtocol';
import { forkTrainingProcess } from './forkTrainingProcess';
import { ThreadJobs } from './threadJobs';
import type { PrepareManyResult, PrepareThreadResult } from './prepareThread';
import type { DataShapeThreadResult } from './dataShapeThread';
import type { StatsThreadResult } from './statsThread';
import { callThread } from './threadCall';

export interface ServiceOptions {
  workspace: string;
  mode: 'electron' | 'browser';
  /** Starts a training process; defaults to child_process.fork of trainingProcess.js. */
  spawnTrainingProcess?: SpawnTraining;
  /** Grace period for a cancelled run to stop by itself before its process is killed. */
  cancelGraceMs?: number;
  /** How long an edit waits for the training process to apply it. */
  editTimeoutMs?: number;
  /** Training processes at once for sweep points (default: one per core); other runs train one at a time. */
  maxParallel?: number;
}

interface PendingEdit {
  edit: RunEdit;
  resolve(run: RunRecord): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** A run in the queue (its folder exists, status queued). */
interface QueuedRun {
  id: string;
  /** May train beside others (the reference runs of a reproduction), up to maxParallel. */
  parallel: boolean;
  /** Continue from the last checkpoint. */
  resume?: boolean;
}

/** A sweep point in the queue: no run folder until it starts (its config is built again from the sweep then). */
interface QueuedPoint {
  point: SweepTag;
  spec: SweepSpec;
  totalSteps: number;
  parallel: true;
}

type Queued = QueuedRun | QueuedPoint;
const isRun = (q: Queued): q is QueuedRun => 'id' in q;

interface Active {
  id: string;
  training: TrainingHandle;
  finished: boolean;
  exited: boolean;
  /** Resolves when the training process has exited (it writes its run until then). */
  gone: Promise<void>;
  cancelTimer?: NodeJS.Timeout;
  edits: Map<number, PendingEdit>;
}

/** How long a listing serves the next pages of runs.list when this engine changed nothing. */
const LISTING_MS = 1000;

export class EngineService implements EngineHandler {
  private store: RunStore;
  private readonly events = new EventEmitter();
  /** Runs and sweep points waiting for a training process, in order. */
  private queue: Queued[] = [];
  private readonly active = new Map<string, Active>();
  private readonly sweeps: SweepHandlers;
  private readonly studies: StudyRunner;
  private readonly spawnTrainingProcess: SpawnTraining;
  /** SVDs and exports on worker threads, one of each kind at a time. */
  private readonly threads: ThreadJobs;
  private nextEditId = 1;

  constructor(private readonly opts: ServiceOptions) {
    this.store = new RunStore(opts.workspace);
    this.spawnTrainingProcess = opts.spawnTrainingProcess ?? (() => forkTrainingProcess());
    this.events.setMaxListeners(100);
    this.threads = new ThreadJobs(
      () => this.store,
      (e) => this.emit(e),
    );
    this.recoverQueued();
    this.studies = new StudyRunner({
      store: () => this.store,
      enqueue: (config, totalSteps) => this.enqueue(config, totalSteps, true),
      ended: (e) => this.emit({ type: 'study', ...e }),
    });
    this.sweeps = new SweepHandlers({
      store: () => this.store,
      enqueuePoints: (sweep, points) => {
        for (const p of points) this.queue.push({ point: { id: sweep.id, point: p.index }, spec: sweep, totalSteps: p.totalSteps, parallel: true });
        this.pump();
      },
      queuedPoints: (id) => new Set(this.queue.flatMap((q) => (!isRun(q) && q.point.id === id ? [q.point.point] : []))),
      dropPoints: (id) => {
        const before = this.queue.length;
        this.queue = this.queue.filter((q) => isRun(q) || q.point.id !== id);
        return before - this.queue.length;
      },
      cancelRun: (id) => {
        if (!this.queuedRun(id) && !this.active.has(id)) return false;
        this.cancel(id);
        return true;
      },
      changed: () => this.emit({ type: 'runs.changed' }),
    });
  }

  /** A run in the queue; reference runs being reproduced may train several at once. */
  private enqueue(config: RunConfig, totalSteps: number, parallel = false): string {
    const id = this.createQueuedRun(config, totalSteps);
    this.queue.push({ id, parallel });
    this.pump();
    return id;
  }

  private createQueuedRun(config: RunConfig, totalSteps: number, sweep?: SweepTag): string {
    const rec = this.store.createRun(config, { totalSteps, backend: null, versions: {}, ...(sweep ? { sweep } : {}) });
    this.store.updateRun(rec.id, { status: 'queued', ...thisProcessAsOwner() });
    return rec.id;
  }

  private queuedRun(id: string): boolean {
    return this.queue.some((q) => isRun(q) && q.id === id);
  }

  get workspace(): string {
    return this.store.workspace;
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private emit(e: EngineEvent): void {
    // Anything this engine changes shows in the next listing at once.
    this.listing = null;
    this.events.emit('event', e);
  }

  /** The last listing, shared by the pages a client asks for one after another (10,000 runs are 20 pages). */
  private listing: { at: number; list: ReturnType<RunStore['list']> } | null = null;

  /** Runs written by other processes (the CLI, a cluster) show within LISTING_MS. */
  private list(): ReturnType<RunStore['list']> {
    const now = Date.now();
    if (!this.listing || now - this.listing.at > LISTING_MS) this.listing = { at: now, list: this.store.list() };
    return this.listing.list;
  }

  /** Runs queued by a process that is gone never started: mark them as interrupted. */
  private recoverQueued(): void {
    for (const run of this.store.list().runs) {
      if (run.status === 'queued' && !ownedByThisProcess(run)) this.store.updateRun(run.id, { status: 'interrupted' });
    }
  }

  async handle<C extends Channel>(channel: C, payload: PayloadOf<C>): Promise<ResultOf<C>> {
    const h = this.handlers[channel] as (p: PayloadOf<C>) => Promise<ResultOf<C>> | ResultOf<C>;
    return h(payload);
  }

  private readonly handlers: { [C in Channel]: (p: PayloadOf<C>) => Promise<ResultOf<C>> | ResultOf<C> } = {
    'app.info': () => ({
      version: appPackage().version,
      backend: (process.env.RACECAR_BACKEND as ResultOf<'app.info'>['backend']) ?? availableBackends()[0] ?? null,
      backends: availableBackends(),
      workspace: this.store.workspace,
      platform: `${os.platform()}-${os.arch()}`,
      mode: this.opts.mode,
    }),
    'presets.list': () => ({ presets: PRESETS.map((r) => ({ id: r.id, label: r.label, description: r.description, config: r.config })) }),
    'runs.list': ({ offset = 0, limit }) => {
      // run.json alone: each run's writer keeps its latest evaluation there.
      const { runs, problems } = this.list();
      const page = runs.slice(offset, limit === undefined ? undefined : offset + limit);
      const summaries: RunSummary[] = page.map((run) => ({ run, last: run.last ?? null }));
      return { runs: summaries, total: runs.length, problems, queue: this.queue.flatMap((q) => (isRun(q) ? [q.id] : [])) };
    },
    'runs.get': ({ id }) => ({ run: this.store.get(id), metrics: this.store.readMetrics(id) }),
    'runs.infoPlane': ({ ids }) => ({ runs: ids.map((id) => (this.store.get(id), { id, evaluations: infoPlaneEvaluations(this.store.readMetrics(id)) })) }),
    'runs.validate': ({ config }) => callThread<PrepareThreadResult>('prepareThread.js', { config, workspace: this.store.workspace }),
    'data.shape': async ({ source }) => {
      const r = await callThread<DataShapeThreadResult>('dataShapeThread.js', { source });
      if (!r.ok) throw new Error(r.error);
      return { shape: r.shape, classes: r.classes };
    },
    'reproduce.start': async () => {
      // The six reference runs, as `racecar reproduce` trains them: every config checked before a run folder exists, on a thread (as runs.validate).
      const p = await callThread<PrepareManyResult>('prepareThread.js', { configs: REFERENCE_RUNS.map((ref) => ref.config) });
      if (!p.ok) throw new Error(p.error);
      const ids = p.runs.map((r) => this.enqueue(r.config, r.totalSteps, true));
      this.emit({ type: 'runs.changed' });
      return { ids };
    },
    'runs.start': async ({ config }) => {
      // Parsed by the contract; everything else checkable is checked before a run folder exists (on a thread: a large data set takes seconds).
      const p = await callThread<PrepareThreadResult>('prepareThread.js', { config, workspace: this.store.workspace });
      if (!p.ok) throw new Error(p.error);
      const id = this.enqueue(p.config, p.totalSteps);
      this.emit({ type: 'runs.changed' });
      return { id };
    },
    'runs.cancel': ({ id }) => this.cancel(id),
    'runs.rename': async ({ id, name }) => {
      const run = await this.edit(id, { name });
      this.emit({ type: 'runs.changed' });
      return { run };
    },
    'runs.annotate': async ({ id, tags, notes }) => {
      const run = await this.edit(id, { ...(tags !== undefined ? { tags } : {}), ...(notes !== undefined ? { notes } : {}) });
      this.emit({ type: 'runs.changed' });
      return { run };
    },
    'runs.resume': ({ id }) => {
      // A training process that has finished may still be exiting; it writes nothing more.
      const a = this.active.get(id);
      if ((a && !a.finished) || this.queuedRun(id)) throw new Error(`run "${id}" is already queued or running`);
      // Checked before it is queued: a cancelled or interrupted run with a checkpoint before its last step.
      const plan = resumePlan(this.store, id);
      this.store.updateRun(id, { status: 'queued', ...thisProcessAsOwner() });
      this.queue.push({ id, parallel: false, resume: true });
      this.emit({ type: 'runs.changed' });
      this.pump();
      return { id, step: plan.step, restored: plan.restored, reset: plan.reset };
    },
    'runs.delete': async ({ id }) => {
      const a = this.active.get(id);
      if (this.queuedRun(id) || (a && !a.finished && a.cancelTimer === undefined))
        throw new Error(`run "${id}" is queued or running: cancel it before deleting it`);
      // Cancelled or finished, its training process is still ending (and writing): the delete waits for it.
      await a?.gone;
      if (this.threads.exportReads(id)) throw new Error(`run "${id}" is being exported: wait for the export to end (or cancel it), then delete the run`);
      this.store.delete(id);
      this.emit({ type: 'runs.changed' });
      return { id };
    },
    'runs.duplicate': ({ id }) => ({ config: this.store.duplicateConfig(id) }),
    'runs.backward': ({ id, step }) => {
      const run = this.store.get(id);
      if (!run.backwardSteps.includes(step)) {
        throw new Error(`run "${id}" has no backward images at step ${step}: available steps are ${run.backwardSteps.join(', ') || 'none yet'}`);
      }
      const ws = this.store.workspace;
      const n = Math.min(run.config.training.backwardSamples, run.dataInfo?.testCount ?? 0);
      const refs = (s: number | 'inputs') => Array.from({ length: n }, (_, i) => workspaceRef(ws, backwardPath(ws, id, s, i)));
      // Each intermediate spatial layer's reconstructed input, as one channel grid per sample (written with the step's images).
      const geometry = run.featureLayers?.length && run.dataInfo ? netGeometry(imageShape(run.dataInfo), run.config.network.layers) : [];
      const features = (run.featureLayers ?? [])
        .filter((k) => geometry[k]?.input.length === 3)
        .map((k) => ({
          layer: k,
          shape: geometry[k]!.input as [number, number, number],
          images: Array.from({ length: n }, (_, i) => workspaceRef(ws, featurePath(ws, id, step, k, i))),
        }));
      return { step, steps: run.backwardSteps, inputs: refs('inputs'), outputs: refs(step), features };
    },
    'runs.stats': async ({ ids }) => {
      const r = await callThread<StatsThreadResult>('statsThread.js', { workspace: this.store.workspace, ids });
      if (!r.ok) throw new Error(r.error);
      return r.stats;
    },
    'svd.get': ({ id, layer, step }) => this.threads.svd(id, layer, step),
    'svd.vectors': ({ id, layer, step, indices }) => this.threads.vectors(id, layer, step, indices),
    'svd.scores': ({ ids }) => ({ scores: ids.map((id) => this.threads.cachedScore(id)) }),
    'workspace.set': ({ path: dir }) => {
      // A training process that has finished may still be exiting; it only writes its own run, in the old workspace.
      if ([...this.active.values()].some((a) => !a.finished) || this.queue.length)
        throw new Error('a run is queued or running: wait for it or cancel it before changing the workspace');
      this.threads.checkIdle();
      this.store = new RunStore(openWorkspace(dir));
      this.recoverQueued();
      this.emit({ type: 'runs.changed' });
      return { workspace: this.store.workspace };
    },
    'ui.load': () => ({ state: loadUiState(this.store.workspace) }),
    'ui.save': ({ state }) => (saveUiState(this.store.workspace, state), {}),
    'export.defaults': () => ({ out: path.join(this.store.workspace, 'exports', `${timeStamp()}.zip`), figures: [...FIGURE_NAMES] }),
    'export.bundle': (p) => this.threads.exportBundle(p),
    'sweeps.list': () => this.sweeps.list(),
    'study.transfer': (o) => {
      const r = this.studies.start({ ...STUDY_DEFAULTS, ...o });
      this.emit({ type: 'runs.changed' });
      return r;
    },
    'sweeps.get': ({ id }) => this.sweeps.get(id),
    'sweeps.validate': ({ spec }) => this.sweeps.validate(spec),
    'sweeps.start': ({ spec }) => this.sweeps.start(spec),
    'sweeps.resume': ({ id }) => this.sweeps.resume(id),
    'sweeps.cancel': ({ id }) => this.sweeps.cancel(id),
    // The engine's host (EngineClient) answers it; an engine running inside the caller's own process has none to restart.
    'engine.restart': () => {
      throw new Error('engine.restart: this engine runs inside this process, not in an engine process of its own: restart the program');
    },
    'export.cancel': () => ({ cancelled: this.threads.cancelExport() }),
  };

  /** Cancels a queued run at once, a running one through its training process (killed if it does not stop within the grace period). */
  private cancel(id: string): ResultOf<'runs.cancel'> {
    const q = this.queue.findIndex((x) => isRun(x) && x.id === id);
    if (q >= 0) {
      const [item] = this.queue.splice(q, 1) as [QueuedRun];
      this.store.finishRun(id, 'cancelled', item.resume ? 'cancelled before it resumed' : 'cancelled before it started');
      this.emit({ type: 'runs.changed' });
      this.studies.onFinished(id, 'cancelled');
      return { id, status: 'cancelled' as const };
    }
    const a = this.active.get(id);
    if (a && !a.finished) {
      a.training.send({ type: 'cancel' });
      a.cancelTimer = setTimeout(() => {
        if (!a.finished) a.training.kill();
      }, this.opts.cancelGraceMs ?? 15_000);
      return { id, status: 'running' as const };
    }
    const run = this.store.get(id);
    throw new Error(`run "${id}" is ${run.status}, not queued or running: nothing to cancel`);
  }

  /**
   * A user's edit of a run, applied by the run's one writer: its training
   * process while it trains, else this service. A run trained by another
   * process (the CLI, a cluster job) is refused until it has finished.
   */
  private edit(id: string, edit: RunEdit): Promise<RunRecord> {
    const a = this.active.get(id);
    if (a && !a.exited) {
      return new Promise<RunRecord>((resolve, reject) => {
        const requestId = this.nextEditId++;
        const timer = setTimeout(() => {
          a.edits.delete(requestId);
          reject(new Error(`run "${id}": its training process did not answer: try again`));
        }, this.opts.editTimeoutMs ?? 10_000);
        a.edits.set(requestId, { edit, resolve, reject, timer });
        a.training.send({ type: 'edit', requestId, runId: id, edit });
      });
    }
    const run = this.store.get(id);
    if (run.status === 'running') {
      const where = run.host && run.host !== os.hostname() ? ` on ${run.host}` : '';
      throw new Error(`run "${id}" is being trained by another process (pid ${run.pid}${where}): change it once it has finished`);
    }
    return Promise.resolve(this.store.applyEdit(id, edit));
  }

  /** Starts queued runs: a parallel one (sweep point, reference run) while fewer than maxParallel train, any other only when nothing trains. */
  private pump(): void {
    const max = Math.max(1, this.opts.maxParallel ?? os.availableParallelism());
    while (this.queue.length) {
      const next = this.queue[0]!;
      if (next.parallel ? this.active.size >= max : this.active.size > 0) return;
      this.queue.shift();
      if (isRun(next)) this.startTraining(next);
      else this.startPoint(next);
    }
  }

  /** A sweep point's run folder is made now, its config built again from the sweep (the worker thread checked it when the sweep was queued). */
  private startPoint(p: QueuedPoint): void {
    let id: string;
    try {
      id = this.createQueuedRun(sweepPoint(p.spec, p.point.point).config, p.totalSteps, p.point);
    } catch (e) {
      // E.g. a full disk: the point stays without a run (pending), and resuming the sweep starts it again.
      console.error(`sweep ${p.point.id} point ${p.point.point}: cannot create its run: ${errorMessage(e)}`);
      return;
    }
    this.startTraining({ id });
  }

  private startTraining(next: { id: string; resume?: boolean }): void {
    const training = this.spawnTrainingProcess();
    let exited!: () => void;
    const gone = new Promise<void>((resolve) => (exited = resolve));
    const active: Active = { id: next.id, training, finished: false, exited: false, gone, edits: new Map() };
    this.active.set(next.id, active);
    training.onMessage((msg) => {
      if (msg.type === 'event') this.onTrainEvent(active, msg.event);
      else if (msg.type === 'error') this.fail(active, msg.message);
      else if (msg.type === 'edited') {
        const p = active.edits.get(msg.requestId);
        if (!p) return;
        active.edits.delete(msg.requestId);
        clearTimeout(p.timer);
        if ('run' in msg) p.resolve(msg.run);
        else p.reject(new Error(msg.error));
      }
    });
    training.onExit((detail) => {
      active.exited = true;
      if (!active.finished) this.fail(active, `training process ended unexpectedly (${detail})`);
      clearTimeout(active.cancelTimer);
      // The writer is gone: edits it did not answer are applied here, now the run's one writer.
      for (const [requestId, p] of active.edits) {
        active.edits.delete(requestId);
        clearTimeout(p.timer);
        try {
          p.resolve(this.store.applyEdit(active.id, p.edit));
        } catch (e) {
          p.reject(e as Error);
        }
      }
      if (this.active.get(active.id) === active) this.active.delete(active.id);
      exited();
      this.pump();
    });
    // The run id only: the training process reads the run's config from the store.
    training.send({ type: 'train', workspace: this.store.workspace, runId: next.id, ...(next.resume ? { resume: true } : {}) });
    this.emit({ type: 'runs.changed' });
  }

  private onTrainEvent(active: Active, event: TrainEvent): void {
    if (event.type === 'finished') active.finished = true;
    this.emit({ type: 'train', event });
    if (event.type === 'started' || event.type === 'finished') this.emit({ type: 'runs.changed' });
    if (event.type === 'finished') this.studies.onFinished(event.runId, event.status);
  }

  /**
   * The run is marked failed (or cancelled, if it was being cancelled) with
   * its log; the service stays up. Only called once the training process has
   * said its last word or is gone, so this does not race its writes.
   */
  private fail(active: Active, message: string): void {
    if (active.finished) return;
    active.finished = true;
    const status = active.cancelTimer !== undefined ? 'cancelled' : 'failed';
    try {
      this.store.appendLog(active.id, message);
      this.store.finishRun(active.id, status, message);
    } catch {
      // The run folder may have been removed from outside; nothing left to mark.
    }
    this.emit({ type: 'train', event: { type: 'finished', runId: active.id, status, error: message } });
    this.emit({ type: 'runs.changed' });
    this.studies.onFinished(active.id, status);
  }

  async close(): Promise<void> {
    this.queue.length = 0;
    await this.threads.close();
    await Promise.all(
      [...this.active.values()]
        .filter((a) => !a.exited)
        .map(
          (a) =>
            new Promise<void>((resolve) => {
              a.training.onExit(() => resolve());
              // Not the user's choice: the run is recorded as interrupted, with its last state checkpointed.
              a.training.send({ type: 'cancel', reason: 'interrupted' });
              setTimeout(() => {
                a.training.kill();
                resolve();
              }, 5000);
            }),
        ),
    );
    this.events.removeAllListeners();
  }
}

export function createEngineService(opts: ServiceOptions): EngineService {
  return new EngineService(opts);
}
