// The engine behind the contract: the run store, a queue of runs each trained
// in a training process of its own (one at a time; sweep points and the
// reference runs of a reproduction as many at once as fit the cores), and SVDs and figure-bundle exports on
// worker threads, each kind one at a time. It runs in the engine process
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
import { Worker } from 'node:worker_threads';
import type { z } from 'zod';
import type { Channel, EngineEvent, EngineHandler, ResultOf, RunSummary, SvdVectorsView, SvdView, requestSchemas } from '../contract/contract';
import { availableBackends } from '../engine/backend';
import { REFERENCE_RUNS } from '../engine/presets';
import { RunStore } from '../engine/store/runStore';
import type { RunEdit } from '../engine/store/runEdit';
import { ownedByThisProcess, thisProcessAsOwner } from '../engine/store/runOwner';
import { openWorkspace } from '../engine/store/workspace';
import { loadUiState, saveUiState } from '../engine/store/uiState';
import { backwardPath, timeStamp, workspaceRef } from '../engine/store/layout';
import { prepareRun, resumePlan } from '../engine/train/trainer';
import type { RunRecord, SweepTag, TrainEvent } from '../engine/types';
import type { RunConfig } from '../engine/config/schema';
import { sweepRuns } from '../engine/sweep/sweepStore';
import { SweepHandlers } from './sweeps';
import { appPackage } from '../engine/util/version';
import { compiledScript } from '../engine/util/compiled';
import { FIGURE_NAMES } from '../export/options';
import type { SpawnWorker, WorkerHandle } from './workerProtocol';
import { forkWorker } from './forkWorker';
import { SerialQueue } from './serialQueue';
import { toSvdView } from './svdView';
import type { SvdThreadData, SvdThreadResult } from './svdThread';
import type { PrepareThreadResult } from './prepareThread';
import { callThread } from './threadCall';
import type { ExportThreadCommand, ExportThreadData, ExportThreadMessage } from './exportThread';

export interface ServiceOptions {
  workspace: string;
  mode: 'electron' | 'browser';
  /** Starts a training process; defaults to child_process.fork of worker.js. */
  spawnWorker?: SpawnWorker;
  /** Grace period for a cancelled run to stop by itself before its process is killed. */
  cancelGraceMs?: number;
  /** How long an edit waits for the training process to apply it. */
  editTimeoutMs?: number;
  /** Training processes at once for sweep points (default: one per core); other runs train one at a time. */
  maxParallel?: number;
}

type Payload<C extends Channel> = z.output<(typeof requestSchemas)[C]>;

/** Requests of one kind allowed to wait behind the running one. */
const MAX_WAITING_SVD = 64;
const MAX_WAITING_EXPORTS = 8;

interface ActiveExport {
  worker: Worker;
  /** Resolves once the export has ended, however it ended. */
  ended: Promise<void>;
  /** The runs it reads (a sweep's: those of the sweep when it started): not deleted under it. */
  runIds: ReadonlySet<string>;
}

interface PendingEdit {
  edit: RunEdit;
  resolve(run: RunRecord): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface Active {
  id: string;
  worker: WorkerHandle;
  finished: boolean;
  exited: boolean;
  /** Resolves when the training process has exited (it writes its run until then). */
  gone: Promise<void>;
  cancelTimer?: NodeJS.Timeout;
  edits: Map<number, PendingEdit>;
}

export class EngineService implements EngineHandler {
  private store: RunStore;
  private readonly events = new EventEmitter();
  /** Runs waiting for a training process; `resume`: continue from the last checkpoint. */
  /** parallel: may train beside others (sweep points, the reference runs of a reproduction), up to maxParallel. */
  private readonly queue: { id: string; config: unknown; parallel: boolean; resume?: boolean }[] = [];
  private readonly active = new Map<string, Active>();
  private readonly sweeps: SweepHandlers;
  private exporting: ActiveExport | null = null;
  private readonly spawnWorker: SpawnWorker;
  private readonly svdQueue = new SerialQueue('SVD', MAX_WAITING_SVD);
  private readonly exportQueue = new SerialQueue('export', MAX_WAITING_EXPORTS);
  /** The same SVD asked for again while it is queued or computing shares its result. */
  private readonly svdInFlight = new Map<string, Promise<unknown>>();
  private nextEditId = 1;

