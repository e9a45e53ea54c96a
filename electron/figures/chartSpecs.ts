// The workbench's charts as data: pure functions from run metrics to chart
// specs (their one translation into chart.js: chartJsConfig.ts). The app
// (renderer, live and interactive) and the figure export (Node, on
// @napi-rs/canvas) draw from these same definitions, so an exported figure
// shows exactly what the app shows: a MetricChartDef says what is drawn
// (series, labels, colours, dashes, axes); the app's live controller
// (renderer/src/lib/charts.ts) only decides how it updates.
//
// PURE: no DOM, no Node imports, no chart.js runtime (types only). Safe to
// import from the renderer, a worker or Node.
import type { RunConfig } from '../engine/config/schema';
import type { EvalRecord } from '../engine/types';
import { RUN_PALETTE, paletteNote, runStyles, type RunColorContext } from './runColors';
import { phaseBoundaries, resolveMarkers, type ChartMarker, type PhaseBoundary } from './phaseMarkers';

/** Tableau-10: readable on light and dark backgrounds. The app and the figures use no other palette (runs take theirs from runColors.ts). */
export const PALETTE = RUN_PALETTE;
export const colorAt = (i: number): string => PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;

export interface ChartPoint {
  x: number;
  /** null = no value (a gap: never bridged). */
  y: number | null;
  /** Tooltip text (interactive charts); default: the series label and y. */
  info?: string;
  /** The run behind this point: clicking it in the app opens the run. */
  runId?: string;
  /** On a log axis: the value was <= 0, so it is drawn at the axis floor (y) and marked; `value` keeps it. */
  clamped?: boolean;
  value?: number;
  /** A scatter point's training step (its table row). */
  step?: number;
}

export interface ChartSeries {
  label: string;
  color: string;
  points: ChartPoint[];
  dash?: number[];
  /** false: markers only (e.g. one dot per seed). */
  line?: boolean;
  /** Marker radius in px (default: 2 when the chart shows points, else 0). */
  pointRadius?: number;
  /** Fill the area between this series and the previous one (a spread band), in this colour. */
  fillToPrevious?: string;
  /** Leave the series out of the legend (band edges, per-seed dots). */
  legend?: boolean;
  /** The run a series belongs to (its id), when a chart shows several runs. */
  group?: string;
  /** A colour per point (e.g. by training step); default: the series colour. */
  pointColors?: string[];
  /** chart.js point style of its markers (default 'circle'). */
  pointStyle?: string;
}

export interface ChartSpec {
  /** File-name friendly id, e.g. 'loss', 'overlay-testAccuracy'. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic y axis. */
  log?: boolean;
  /** Fixed y range (linear axes), e.g. 0..1 for accuracies. */
  yMin?: number;
  yMax?: number;
  /** Integer x ticks (indices, steps). */
  xInteger?: boolean;
  /** Draw a marker at every point; default: when no series has more than 30 points. */
  showPoints?: boolean;
  /** Categorical x axis: x = 0..n-1 labelled with these (e.g. a sweep axis's values). */
  xTicks?: string[];
  /** Log axis with clamped points: the axis starts here (see logFloor). */
  logFloor?: number;
  /** A line above the legend's entries (e.g. more runs than colours: paletteNote). */
  legendNote?: string;
  /** Vertical lines with labels, e.g. where each training phase starts (phaseMarkers.ts). */
  markers?: ChartMarker[];
  /** Points in the plane (both axes data): tooltips pick the nearest point in x and y. */
  scatter?: boolean;
  series: ChartSeries[];
}

/** What the x axis of a metric chart shows. */
export type ChartX = 'step' | 'epoch' | 'elapsed';

export interface MetricChartOptions {
  x?: ChartX;
  /** Overrides the chart's default axis type. */
  log?: boolean;
  /** Overlays: the ids of all runs of the workspace, whose colours the runs keep (runStyles). */
  workspace?: RunColorContext;
}

/** One series of a metric chart: its name and look, and how to read its value from one evaluation. */
export interface MetricSeriesDef {
  label: string;
  color: string;
  dash?: number[];
  /** The run this series reads (its id) when a chart shows several runs; live appends go to its group only. */
  group?: string;
  /** The raw value (finite or null; not yet made log-safe). */
  value: (r: EvalRecord) => number | null;
}

/**
 * A metric chart before its data: axes and series. The export turns it into a
 * ChartSpec over a run's metrics (metricChart); the app's live charts keep it
 * and append one evaluation at a time.
 */
