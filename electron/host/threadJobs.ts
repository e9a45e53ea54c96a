// The engine service's worker threads: SVDs (and singular vectors) and
// figure-bundle exports, each kind one at a time behind a bounded queue, so
// that neither blocks the engine process's event loop.
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineEvent, ResultOf, SvdVectorsView, SvdView, PayloadOf } from '../contract/contract';
import type { RunStore } from '../engine/store/runStore';
import { compiledScript } from '../engine/util/compiled';
import { sweepRuns } from '../engine/sweep/sweepStore';
import { callThread } from './threadCall';
import { SerialQueue } from './serialQueue';
import { toSvdView } from './svdView';
import type { SvdThreadData, SvdThreadResult } from './svdThread';
import type { ExportThreadCommand, ExportThreadData, ExportThreadMessage } from './exportThread';

/** Requests of one kind allowed to wait behind the running one. */
const MAX_WAITING_SVD = 64;
const MAX_WAITING_EXPORTS = 8;

interface ActiveExport {
  thread: Worker;
  /** Resolves once the export has ended, however it ended. */
  ended: Promise<void>;
  /** The runs it reads (a sweep's: those of the sweep when it started): not deleted under it. */
  runIds: ReadonlySet<string>;
}

export class ThreadJobs {
  private exporting: ActiveExport | null = null;
  private readonly svdQueue = new SerialQueue('SVD', MAX_WAITING_SVD);
  private readonly exportQueue = new SerialQueue('export', MAX_WAITING_EXPORTS);
  /** The same SVD asked for again while it is queued or computing shares its result. */
  private readonly svdInFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: () => RunStore,
    private readonly emit: (e: EngineEvent) => void,
  ) {}

  /** Throws unless no SVD or export is queued or running (the workspace may change). */
  checkIdle(): void {
    if (this.exportQueue.size) throw new Error('an export is running: wait for it or cancel it before changing the workspace');
    if (this.svdQueue.size) throw new Error('an SVD is being computed: wait for it before changing the workspace');
  }

  exportBundle(p: PayloadOf<'export.bundle'>): Promise<ResultOf<'export.bundle'>> {
    return this.exportQueue.run(() => this.drawBundle(p));
  }

  /** Whether the running export reads run `id` (it must not be deleted meanwhile). */
  exportReads(id: string): boolean {
    return !!this.exporting?.runIds.has(id);
  }

  /** false when no export is running. */
  cancelExport(): boolean {
    if (!this.exporting) return false;
    this.exporting.thread.postMessage({ type: 'cancel' } satisfies ExportThreadCommand);
    return true;
  }

  /** Ends a running export (a cancelled export removes its temporary files; a killed one could not). */
  async close(): Promise<void> {
    if (!this.exporting) return;
    const { thread, ended } = this.exporting;
    thread.postMessage({ type: 'cancel' } satisfies ExportThreadCommand);
    await within(ended, 5000);
    // A thread stuck in a system call never confirms its end; the process exit ends it.
    await within(thread.terminate(), 2000);
  }

  /**
   * A figure bundle, drawn on a worker thread (called through the export
   * queue, so one at a time). Progress is broadcast as 'export.progress'
   * events; export.cancel aborts it (nothing is written). A relative `out` is
   * taken inside the workspace (the app has no working folder of its own); `~/`
   * is the home folder.
   */
  private drawBundle(p: PayloadOf<'export.bundle'>): Promise<ResultOf<'export.bundle'>> {
    const { ids, out, sweep, ...settings } = p;
    const home = /^~(?=$|[\\/])/;
    const data: ExportThreadData = {
      workspace: this.store().workspace,
      options: {
        ...settings,
        runIds: ids,
        out: home.test(out) ? path.join(os.homedir(), out.slice(1)) : path.resolve(this.store().workspace, out),
        wording: 'app',
      },
      ...(sweep ? { sweep } : {}),
    };
    const worker = new Worker(compiledScript(__dirname, 'exportThread.js'), { workerData: data });
    let end!: () => void;
    const runIds = new Set([...ids, ...(sweep ? sweepRuns(this.store(), sweep.id).map((r) => r.id) : [])]);
    const job: ActiveExport = { thread: worker, ended: new Promise<void>((r) => (end = r)), runIds };
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
  svd(id: string, layer: number, step?: number): Promise<SvdView> {
    const workspace = this.store().workspace;
    return this.svdJob({ kind: 'get', workspace, id, layer, step }, (m) => {
      if (!('svd' in m)) throw new Error('SVD thread: unexpected answer');
      return toSvdView(workspace, m.svd);
    });
  }

  /** Singular vectors as numbers, decomposed on the same one-at-a-time SVD thread. */
  vectors(id: string, layer: number, step: number | undefined, indices: number[]): Promise<SvdVectorsView> {
    return this.svdJob({ kind: 'vectors', workspace: this.store().workspace, id, layer, step, indices }, (m) => {
      if (!('vectors' in m)) throw new Error('SVD thread: unexpected answer');
      return m.vectors;
    });
  }

  /** The first layer's alignment score at the last checkpoint, when its SVD is cached (a missing or unreadable run has none). */
  cachedScore(id: string): ResultOf<'svd.scores'>['scores'][number] {
    try {
      const steps = this.store().get(id).checkpointSteps;
      if (!steps.length) return { id, step: null, score: null };
      const step = Math.max(...steps);
      const json = this.store().readSvd(id, 0, step);
      const score = json ? (JSON.parse(json) as { alignment?: { score?: unknown } | null }).alignment?.score : null;
      return { id, step, score: typeof score === 'number' && Number.isFinite(score) ? score : null };
    } catch {
      return { id, step: null, score: null };
    }
  }

  private svdJob<T>(data: SvdThreadData, read: (m: Extract<SvdThreadResult, { ok: true }>) => T): Promise<T> {
    this.store().get(data.id); // a clear error for a missing run, before anything is queued
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