  constructor(private readonly opts: ServiceOptions) {
    this.store = new RunStore(opts.workspace);
    this.spawnWorker = opts.spawnWorker ?? (() => forkWorker());
    this.events.setMaxListeners(100);
    this.recoverQueued();
    this.sweeps = new SweepHandlers({
      store: () => this.store,
      enqueue: (config, totalSteps, tag) => this.enqueue(config, totalSteps, tag),
      cancelRun: (id) => {
        if (!this.queue.some((q) => q.id === id) && !this.active.has(id)) return false;
        this.handlers['runs.cancel']({ id });
        return true;
      },
      changed: () => this.emit({ type: 'runs.changed' }),
    });
  }

  /** A run in the queue; sweep points and reference runs being reproduced may train several at once. */
  private enqueue(config: RunConfig, totalSteps: number, sweep?: SweepTag, parallel = !!sweep): string {
    const rec = this.store.createRun(config, { totalSteps, backend: null, versions: {}, ...(sweep ? { sweep } : {}) });
    this.store.updateRun(rec.id, { status: 'queued', ...thisProcessAsOwner() });
    this.queue.push({ id: rec.id, config, parallel });
    this.pump();
    return rec.id;
  }

  get workspace(): string {
    return this.store.workspace;
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private emit(e: EngineEvent): void {
    this.events.emit('event', e);
  }

  /** Runs queued by a process that is gone never started: mark them as interrupted. */
  private recoverQueued(): void {
    for (const run of this.store.list().runs) {
      if (run.status === 'queued' && !ownedByThisProcess(run)) this.store.updateRun(run.id, { status: 'interrupted' });
    }
  }

  async handle<C extends Channel>(channel: C, payload: Payload<C>): Promise<ResultOf<C>> {
    const h = this.handlers[channel] as (p: Payload<C>) => Promise<ResultOf<C>> | ResultOf<C>;
    return h(payload);
  }

  private readonly handlers: { [C in Channel]: (p: Payload<C>) => Promise<ResultOf<C>> | ResultOf<C> } = {
    'app.info': () => ({
      version: appPackage().version,
      backend: (process.env.RACECAR_BACKEND as ResultOf<'app.info'>['backend']) ?? availableBackends()[0] ?? null,
      backends: availableBackends(),
      workspace: this.store.workspace,
      platform: `${os.platform()}-${os.arch()}`,
      mode: this.opts.mode,
    }),
    'presets.list': () => ({ presets: REFERENCE_RUNS.map((r) => ({ id: r.id, label: r.label, description: r.description, config: r.config })) }),
    'runs.list': ({ offset = 0, limit }) => {
      // run.json alone: each run's writer keeps its latest evaluation there.
      const { runs, problems } = this.store.list();
      const page = runs.slice(offset, limit === undefined ? undefined : offset + limit);
      const summaries: RunSummary[] = page.map((run) => ({ run, last: run.last ?? null }));
      return { runs: summaries, total: runs.length, problems, queue: this.queue.map((q) => q.id) };
    },
    'runs.get': ({ id }) => ({ run: this.store.get(id), metrics: this.store.readMetrics(id) }),
    'runs.validate': ({ config }) => callThread<PrepareThreadResult>('prepareThread.js', { config }),
    'reproduce.start': () => {
      // The six reference runs, as `racecar reproduce` trains them: every config checked before a run folder exists.
      const prepared = REFERENCE_RUNS.map((ref) => prepareRun(ref.config));
      const ids = prepared.map((p) => this.enqueue(p.config, p.totalSteps, undefined, true));
      this.emit({ type: 'runs.changed' });
      return { ids };
    },
    'runs.start': async ({ config }) => {
      // Everything checkable is checked before a run folder exists (on a thread: a large data set takes seconds).
      const p = await callThread<PrepareThreadResult>('prepareThread.js', { config });
      if (!p.ok) throw new Error(p.error);
      const id = this.enqueue(p.config, p.totalSteps);
      this.emit({ type: 'runs.changed' });
      return { id };
    },
    'runs.cancel': ({ id }) => {
      const q = this.queue.findIndex((x) => x.id === id);
      if (q >= 0) {
        const [item] = this.queue.splice(q, 1);
        this.store.finishRun(id, 'cancelled', item!.resume ? 'cancelled before it resumed' : 'cancelled before it started');
        this.emit({ type: 'runs.changed' });
        return { id, status: 'cancelled' as const };
      }
      const a = this.active.get(id);
      if (a && !a.finished) {
        a.worker.send({ type: 'cancel' });
        a.cancelTimer = setTimeout(() => {
          if (!a.finished) a.worker.kill();
        }, this.opts.cancelGraceMs ?? 15_000);
        return { id, status: 'running' as const };
      }
      const run = this.store.get(id);
      throw new Error(`run "${id}" is ${run.status}, not queued or running: nothing to cancel`);
    },
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
      if ((a && !a.finished) || this.queue.some((q) => q.id === id)) throw new Error(`run "${id}" is already queued or running`);
      // Checked before it is queued: a cancelled or interrupted run with a checkpoint before its last step.
      const plan = resumePlan(this.store, id);
      const run = this.store.updateRun(id, { status: 'queued', ...thisProcessAsOwner() });
      this.queue.push({ id, config: run.config, parallel: false, resume: true });
      this.emit({ type: 'runs.changed' });
      this.pump();
      return { id, step: plan.step, restored: plan.restored, reset: plan.reset };
    },
    'runs.delete': async ({ id }) => {
      const a = this.active.get(id);
      if (this.queue.some((q) => q.id === id) || (a && !a.finished && a.cancelTimer === undefined))
        throw new Error(`run "${id}" is queued or running: cancel it before deleting it`);
      // Cancelled or finished, its training process is still ending (and writing): the delete waits for it.
      await a?.gone;
      if (this.exporting?.runIds.has(id)) throw new Error(`run "${id}" is being exported: wait for the export to end (or cancel it), then delete the run`);
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
      return { step, steps: run.backwardSteps, inputs: refs('inputs'), outputs: refs(step) };
    },
    'svd.get': ({ id, layer, step }) => this.svd(id, layer, step),
    'svd.vectors': ({ id, layer, step, indices }) => this.vectors(id, layer, step, indices),
    'svd.scores': ({ ids }) => ({ scores: ids.map((id) => this.cachedScore(id)) }),
    'workspace.set': ({ path: dir }) => {
      // A training process that has finished may still be exiting; it only writes its own run, in the old workspace.
      if ([...this.active.values()].some((a) => !a.finished) || this.queue.length)
        throw new Error('a run is queued or running: wait for it or cancel it before changing the workspace');
      if (this.exportQueue.size) throw new Error('an export is running: wait for it or cancel it before changing the workspace');
      if (this.svdQueue.size) throw new Error('an SVD is being computed: wait for it before changing the workspace');
      this.store = new RunStore(openWorkspace(dir));
      this.recoverQueued();
      this.emit({ type: 'runs.changed' });
      return { workspace: this.store.workspace };
    },
    'ui.load': () => ({ state: loadUiState(this.store.workspace) }),
    'ui.save': ({ state }) => (saveUiState(this.store.workspace, state), {}),
    'export.defaults': () => ({ out: path.join(this.store.workspace, 'exports', `${timeStamp()}.zip`), figures: [...FIGURE_NAMES] }),
    'export.bundle': (p) => this.exportQueue.run(() => this.exportBundle(p)),
    'sweeps.list': () => this.sweeps.list(),
    'sweeps.get': ({ id }) => this.sweeps.get(id),
    'sweeps.validate': ({ spec }) => this.sweeps.validate(spec),
    'sweeps.start': ({ spec }) => this.sweeps.start(spec),
    'sweeps.resume': ({ id }) => this.sweeps.resume(id),
    'sweeps.cancel': ({ id }) => this.sweeps.cancel(id),
    // The engine's host (EngineClient) answers it; an engine running inside the caller's own process has none to restart.
    'engine.restart': () => {
      throw new Error('engine.restart: this engine runs inside this process, not in an engine process of its own: restart the program');
    },
    'export.cancel': () => {
      if (!this.exporting) return { cancelled: false };
      this.exporting.worker.postMessage({ type: 'cancel' } satisfies ExportThreadCommand);
      return { cancelled: true };
    },
  };

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
        a.worker.send({ type: 'edit', requestId, runId: id, edit });
      });
    }
    const run = this.store.get(id);
    if (run.status === 'running') {
      const where = run.host && run.host !== os.hostname() ? ` on ${run.host}` : '';
      throw new Error(`run "${id}" is being trained by another process (pid ${run.pid}${where}): change it once it has finished`);
    }
    return Promise.resolve(this.store.applyEdit(id, edit));
  }

  /**
   * A figure bundle, drawn on a worker thread (called through the export
   * queue, so one at a time). Progress is broadcast as 'export.progress'
   * events; export.cancel aborts it (nothing is written). A relative `out` is
   * taken inside the workspace (the app has no working folder of its own); `~/`
   * is the home folder.
   */
  private exportBundle(p: Payload<'export.bundle'>): Promise<ResultOf<'export.bundle'>> {
    const { ids, out, sweep, ...settings } = p;
    const home = /^~(?=$|[\\/])/;
    const data: ExportThreadData = {
      workspace: this.store.workspace,
      options: {
        ...settings,
        runIds: ids,
        out: home.test(out) ? path.join(os.homedir(), out.slice(1)) : path.resolve(this.store.workspace, out),
        wording: 'app',
      },
      ...(sweep ? { sweep } : {}),
    };
    const worker = new Worker(compiledScript(__dirname, 'exportThread.js'), { workerData: data });
    let end!: () => void;
    const runIds = new Set([...ids, ...(sweep ? sweepRuns(this.store, sweep.id).map((r) => r.id) : [])]);
    const job: ActiveExport = { worker, ended: new Promise<void>((r) => (end = r)), runIds };
    this.exporting = job;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        if (this.exporting === job) this.exporting = null;
        void worker.terminate(); // the thread has said all it will; do not wait for it to wind down
        end();
        this.emit({ type: 'export.ended' });
        fn();
      };
      worker.on('message', (m: ExportThreadMessage) => {
        if (m.type === 'progress') this.emit({ type: 'export.progress', done: m.done, total: m.total, label: m.label });
        else if (m.type === 'done') settle(() => resolve(m.result));
        else settle(() => reject(new Error(m.message)));
      });
      worker.once('error', (e) => settle(() => reject(e)));
      worker.once('exit', (code) => settle(() => reject(new Error(`export thread ended unexpectedly (exit code ${code})`))));
    });
  }

  /** SVD on a worker thread, one at a time; its vector images stay files in the run folder. */
  private svd(id: string, layer: number, step?: number): Promise<SvdView> {
    const workspace = this.store.workspace;
    return this.svdJob({ kind: 'get', workspace, id, layer, step }, (m) => {
      if (!('svd' in m)) throw new Error('SVD thread: unexpected answer');
      return toSvdView(workspace, m.svd);
    });
  }

  /** Singular vectors as numbers, decomposed on the same one-at-a-time SVD thread. */
  private vectors(id: string, layer: number, step: number | undefined, indices: number[]): Promise<SvdVectorsView> {
    return this.svdJob({ kind: 'vectors', workspace: this.store.workspace, id, layer, step, indices }, (m) => {
      if (!('vectors' in m)) throw new Error('SVD thread: unexpected answer');
      return m.vectors;
    });
  }

  /** The first layer's alignment score at the last checkpoint, when its SVD is cached (a missing or unreadable run has none). */
  private cachedScore(id: string): ResultOf<'svd.scores'>['scores'][number] {
    try {
      const steps = this.store.get(id).checkpointSteps;
      if (!steps.length) return { id, step: null, score: null };
      const step = Math.max(...steps);
      const json = this.store.readSvd(id, 0, step);
      const score = json ? (JSON.parse(json) as { alignment?: { score?: unknown } | null }).alignment?.score : null;
      return { id, step, score: typeof score === 'number' && Number.isFinite(score) ? score : null };
    } catch {
      return { id, step: null, score: null };
    }
  }

  private svdJob<T>(data: SvdThreadData, read: (m: Extract<SvdThreadResult, { ok: true }>) => T): Promise<T> {
    this.store.get(data.id); // a clear error for a missing run, before anything is queued
    const key = JSON.stringify(data);
    const inFlight = this.svdInFlight.get(key) as Promise<T> | undefined;
    if (inFlight) return inFlight;
    const job = this.svdQueue
      .run(async () => {
        const m = await callThread<SvdThreadResult>('svdThread.js', data);
        if (!m.ok) throw new Error(m.error);
        return read(m);
      })
      .finally(() => this.svdInFlight.delete(key));
    this.svdInFlight.set(key, job);
    return job;
  }

  /** Starts queued runs: a parallel one (sweep point, reference run) while fewer than maxParallel train, any other only when nothing trains. */
  private pump(): void {
    const max = Math.max(1, this.opts.maxParallel ?? os.availableParallelism());
    while (this.queue.length) {
      const next = this.queue[0]!;
      if (next.parallel ? this.active.size >= max : this.active.size > 0) return;
      this.queue.shift();
      this.startWorker(next);
    }
  }

  private startWorker(next: { id: string; config: unknown; resume?: boolean }): void {
    const worker = this.spawnWorker();
    let exited!: () => void;
    const gone = new Promise<void>((resolve) => (exited = resolve));
    const active: Active = { id: next.id, worker, finished: false, exited: false, gone, edits: new Map() };
    this.active.set(next.id, active);
    worker.onMessage((msg) => {
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
    worker.onExit((detail) => {
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
    worker.send({ type: 'train', workspace: this.store.workspace, runId: next.id, config: next.config, ...(next.resume ? { resume: true } : {}) });
    this.emit({ type: 'runs.changed' });
  }

  private onTrainEvent(active: Active, event: TrainEvent): void {
    if (event.type === 'finished') active.finished = true;
    this.emit({ type: 'train', event });
    if (event.type === 'started' || event.type === 'finished') this.emit({ type: 'runs.changed' });
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
  }

  async close(): Promise<void> {
    this.queue.length = 0;
    if (this.exporting) {
      // A cancelled export removes its temporary files; a killed one could not.
      const { worker, ended } = this.exporting;
      worker.postMessage({ type: 'cancel' } satisfies ExportThreadCommand);
      await within(ended, 5000);
      // A thread stuck in a system call never confirms its end; the process exit ends it.
      await within(worker.terminate(), 2000);
    }
    await Promise.all(
      [...this.active.values()]
        .filter((a) => !a.exited)
        .map(
          (a) =>
            new Promise<void>((resolve) => {
              a.worker.onExit(() => resolve());
              // Not the user's choice: the run is recorded as interrupted, with its last state checkpointed.
              a.worker.send({ type: 'cancel', reason: 'interrupted' });
              setTimeout(() => {
                a.worker.kill();
                resolve();
              }, 5000);
            }),
        ),
    );
    this.events.removeAllListeners();
  }
}

/** Waits for `p`, but at most `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]);
  clearTimeout(timer);
}

export function createEngineService(opts: ServiceOptions): EngineService {
  return new EngineService(opts);
}
