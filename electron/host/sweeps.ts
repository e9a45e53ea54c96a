// The engine service's sweep channels. A sweep started from the app runs its
// points through the service's run queue (as many at once as fit the cores):
// a point waits there as its sweep and index and gets its run folder when it
// starts, so 10,000 points cost no 10,000 folders up front; the points are
// built and checked on a worker thread first. Sweeps started with `racecar
// sweep` (locally or on Slurm) show here too, from their run folders and, for
// Slurm, squeue: the app can watch, resume (in its own queue) and cancel them.
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ResultOf, SweepExecutor, SweepSummary } from '../contract/contract';
import type { SweepResults } from '../engine/sweep/metrics';
import { axisLabel, parseSweepSpec, sweepAxes, sweepPointKeys, type PointKey, type SweepSpec } from '../engine/sweep/spec';
import {
  appMarkerPath,
  appPointStates,
  clearAppCancel,
  createSweepFolder,
  listSweeps,
  needsRun,
  readAppMarker,
  readSavedSweep,
  readSweepKeys,
  sweepStatus,
  writeAppMarker,
  type ExternalPointState,
  type SavedSweep,
  type SweepStatus,
} from '../engine/sweep/sweepStore';
import type { RunStore } from '../engine/store/runStore';
import { compiledScript } from '../engine/util/compiled';
import { cancelSweepLocal } from '../executors/local';
import { cancelSweepSlurm, readSlurmJobs, slurmPointStatesOrNote } from '../executors/slurm';
import type { PrepareSweepResult } from './prepareThread';
import { callThread } from './threadCall';

export interface SweepDeps {
  store: () => RunStore;
  /** Queues points of a saved sweep; each gets its run folder when it starts. */
  enqueuePoints: (sweep: SavedSweep, points: { index: number; totalSteps: number }[]) => void;
  /** The sweep's points waiting in the service's queue (no run folder yet). */
  queuedPoints: (id: string) => ReadonlySet<number>;
  /** Takes the sweep's waiting points out of the queue; returns how many. */
  dropPoints: (id: string) => number;
  /** Cancels a run queued or running in the service; false when it is not the service's. */
  cancelRun: (id: string) => boolean;
  changed: () => void;
}

export class SweepHandlers {
  constructor(private readonly deps: SweepDeps) {}

  private get ws(): string {
    return this.deps.store().workspace;
  }

  executorOf(id: string): SweepExecutor {
    if (readSlurmJobs(this.ws, id).length) return 'slurm';
    return fs.existsSync(appMarkerPath(this.ws, id)) ? 'app' : 'local';
  }

  /** What the runs cannot say: points waiting in this service's queue, a cancel that came before points started, and Slurm's view. */
  private async external(
    id: string,
    points: readonly PointKey[],
    executor = this.executorOf(id),
  ): Promise<{ external: Map<number, ExternalPointState>; notes: string[] }> {
    const { external, notes } = executor === 'slurm' ? await slurmPointStatesOrNote(this.ws, id) : { external: appPointStates(this.ws, id, points), notes: [] };
    for (const i of this.deps.queuedPoints(id)) external.set(i, { state: 'queued', detail: "waiting in the app's run queue" });
    return { external, notes };
  }

  list(): ResultOf<'sweeps.list'> {
    const { sweeps, problems } = listSweeps(this.ws);
    const runs = this.deps.store().list().runs;
    const summaries: SweepSummary[] = sweeps.map((s) => {
      const points = sweepPointKeys(s);
      const external = appPointStates(this.ws, s.id, points);
      for (const i of this.deps.queuedPoints(s.id)) external.set(i, { state: 'queued', detail: "waiting in the app's run queue" });
      const st = sweepStatus(
        this.deps.store(),
        s,
        points,
        external,
        runs.filter((r) => r.sweep?.id === s.id),
      );
      return {
        id: s.id,
        name: s.name,
        createdAt: s.createdAt,
        mode: s.mode,
        axes: sweepAxes(s).map((a) => ({ param: a.param, label: axisLabel(a.param), values: a.values })),
        points: points.length,
        counts: st.counts,
        executor: this.executorOf(s.id),
      };
    });
    return { sweeps: summaries, problems };
  }

