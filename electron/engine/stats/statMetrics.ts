// The metrics statistics over seeds are taken of, and their labels: pure, so
// the app's statistics panel and the export's tables name them alike.
import { SWEEP_METRIC_INFO, type SweepMetric } from '../sweep/metrics';

export const STAT_METRICS = ['testAccuracy', 'alignment', 'recon'] as const satisfies readonly SweepMetric[];
export type StatMetric = (typeof STAT_METRICS)[number];
export const statLabel = (m: StatMetric): string => SWEEP_METRIC_INFO[m].label;