export interface MetricChartDef extends Omit<ChartSpec, 'series' | 'log' | 'markers'> {
  /** Default axis type (the app lets the user toggle it). */
  log: boolean;
  /** Where the run's phases start (a one-run chart of a run with pretraining): marker lines on the chart. */
  phases?: PhaseBoundary[];
  /** The x value of an evaluation (step, epoch or seconds, after MetricChartOptions.x). */
  x: (r: EvalRecord) => number;
  series: MetricSeriesDef[];
}

const X_LABEL: Record<ChartX, string> = { step: 'training step', epoch: 'epoch', elapsed: 'training time (s)' };
const X_OF: Record<ChartX, (r: EvalRecord) => number> = { step: (r) => r.step, epoch: (r) => r.epoch, elapsed: (r) => r.elapsed };

const finite = (v: number | undefined | null): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The floor of a log axis: the decade strictly below the smallest positive
 * value (1 when there is none). Values <= 0 are drawn there, marked, instead of
 * being dropped and bridged by a line that hides them.
 */
export function logFloor(series: readonly (readonly ChartPoint[])[]): number {
  let min = Infinity;
  for (const pts of series) for (const p of pts) if (!p.clamped && p.y !== null && p.y > 0 && p.y < min) min = p.y;
  if (!Number.isFinite(min)) return 1;
  return 10 ** Math.floor(Math.log10(min) - 1e-9);
}

/** A point for a log axis: values <= 0 go to the floor, marked, keeping their value. */
export function clampPoint(p: ChartPoint, floor: number): ChartPoint {
  const v = p.clamped ? p.value! : p.y;
  if (v === null || v > 0) return { x: p.x, y: v };
  return { x: p.x, y: floor, clamped: true, value: v };
}

/** Clamps every series of a log-axis spec to its floor; linear specs are returned as they are. */
export function withLogClamp(spec: ChartSpec): ChartSpec {
  if (!spec.log) return spec;
  const floor = logFloor(spec.series.map((s) => s.points));
  const series = spec.series.map((s) => ({ ...s, points: s.points.map((p) => clampPoint(p, floor)) }));
  return series.some((s) => s.points.some((p) => p.clamped)) ? { ...spec, logFloor: floor, series } : { ...spec, series };
}

const def = (label: string, color: string, value: (r: EvalRecord) => number | null | undefined, dash?: number[], group?: string): MetricSeriesDef => ({
  label,
  color,
  ...(dash ? { dash } : {}),
  ...(group !== undefined ? { group } : {}),
  value: (r) => finite(value(r)),
});

/** The spec of a definition over evaluations: one list for every series, or one per series (overlays). */
export function metricChart(d: MetricChartDef, metrics: readonly EvalRecord[] | ((series: number) => readonly EvalRecord[])): ChartSpec {
  const { x, series, phases, ...axes } = d;
  const markers =
    phases?.length && typeof metrics !== 'function'
      ? resolveMarkers(
          phases,
          metrics.map((r) => ({ step: r.step, x: x(r) })),
        )
      : [];
  return withLogClamp({
    ...axes,
    ...(markers.length ? { markers } : {}),
    series: series.map((s, i) => ({
      label: s.label,
      color: s.color,
      ...(s.dash ? { dash: s.dash } : {}),
      ...(s.group !== undefined ? { group: s.group } : {}),
      points: (typeof metrics === 'function' ? metrics(i) : metrics).map((r) => ({ x: x(r), y: s.value(r) })),
    })),
  });
}

/** A one-run chart's phase boundaries, when the run has more than one phase. */
const phaseProps = (config?: RunConfig | null): { phases?: PhaseBoundary[] } => {
  const phases = phaseBoundaries(config);
  return phases.length ? { phases } : {};
};

