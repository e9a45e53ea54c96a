// Which series each chart shows for a run, and how to read them from an EvalRecord.
import type { RunConfig } from '../../../electron/engine/config/schema';
import type { EvalRecord } from '../../../electron/engine/types';
import { colorAt } from './charts';

export interface MetricSeries {
  label: string;
  color: string;
  dash?: number[];
  value: (r: EvalRecord) => number | null;
}

const at = (xs: number[] | undefined, i: number): number | null => {
  const v = xs?.[i];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** Total loss, CE, the RR term of every layer with λ > 0 and the Ort term when λ_Ort > 0. */
export function lossSeries(config: RunConfig | null, sample?: EvalRecord): MetricSeries[] {
  const layers = config?.network.layers.length ?? sample?.loss.rr.length ?? 0;
  const out: MetricSeries[] = [
    { label: 'total', color: colorAt(0), value: (r) => r.loss.total },
    { label: 'CE', color: colorAt(1), value: (r) => r.loss.ce },
  ];
  for (let k = 0; k < layers; k++) {
    const lambda = config?.network.layers[k]?.lambda;
    if (lambda !== undefined ? lambda > 0 : (sample?.loss.rr[k] ?? 0) > 0) {
      out.push({ label: `RR layer ${k + 1}`, color: colorAt(2 + k), dash: [5, 3], value: (r) => at(r.loss.rr, k) });
    }
  }
  if (config ? config.loss.lambdaOrt > 0 : (sample?.loss.ort ?? 0) > 0) {
    out.push({ label: 'Ort', color: colorAt(2 + layers), dash: [2, 2], value: (r) => r.loss.ort });
  }
  return out;
}

export function accuracySeries(): MetricSeries[] {
  return [
    { label: 'train accuracy', color: colorAt(0), value: (r) => r.trainAccuracy },
    { label: 'test accuracy', color: colorAt(1), value: (r) => r.testAccuracy },
  ];
}

/** Test reconstruction error of each layer's input (layer 1's input is the image). */
export function reconSeries(config: RunConfig | null, sample?: EvalRecord): MetricSeries[] {
  const layers = config?.network.layers.length ?? sample?.testRecon.length ?? 0;
  return Array.from({ length: layers }, (_, k) => ({
    label: k === 0 ? 'input (layer 1)' : `layer ${k + 1} input`,
    color: colorAt(k),
    value: (r: EvalRecord) => at(r.testRecon, k),
  }));
}

/** Metrics that can be overlaid across runs in the Runs view. */
export const OVERLAY_METRICS: { id: string; label: string; value: (r: EvalRecord) => number | null; log: boolean }[] = [
  { id: 'total', label: 'total loss', value: (r) => r.loss.total, log: true },
  { id: 'ce', label: 'cross-entropy', value: (r) => r.loss.ce, log: true },
  { id: 'testAccuracy', label: 'test accuracy', value: (r) => r.testAccuracy, log: false },
  { id: 'trainAccuracy', label: 'train accuracy', value: (r) => r.trainAccuracy, log: false },
  { id: 'recon0', label: 'test reconstruction (input)', value: (r) => at(r.testRecon, 0), log: true },
  { id: 'rr', label: 'RR term (sum over layers)', value: (r) => r.loss.rr.reduce((a, b) => a + b, 0), log: true },
  { id: 'ort', label: 'Ort term', value: (r) => r.loss.ort, log: true },
];

/** Order of the singular-vector images: by σ (descending or ascending) or by share of the data's energy. */
export type SvdSort = 'sigma' | 'sigma-asc' | 'alignment';