  async get(id: string): Promise<ResultOf<'sweeps.get'>> {
    const { sweep, points } = readSweepKeys(this.ws, id);
    const executor = this.executorOf(id);
    const { external, notes } = await this.external(id, points, executor);
    const status = sweepStatus(this.deps.store(), sweep, points, external);
    const results = await this.results(status);
    return {
      sweep,
      points: status.points,
      counts: status.counts,
      complete: status.complete,
      executor,
      results,
      notes: [...notes, ...results.notes],
    };
  }

  /** The results of the status just read, in a worker thread. */
  private results(status: SweepStatus): Promise<SweepResults> {
    return new Promise((resolve, reject) => {
      const w = new Worker(compiledScript(__dirname, 'sweepThread.js'), { workerData: { workspace: this.ws, status } });
      w.once('message', (m: { ok: true; results: SweepResults } | { ok: false; error: string }) => (m.ok ? resolve(m.results) : reject(new Error(m.error))));
      w.once('error', reject);
      w.once('exit', (code) => code !== 0 && reject(new Error(`sweep results thread exited with code ${code}`)));
    });
  }

  async validate(input: unknown): Promise<ResultOf<'sweeps.validate'>> {
    let spec: SweepSpec;
    try {
      spec = parseSweepSpec(input);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    const p = await this.prepare(spec);
    return p.ok ? { ok: true, points: p.totalSteps.length, keys: p.keys } : p;
  }

  /** Every point built and checked as a run would be (data set, output size, memory) before anything exists, on a worker thread (10,000 points take a while). */
  private prepare(spec: SweepSpec): Promise<PrepareSweepResult> {
    return callThread<PrepareSweepResult>('prepareThread.js', { sweep: spec });
  }

  /** `spec` was parsed by the contract (SweepSpecSchema). The points are queued as indices: none has a run folder until it starts. */
  async start(spec: SweepSpec): Promise<ResultOf<'sweeps.start'>> {
    const prepared = await this.prepare(spec);
    if (!prepared.ok) throw new Error(prepared.error);
    const sweep = createSweepFolder(this.ws, spec);
    writeAppMarker(this.ws, sweep.id, { startedAt: new Date().toISOString() });
    this.deps.enqueuePoints(
      sweep,
      prepared.totalSteps.map((totalSteps, index) => ({ index, totalSteps })),
    );
    this.deps.changed();
    return { id: sweep.id, points: prepared.totalSteps.length };
  }

  async resume(id: string): Promise<ResultOf<'sweeps.resume'>> {
    const { sweep, points } = readSweepKeys(this.ws, id);
    const prepared = await this.prepare(sweep);
    if (!prepared.ok) throw new Error(prepared.error);
    // Read after the thread: points that started or were queued meanwhile are not queued twice.
    const { external } = await this.external(id, points);
    const todo = sweepStatus(this.deps.store(), sweep, points, external).points.filter(needsRun);
    clearAppCancel(this.ws, id);
    this.deps.enqueuePoints(
      sweep,
      todo.map((p) => ({ index: p.index, totalSteps: prepared.totalSteps[p.index]! })),
    );
    if (todo.length) this.deps.changed();
    return { id, queued: todo.length };
  }

  async cancel(id: string): Promise<ResultOf<'sweeps.cancel'>> {
    readSavedSweep(this.ws, id);
    // Waiting points leave the queue without a trace; the marker makes them read as cancelled, not pending.
    let cancelled = this.deps.dropPoints(id);
    const marker = readAppMarker(this.ws, id);
    if (marker) writeAppMarker(this.ws, id, { ...marker, cancelledAt: new Date().toISOString() });
    const runs = this.deps
      .store()
      .list()
      .runs.filter((r) => r.sweep?.id === id);
    const mine = new Set<string>();
    for (const r of runs) if ((r.status === 'queued' || r.status === 'running') && this.deps.cancelRun(r.id)) mine.add(r.id);
    cancelled += mine.size;
    // Points run by racecar sweep on this machine, and Slurm jobs.
    cancelled += cancelSweepLocal(this.ws, id, mine, runs).runs.length;
    cancelled += (await cancelSweepSlurm(this.ws, id)).length;
    this.deps.changed();
    return { id, cancelled };
  }
}
