// Number and config formatting for display. Every value shown comes from the engine.
import { usesBatchNorm, type LayerConfig, type RunConfig } from '../../../electron/engine/config/schema';
import { layerLabel } from '../../../electron/engine/config/layerNotation';
import { imageShape } from '../../../electron/engine/data/dataset';
import { inputLabel } from '../../../electron/engine/model/geometry';
import type { RunRecord } from '../../../electron/engine/types';

import { fmtShort } from '../../../electron/figures/numberFormat';

export { fmt, fmtShort } from '../../../electron/figures/numberFormat';

export const pct = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '—' : `${(n * 100).toFixed(1)}%`);

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function dataLabel(c: RunConfig): string {
  const s = c.data.source;
  const scale = c.data.scale === 'unit' ? ', unit scale' : '';
  if (s.kind === 'peak') return `peak ${s.trainPerClass}/${s.testPerClass} per class, ${s.size}px${scale}`;
  if (s.kind === 'mnist') {
    const per =
      s.trainPerClass !== undefined || s.testPerClass !== undefined ? ` ${s.trainPerClass ?? 'all'}/${s.testPerClass ?? 'all'} per class` : ' all images';
    return `MNIST digits ${s.digits.join(',')}${per}${scale}`;
  }
  const split = s.split.kind === 'ratio' ? `test ratio ${s.split.testRatio}` : `train [${s.split.train.join(',')}) test [${s.split.test.join(',')})`;
  return `folder ${s.path} (${split})${scale}`;
}

/** "784-128-2" when the input size is known from the run's data info, else "?-128-2". */
export function layersLabel(c: RunConfig, run?: Pick<RunRecord, 'dataInfo'>): string {
  const input = run?.dataInfo ? inputLabel(imageShape(run.dataInfo)) : inputFromConfig(c);
  const act = (l: LayerConfig) => (l.type === 'pool' || l.activation === 'linear' ? '' : ` ${l.activation}`);
  return [input, ...c.network.layers.map((l) => `${layerLabel(l)}${usesBatchNorm(l) ? 'bn' : ''}${act(l)}`)].join('–');
}

function inputFromConfig(c: RunConfig): string {
  const s = c.data.source;
  if (s.kind === 'mnist') return '784';
  if (s.kind === 'peak') return String(s.size * s.size);
  return '?';
}

/** The reverse-pass lambda of every layer, in order: "1e-6, 1e-6". */
export function lambdasLabel(c: RunConfig): string {
  return c.network.layers.map((l) => fmtShort(l.lambda)).join(', ');
}

export function stepsLabel(c: RunConfig, totalSteps?: number): string {
  if (c.training.steps !== undefined) return String(c.training.steps);
  if (c.training.epochs !== undefined) return `${c.training.epochs} epochs${totalSteps ? ` (${totalSteps} steps)` : ''}`;
  return totalSteps ? String(totalSteps) : '—';
}

/** Std / Ort / RR / mixed, from the lambdas. */
export function regularizerLabel(c: RunConfig): string {
  const rr = c.network.layers.some((l) => l.lambda > 0);
  const ort = c.loss.lambdaOrt > 0;
  if (rr && ort) return 'RR+Ort';
  if (rr) return 'RR';
  if (ort) return 'Ort';
  return 'Std';
}

const REGULARIZER_ORDER = ['Std', 'Ort', 'RR', 'RR+Ort'];

/** Runs by data set (in the order they first appear), each in the order Std, Ort, RR, RR+Ort (as the paper's figures), else as given. */
export function byRegularizer<T extends { run: { config: RunConfig } }>(runs: readonly T[]): T[] {
  const sets = [...new Set(runs.map((s) => dataLabel(s.run.config)))];
  const rank = (s: T) => sets.indexOf(dataLabel(s.run.config)) * REGULARIZER_ORDER.length + REGULARIZER_ORDER.indexOf(regularizerLabel(s.run.config));
  return runs
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i)
    .map((x) => x.s);
}
