// A sweep as a figure bundle: its per-point results, the figures to draw and
// the runs whose metrics and configs go along. Shared by `racecar export
// --sweep` and the app's export thread.
import type { RunStore } from '../engine/store/runStore';
import { SWEEP_METRICS, isSweepMetric, type SweepMetric } from '../engine/sweep/metrics';
import { sweepResults } from '../engine/sweep/results';
import { readSweep, sweepFileJson, sweepStatus } from '../engine/sweep/sweepStore';
import { defaultSweepChoice, type SweepFigureChoice } from '../figures/sweepCharts';
import { ExportError, type SweepExport } from './bundle';

export interface SweepExportRequest {
  id: string;
  /** Default: every metric. */
  metrics?: string[];
  /** Default: the sweep's first non-seed axis. */
  x?: string;
  y?: string;
  kind?: 'heatmap' | 'lines';
}

/** Resolves a sweep export; throws ExportError (one line) for an unknown metric or a sweep without completed runs. */
export function resolveSweepExport(store: RunStore, req: SweepExportRequest): { sweep: SweepExport; runIds: string[] } {
  const metrics = req.metrics ?? [...SWEEP_METRICS];
  for (const m of metrics) if (!isSweepMetric(m)) throw new ExportError(`unknown sweep metric '${m}': use ${SWEEP_METRICS.join(', ')}`);
  const { sweep, points } = readSweep(store.workspace, req.id);
  const results = sweepResults(store, sweepStatus(store, sweep, points));
  const x = req.x ?? defaultSweepChoice(results)?.x;
  if (x === undefined) throw new ExportError(`sweep ${req.id} has no axis with two or more values: nothing to draw`);
  const runIds = results.points.flatMap((p) => (p.state === 'done' && p.runId ? [p.runId] : []));
  if (!runIds.length) throw new ExportError(`sweep ${req.id} has no completed run yet: wait for its first point (racecar sweep status ${req.id})`);
  const choices: SweepFigureChoice[] = (metrics as SweepMetric[]).map((metric) => ({
    metric,
    x,
    ...(req.y !== undefined ? { y: req.y } : {}),
    ...(req.kind ? { kind: req.kind } : {}),
  }));
  return { sweep: { results, choices, sweepFile: sweepFileJson(sweep) }, runIds };
}
