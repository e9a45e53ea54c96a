// The engine service's sweep channels. A sweep started from the app runs its
// points through the service's run queue (as many at once as fit the cores);
// sweeps started with `racecar sweep` (locally or on Slurm) show here too,
// from their run folders and, for Slurm, squeue: the app can watch, resume
// (in its own queue) and cancel them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ResultOf, SweepExecutor, SweepSummary } from '../contract/contract';
import type { RunConfig } from '../engine/config/schema';
import type { SweepResults } from '../engine/sweep/metrics';
import { axisLabel, expandSweep, parseSweepSpec, sweepAxes, type SweepPoint, type SweepSpec } from '../engine/sweep/spec';
import { createSweep, listSweeps, needsRun, readSweep, sweepDir, sweepStatus, type ExternalPointState, type SweepStatus } from '../engine/sweep/sweepStore';
import type { RunStore } from '../engine/store/runStore';
import { checkRun } from '../engine/train/trainer';
import { datasetLoader } from '../engine/data/load';
import type { SweepTag } from '../engine/types';
import { compiledScript } from '../engine/util/compiled';
import { cancelSweepLocal } from '../executors/local';
import { cancelSweepSlurm, readSlurmJobs, slurmPointStatesOrNote } from '../executors/slurm';

/** Points queued or cancelled between two turns of the event loop. */
const CHUNK = 50;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface SweepDeps {
  store: () => RunStore;
  /** Queues a run of a sweep point; returns its id. */
  enqueue: (config: RunConfig, totalSteps: number, tag: SweepTag) => string;
  /** Cancels a run queued or running in the service; false when it is not the service's. */
  cancelRun: (id: string) => boolean;
  changed: () => void;
}

const appMarker = (ws: string, id: string) => path.join(sweepDir(ws, id), 'app.json');

export class SweepHandlers {
  constructor(private readonly deps: SweepDeps) {}

  private get ws(): string {
    return this.deps.store().workspace;
  }

  executorOf(id: string): SweepExecutor {
    if (readSlurmJobs(this.ws, id).length) return 'slurm';
    return fs.existsSync(appMarker(this.ws, id)) ? 'app' : 'local';
  }

  private async external(id: string, executor = this.executorOf(id)): Promise<{ external: Map<number, ExternalPointState>; notes: string[] }> {
    if (executor !== 'slurm') return { external: new Map(), notes: [] };
    return slurmPointStatesOrNote(this.ws, id);
  }

  list(): ResultOf<'sweeps.list'> {
    const { sweeps, problems } = listSweeps(this.ws);
    const runs = this.deps.store().list().runs;
    const summaries: SweepSummary[] = sweeps.map((s) => {
      const points = expandSweep(s);
      const st = sweepStatus(
        this.deps.store(),
        s,
        points,
        undefined,
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
    const { sweep, points } = readSweep(this.ws, id);
    const executor = this.executorOf(id);
    const { external, notes } = await this.external(id, executor);
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

  validate(spec: unknown): ResultOf<'sweeps.validate'> {
    try {
      const points = this.prepare(expandSweep(parseSweepSpec(spec)));
      return { ok: true, points: points.length, keys: points.slice(0, 200).map((p) => p.point.key) };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  /** Every point checked as a run would be (data set, output size, memory) before anything exists; the data set is loaded once. */
  private prepare(points: SweepPoint[]): { point: SweepPoint; totalSteps: number }[] {
    const load = datasetLoader();
    return points.map((point) => {
      try {
        return { point, totalSteps: checkRun(point.config, load).totalSteps };
      } catch (e) {
        throw new Error(`sweep point ${point.index}${point.key ? ` (${point.key})` : ''}: ${(e as Error).message}`);
      }
    });
  }

  /** Sweeps whose points are being queued now; a cancel stops the queuing. */
  private readonly queuing = new Map<string, { cancelled: boolean }>();

  /** Queues the points a few at a time: 10,000 run folders must not stall the engine for every client. `spec` was parsed by the contract (SweepSpecSchema). */
  async start(spec: SweepSpec): Promise<ResultOf<'sweeps.start'>> {
    const prepared = this.prepare(expandSweep(spec));
    const { sweep } = createSweep(this.ws, spec);
    fs.writeFileSync(appMarker(this.ws, sweep.id), `${JSON.stringify({ startedAt: new Date().toISOString() })}\n`);
    const job = { cancelled: false };
    this.queuing.set(sweep.id, job);
    try {
      for (const [i, { point, totalSteps }] of prepared.entries()) {
        if (job.cancelled) break;
        this.deps.enqueue(point.config, totalSteps, { id: sweep.id, point: point.index });
        if (i % CHUNK === CHUNK - 1) await yieldToEventLoop();
      }
    } finally {
      this.queuing.delete(sweep.id);
      this.deps.changed();
    }
    return { id: sweep.id, points: prepared.length };
  }

  async resume(id: string): Promise<ResultOf<'sweeps.resume'>> {
    const { sweep, points } = readSweep(this.ws, id);
    const { external } = await this.external(id);
    const todo = sweepStatus(this.deps.store(), sweep, points, external).points.filter(needsRun);
    const prepared = this.prepare(points);
    for (const p of todo) this.deps.enqueue(points[p.index]!.config, prepared[p.index]!.totalSteps, { id, point: p.index });
    if (todo.length) this.deps.changed();
    return { id, queued: todo.length };
  }

  async cancel(id: string): Promise<ResultOf<'sweeps.cancel'>> {
    readSweep(this.ws, id);
    const starting = this.queuing.get(id);
    if (starting) starting.cancelled = true;
    const mine = new Set<string>();
    for (const r of this.deps.store().list().runs) {
      if (r.sweep?.id === id && (r.status === 'queued' || r.status === 'running') && this.deps.cancelRun(r.id)) {
        mine.add(r.id);
        if (mine.size % CHUNK === 0) await yieldToEventLoop();
      }
    }
    let cancelled = mine.size;
    // Points run by racecar sweep on this machine, and Slurm jobs.
    const local = cancelSweepLocal(this.ws, id, mine);
    cancelled += local.runs.length;
    cancelled += (await cancelSweepSlurm(this.ws, id)).length;
    this.deps.changed();
    return { id, cancelled };
  }
}
