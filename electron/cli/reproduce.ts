// `racecar reproduce`: the six reference runs, trained in parallel training
// processes (tfjs-wasm uses one core per process), then their first-layer
// SVDs, the reference file layout and a summary table.
import * as os from 'node:os';
import { RunStore } from '../engine/store/runStore';
import { REFERENCE_RUNS, findReferenceRun, type ReferenceRun } from '../engine/presets';
import { prepareRun } from '../engine/train/trainer';
import { datasetLoader } from '../engine/data/load';
import { computeLayerSvd, type LayerSvd } from '../engine/svd/runSvd';
import { writeReferenceLayout } from '../engine/reproduce/referenceLayout';
import { ConfigError } from '../engine/config/schema';
import { forkTrainingProcess } from '../host/forkTrainingProcess';
import type { TrainEvent } from '../engine/types';
import { fmt, table } from './format';

export interface ReproduceOptions {
  workspace: string;
  out: string;
  only?: string[];
  jobs?: number;
  /** Overrides every run's step count (quick checks). */
  steps?: number;
  log?: (line: string) => void;
  /** The runs about to train (reference id, steps), once everything has been checked. */
  onPlan?: (runs: { id: string; totalSteps: number }[]) => void;
  /** Every training event, with the reference run it belongs to. */
  onEvent?: (id: string, e: TrainEvent) => void;
}

export interface ReproduceResult {
  ok: boolean;
  out: string;
  wallSeconds: number;
  backend: string;
  runs: { ref: ReferenceRun; runId: string; status: string; testAccuracy: number; testRecon: number; svd: LayerSvd | null }[];
  summary: string;
}

function selectRuns(only?: string[]): ReferenceRun[] {
  if (!only?.length) return REFERENCE_RUNS;
  return only.map((id) => {
    const r = findReferenceRun(id);
    if (!r) throw new ConfigError(`--only: unknown reference run '${id}': use ${REFERENCE_RUNS.map((x) => x.id).join(', ')}`);
    return r;
  });
}

function withSteps(ref: ReferenceRun, steps?: number) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON tree edited in place; the schema validates it afterwards
  const c = structuredClone(ref.config) as any;
  if (steps !== undefined) {
    if (steps < 1) throw new ConfigError('--steps: must be at least 1');
    c.training.steps = steps;
    c.training.evalEvery = Math.min(c.training.evalEvery, steps);
    c.training.checkpointEvery = Math.min(c.training.checkpointEvery, steps);
  }
  return c;
}

/** Trains one queued run in its own process; resolves with its final status. */
function trainInProcess(workspace: string, runId: string, onEvent: (e: TrainEvent) => void): Promise<string> {
  return new Promise((resolve) => {
    const w = forkTrainingProcess();
    let status = 'failed';
    w.onMessage((m) => {
      if (m.type === 'event') {
        onEvent(m.event);
        if (m.event.type === 'finished') status = m.event.status;
      }
    });
    w.onExit(() => resolve(status));
    w.send({ type: 'train', workspace, runId });
  });
}

export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const log = o.log ?? (() => {});
  const refs = selectRuns(o.only);
  // Validate all before creating any run folder; runs of the same data share one load.
  const load = datasetLoader();
  const prepared = refs.map((ref) => ({ ref, ...prepareRun(withSteps(ref, o.steps), load) }));
  const store = new RunStore(o.workspace);
  const started = performance.now();
  const queued = prepared.map((p) => {
    const rec = store.createRun(p.config, { totalSteps: p.totalSteps, backend: null, versions: {} });
    store.updateRun(rec.id, { status: 'queued' });
    return { ...p, runId: rec.id };
  });
  o.onPlan?.(queued.map((q) => ({ id: q.ref.id, totalSteps: q.totalSteps })));
  const jobs = Math.max(1, Math.min(o.jobs ?? os.cpus().length, queued.length));
  let next = 0;
  const statuses = new Map<string, string>();
  const backends = new Set<string>();
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < queued.length) {
        const q = queued[next++];
        const status = await trainInProcess(store.workspace, q.runId, (e) => {
          o.onEvent?.(q.ref.id, e);
          if (e.type === 'started') backends.add(e.backend);
          if (e.type === 'finished') log(`${q.ref.id}: ${e.status}${e.error ? ` (${e.error})` : ''}`);
        });
        statuses.set(q.runId, status);
      }
    }),
  );
  if ([...statuses.values()].includes('completed')) log('computing the first-layer SVDs and writing the reference layout');
  const runs = queued.map((q) => {
    const status = statuses.get(q.runId) ?? 'failed';
    const metrics = store.readMetrics(q.runId);
    const last = metrics[metrics.length - 1];
    let svd: LayerSvd | null = null;
    if (status === 'completed') {
      svd = computeLayerSvd(store, q.runId, 0);
      writeReferenceLayout(store, q.runId, o.out, q.ref.id, svd);
    }
    return { ref: q.ref, runId: q.runId, status, testAccuracy: last?.testAccuracy ?? NaN, testRecon: last?.testRecon[0] ?? NaN, svd };
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = table(
    ['run', 'status', 'test acc', 'recon (input)', 'SVD score', 'energy best-k', 'energy top-k', 'run id'],
    runs.map((r) => [
      r.ref.id,
      r.status,
      fmt(r.testAccuracy, 3),
      fmt(r.testRecon),
      fmt(r.svd?.alignment?.score, 3),
      fmt(r.svd?.alignment?.energyBestK, 3),
      fmt(r.svd?.alignment?.energyTopK, 3),
      r.runId,
    ]),
  );
  return { ok: runs.every((r) => r.status === 'completed'), out: o.out, wallSeconds, backend: [...backends].join(',') || 'none', runs, summary };
}