/** Total loss, CE, the RR term of every layer with lambda > 0 and the Ort term when lambda_Ort > 0 (weighted contributions). Without a config, `sample` (an evaluation) decides. */
export function lossChartDef(config?: RunConfig | null, sample?: EvalRecord, opts: MetricChartOptions = {}): MetricChartDef {
  const x = opts.x ?? 'step';
  const layers = config?.network.layers.length ?? sample?.loss.rr.length ?? 0;
  const out: MetricSeriesDef[] = [def('total', colorAt(0), (r) => r.loss.total), def('CE', colorAt(1), (r) => r.loss.ce)];
  for (let k = 0; k < layers; k++) {
    const lambda = config?.network.layers[k]?.lambda;
    if (lambda !== undefined ? lambda > 0 : (sample?.loss.rr[k] ?? 0) > 0) out.push(def(`RR layer ${k + 1}`, colorAt(2 + k), (r) => r.loss.rr[k], [5, 3]));
  }
  if (config ? config.loss.lambdaOrt > 0 : (sample?.loss.ort ?? 0) > 0) out.push(def('Ort', colorAt(2 + layers), (r) => r.loss.ort, [2, 2]));
  return {
    id: 'loss',
    title: 'Training loss',
    xLabel: X_LABEL[x],
    yLabel: 'loss (training batch)',
    log: opts.log ?? true,
    x: X_OF[x],
    ...phaseProps(config),
    series: out,
  };
}

export function lossChart(metrics: EvalRecord[], config?: RunConfig | null, opts: MetricChartOptions = {}): ChartSpec {
  return metricChart(lossChartDef(config, metrics[0], opts), metrics);
}

export function accuracyChartDef(opts: MetricChartOptions = {}, config?: RunConfig | null): MetricChartDef {
  const x = opts.x ?? 'step';
  const log = opts.log ?? false;
  return {
    id: 'accuracy',
    title: 'Accuracy',
    xLabel: X_LABEL[x],
    yLabel: 'accuracy',
    log,
    ...(log ? {} : { yMin: 0, yMax: 1 }),
    x: X_OF[x],
    ...phaseProps(config),
    series: [def('train accuracy', colorAt(0), (r) => r.trainAccuracy), def('test accuracy', colorAt(1), (r) => r.testAccuracy)],
  };
}

export function accuracyChart(metrics: EvalRecord[], opts: MetricChartOptions = {}, config?: RunConfig | null): ChartSpec {
  return metricChart(accuracyChartDef(opts, config), metrics);
}

/** Test reconstruction error (MSE) of each layer's input by the reverse pass; layer 1's input is the image. */
export function reconChartDef(config?: RunConfig | null, sample?: EvalRecord, opts: MetricChartOptions = {}): MetricChartDef {
  const x = opts.x ?? 'step';
  const layers = config?.network.layers.length ?? sample?.testRecon.length ?? 0;
  return {
    id: 'recon',
    title: 'Reverse-pass reconstruction error (test set)',
    xLabel: X_LABEL[x],
    yLabel: 'mean squared error',
    log: opts.log ?? true,
    x: X_OF[x],
    ...phaseProps(config),
    series: Array.from({ length: layers }, (_, k) => def(k === 0 ? 'input (layer 1)' : `layer ${k + 1} input`, colorAt(k), (r) => r.testRecon[k])),
  };
}

export function reconChart(metrics: EvalRecord[], config?: RunConfig | null, opts: MetricChartOptions = {}): ChartSpec {
  return metricChart(reconChartDef(config, metrics[0], opts), metrics);
}

/** Whether a spectrum spans enough decades to be read better on a log axis. */
export function spectrumWantsLog(s: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v > 0 && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return hi > 0 && hi / lo > 100;
}

const spectrumPoints = (s: ArrayLike<number>): ChartPoint[] => Array.from(s, (v, j) => ({ x: j + 1, y: finite(v) }));

/** Singular values of a layer's weight matrix, in descending order (index 1 = largest). */
export function spectrumChart(s: ArrayLike<number>, opts: { log?: boolean; layer?: number; step?: number; label?: string; color?: string } = {}): ChartSpec {
  const log = opts.log ?? spectrumWantsLog(s);
  const where = `layer ${(opts.layer ?? 0) + 1}${opts.step !== undefined ? `, step ${opts.step}` : ''}`;
  return withLogClamp({
    id: 'spectrum',
    title: `Singular values of W (${where})`,
    xLabel: 'index j (descending σ)',
    yLabel: 'singular value σ',
    log,
    xInteger: true,
    showPoints: s.length <= 64,
    series: [{ label: opts.label ?? 'σ', color: opts.color ?? colorAt(0), points: spectrumPoints(s) }],
  });
}

export interface RunSeriesInput {
  /** The run's id: its colour (runColors.ts). */
  id: string;
  label: string;
  metrics: EvalRecord[];
}

/** A run drawn in an overlay: its id (colour) and its label. */
export interface RunRef {
  id: string;
  label: string;
}

