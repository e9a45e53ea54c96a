// What a sweep compares per point: one number per run. PURE (types and
// constants), shared by the results collector, the figures, the contract and
// the Sweep view.
import type { AxisParam, AxisValue } from './spec';
import type { PointState } from './sweepStore';

export const SWEEP_METRICS = ['alignment', 'recon', 'testAccuracy', 'finalLoss'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

export interface SweepMetricInfo {
  label: string;
  /** Longer, for captions. */
  description: string;
  /** Spans decades: drawn on a log axis. */
  log: boolean;
  /** Fixed range of a bounded metric. */
  range?: [number, number];
}

/** What the SVD measures of alignment with the data mean: one definition for the SVD view, the Sweep view and the exports' captions. */
export const ALIGNMENT_TERMS = {
  score:
    "the mean over classes of the best |cosine| between the class's test-set mean and any input-space singular vector (1 = a singular vector looks exactly like the class mean)",
  energyTopK: (k: number) => `the share of the test images' energy (sum of their squared pixel values) in the ${k} singular vectors with the largest σ`,
  energyBestK: (k: number) =>
    `the share in the ${k} singular vectors that capture the most of it, whatever their σ (well above energy top-${k}: the data-like vectors have small σ)`,
} as const;

export const SWEEP_METRIC_INFO: Record<SweepMetric, SweepMetricInfo> = {
  alignment: {
    label: 'SVD alignment score',
    description: `SVD alignment score of the first layer at the run's last checkpoint: ${ALIGNMENT_TERMS.score}`,
    log: false,
    range: [0, 1],
  },
  recon: {
    label: 'reconstruction error',
    description: "the reverse pass's mean squared reconstruction error of the network input over the test set at the last evaluation",
    log: true,
  },
  testAccuracy: { label: 'test accuracy', description: 'test accuracy at the last evaluation', log: false, range: [0, 1] },
  finalLoss: { label: 'final loss', description: 'total training loss (cross-entropy plus the weighted regularisers) at the last evaluation', log: true },
};

export const isSweepMetric = (m: unknown): m is SweepMetric => typeof m === 'string' && (SWEEP_METRICS as readonly string[]).includes(m);

export interface SweepAxisInfo {
  param: AxisParam;
  label: string;
  values: AxisValue[];
}

export interface SweepPointResult {
  index: number;
  key: string;
  values: Record<string, AxisValue>;
  state: PointState;
  /** The point's run (a completed one when there is one). */
  runId: string | null;
  /** null: no completed run, or the metric could not be computed (see notes). */
  metrics: Record<SweepMetric, number | null>;
}

/** A sweep's per-point numbers: what the Sweep view and the sweep figures are drawn from. */
export interface SweepResults {
  id: string;
  name: string;
  axes: SweepAxisInfo[];
  points: SweepPointResult[];
  /** One line per value left out (e.g. a run without a checkpoint has no SVD score). */
  notes: string[];
}
