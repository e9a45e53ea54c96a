// Per-point numbers of a sweep, read from its runs: the last evaluation's
// test accuracy, reconstruction error and loss, and the first layer's SVD
// alignment score at the last checkpoint (computed once, then cached in the
// run folder by computeLayerSvd).
import type { RunStore } from '../store/runStore';
import { computeLayerSvd } from '../svd/runSvd';
import { SWEEP_METRICS, type SweepMetric, type SweepResults } from './metrics';
import { axisLabel, sweepAxes } from './spec';
import type { SweepStatus } from './sweepStore';

const finite = (v: number | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const empty = (): Record<SweepMetric, number | null> => Object.fromEntries(SWEEP_METRICS.map((m) => [m, null])) as Record<SweepMetric, number | null>;

/** One run's numbers (null where one cannot be had; `note` says why). */
export function runMetrics(store: RunStore, runId: string, note: (why: string) => void): Record<SweepMetric, number | null> {
  const metrics = empty();
  const m = store.readMetrics(runId);
  const last = m[m.length - 1];
  metrics.testAccuracy = finite(last?.testAccuracy);
  metrics.recon = finite(last?.testRecon[0]);
  metrics.finalLoss = finite(last?.loss.total);
  try {
    metrics.alignment = finite(computeLayerSvd(store, runId, 0).alignment?.score);
  } catch (e) {
    note(`no SVD alignment score: ${(e as Error).message}`);
  }
  return metrics;
}

/** The numbers of a sweep whose status the caller has already read (with an executor's view of points without a run). */
export function sweepResults(store: RunStore, status: SweepStatus): SweepResults {
  const { sweep } = status;
  const notes: string[] = [];
  const out = status.points.map((p) => {
    const metrics = p.state === 'done' && p.runId ? runMetrics(store, p.runId, (why) => notes.push(`point ${p.index} (${p.key}): ${why}`)) : empty();
    return { index: p.index, key: p.key, values: p.values, state: p.state, runId: p.runId, metrics };
  });
  const missing = out.filter((p) => p.state !== 'done').length;
  if (missing) notes.push(`${missing} of ${out.length} points have no completed run yet: they are left out of the figures`);
  return {
    id: sweep.id,
    name: sweep.name,
    axes: sweepAxes(sweep).map((a) => ({ param: a.param, label: axisLabel(a.param), values: a.values })),
    points: out,
    notes,
  };
}