export interface OverlayMetric {
  id: string;
  label: string;
  value: (r: EvalRecord) => number | null;
  log: boolean;
}

/** Metrics that can be overlaid across runs (same ids as the Runs view). */
export const OVERLAY_METRICS: readonly OverlayMetric[] = [
  { id: 'total', label: 'total loss', value: (r) => finite(r.loss.total), log: true },
  { id: 'ce', label: 'cross-entropy', value: (r) => finite(r.loss.ce), log: true },
  { id: 'testAccuracy', label: 'test accuracy', value: (r) => finite(r.testAccuracy), log: false },
  { id: 'trainAccuracy', label: 'train accuracy', value: (r) => finite(r.trainAccuracy), log: false },
  { id: 'recon0', label: 'test reconstruction (input)', value: (r) => finite(r.testRecon[0]), log: true },
  { id: 'rr', label: 'RR term (sum over layers)', value: (r) => finite(r.loss.rr.reduce((a, b) => a + b, 0)), log: true },
  { id: 'ort', label: 'Ort term', value: (r) => finite(r.loss.ort), log: true },
];

export function findOverlayMetric(id: string): OverlayMetric | undefined {
  return OVERLAY_METRICS.find((m) => m.id === id);
}

/** One metric of several runs: one series per run, in the run's own colour (runColors.ts), whatever the order. */
export function overlayChartDef(runs: readonly RunRef[], metricId: string, opts: MetricChartOptions = {}): MetricChartDef {
  const m = findOverlayMetric(metricId);
  if (!m) throw new RangeError(`unknown overlay metric '${metricId}': use one of ${OVERLAY_METRICS.map((x) => x.id).join(', ')}`);
  const x = opts.x ?? 'step';
  const log = opts.log ?? m.log;
  const accuracy = metricId === 'testAccuracy' || metricId === 'trainAccuracy';
  return {
    id: `overlay-${metricId}`,
    title: `${m.label[0]!.toUpperCase()}${m.label.slice(1)} by run`,
    xLabel: X_LABEL[x],
    yLabel: m.label,
    log,
    ...(accuracy && !log ? { yMin: 0, yMax: 1 } : {}),
    x: X_OF[x],
    ...legendNote(runs),
    series: runSeries(runs, opts.workspace, (r, style) => def(r.label, style.color, m.value, style.dash, r.id)),
  };
}

const legendNote = (runs: readonly RunRef[]): { legendNote?: string } => {
  const note = paletteNote(runs.length);
  return note ? { legendNote: note } : {};
};

/** One item per run, each with the run's style. */
function runSeries<R extends RunRef, T>(
  runs: readonly R[],
  workspace: RunColorContext | undefined,
  make: (r: R, style: { color: string; dash?: number[] }) => T,
): T[] {
  const styles = runStyles(
    runs.map((r) => r.id),
    workspace,
  );
  return runs.map((r) => make(r, styles.get(r.id)!));
}

export function overlayChart(runs: RunSeriesInput[], metricId: string, opts: MetricChartOptions = {}): ChartSpec {
  return metricChart(overlayChartDef(runs, metricId, opts), (i) => runs[i]!.metrics);
}

/** The spectra of several runs, one colour per run (runColors.ts). */
export function spectrumOverlayChart(
  runs: { id: string; label: string; s: ArrayLike<number> }[],
  opts: { log?: boolean; layer?: number; workspace?: RunColorContext } = {},
): ChartSpec {
  const log = opts.log ?? runs.some((r) => spectrumWantsLog(r.s));
  const longest = Math.max(0, ...runs.map((r) => r.s.length));
  return withLogClamp({
    id: 'overlay-spectrum',
    title: `Singular values of W (layer ${(opts.layer ?? 0) + 1}) by run`,
    xLabel: 'index j (descending σ)',
    yLabel: 'singular value σ',
    log,
    xInteger: true,
    showPoints: longest <= 64,
    ...legendNote(runs),
    series: runSeries(runs, opts.workspace, (r, style) => ({
      label: r.label,
      color: style.color,
      ...(style.dash ? { dash: style.dash } : {}),
      group: r.id,
      points: spectrumPoints(r.s),
    })),
  });
}

export type { ChartMarker, PhaseBoundary } from './phaseMarkers';

// The chart.js side (one translation of these specs) lives in chartJsConfig.ts; importers of the specs get it here too.
export * from './chartJsConfig';
