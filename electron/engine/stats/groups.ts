// Statistics over groups of runs (a sweep's seeds, or runs picked by hand):
// the runs grouped by mode (Std, Ort, RR, RR+Ort, Pre...: from each run's config),
// each metric summarised per group, and Welch's test between every two
// groups on every metric.
import type { RunConfig } from '../config/schema';
import type { RunStore } from '../store/runStore';
import { runMetrics } from '../sweep/results';
import { summarize, welch, type Summary, type Welch } from './summary';

import { STAT_METRICS, type StatMetric } from './statMetrics';
export { STAT_METRICS, statLabel, type StatMetric } from './statMetrics';

export const MODES = ['Std', 'Ort', 'RR', 'RR+Ort', 'Pre', 'Pre+Ort', 'Pre+RR', 'Pre+RR+Ort'] as const;
export type Mode = (typeof MODES)[number];

/** A run's mode: RR where any layer's reverse-pass lambda is above 0, Ort where SRIP's is, Pre where it pretrains layer-wise first. */
export function runMode(c: RunConfig): Mode {
  const rr = c.network.layers.some((l) => l.lambda > 0);
  const ort = c.loss.lambdaOrt > 0;
  const parts = [c.training.pretrain ? 'Pre' : '', rr ? 'RR' : '', ort ? 'Ort' : ''].filter(Boolean);
  return (parts.length ? parts.join('+') : 'Std') as Mode;
}

export interface GroupStats {
  mode: Mode;
  runs: string[];
  metrics: Record<StatMetric, Summary>;
}

export interface ModeTest {
  a: Mode;
  b: Mode;
  metric: StatMetric;
  test: Welch;
}

export interface RunStats {
  groups: GroupStats[];
  tests: ModeTest[];
  /** Runs or values left out, and why. */
  notes: string[];
}

/** Completed runs only; a metric a run cannot give (e.g. no checkpoint for the SVD) is left out of that metric, with a note. */
export function statsOfRuns(store: RunStore, ids: string[]): RunStats {
  const notes: string[] = [];
  const byMode = new Map<Mode, { runs: string[]; values: Record<StatMetric, number[]> }>();
  for (const id of ids) {
    const run = store.get(id);
    if (run.status !== 'completed') {
      notes.push(`${id}: left out (${run.status}, not completed)`);
      continue;
    }
    const mode = runMode(run.config);
    let g = byMode.get(mode);
    if (!g) byMode.set(mode, (g = { runs: [], values: { testAccuracy: [], alignment: [], recon: [] } }));
    g.runs.push(id);
    const m = runMetrics(store, id, (why) => notes.push(`${id}: ${why}`));
    for (const k of STAT_METRICS) if (m[k] !== null) g.values[k].push(m[k]);
  }
  const groups = MODES.filter((mode) => byMode.has(mode)).map((mode) => {
    const g = byMode.get(mode)!;
    return { mode, runs: g.runs, metrics: Object.fromEntries(STAT_METRICS.map((k) => [k, summarize(g.values[k])])) as Record<StatMetric, Summary> };
  });
  const tests: ModeTest[] = [];
  for (let i = 0; i < groups.length; i++)
    for (let j = i + 1; j < groups.length; j++)
      for (const metric of STAT_METRICS) {
        const t = welch(byMode.get(groups[i].mode)!.values[metric], byMode.get(groups[j].mode)!.values[metric]);
        if (t) tests.push({ a: groups[i].mode, b: groups[j].mode, metric, test: t });
      }
  const small = groups.filter((g) => g.runs.length < 2).map((g) => g.mode);
  if (small.length) notes.push(`${small.join(', ')}: fewer than two runs, so no spread, interval or test (train more seeds)`);
  return { groups, tests, notes };
}
