// The workbench's charts as data: pure functions from run metrics to chart
// specs, and one translation of a spec into a chart.js configuration. The app
// (renderer, live and interactive) and the figure export (Node, on
// @napi-rs/canvas) draw from these same definitions, so an exported figure
// shows exactly what the app shows.
//
// PURE: no DOM, no Node imports, no chart.js runtime (types only). Safe to
// import from the renderer, a worker or Node.
// chart.js is an ES module; its types are read as such from this CommonJS build.
import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js' with { 'resolution-mode': 'import' };
import type { RunConfig } from '../engine/config/schema';
import type { EvalRecord } from '../engine/types';

/** Tableau-10: readable on light and dark backgrounds (same as renderer/src/lib/charts.ts). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;
export const colorAt = (i: number): string => PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;

export interface ChartPoint {
  x: number;
  /** null = no value (a gap; also every value <= 0 on a log axis). */
  y: number | null;
}

export interface ChartSeries {
  label: string;
  color: string;
  points: ChartPoint[];
  dash?: number[];
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
  series: ChartSeries[];
}

/** What the x axis of a metric chart shows. */
export type ChartX = 'step' | 'epoch' | 'elapsed';

export interface MetricChartOptions {
  x?: ChartX;
  /** Overrides the chart's default axis type. */
  log?: boolean;
}

const X_LABEL: Record<ChartX, string> = { step: 'training step', epoch: 'epoch', elapsed: 'training time (s)' };
const xOf = (r: EvalRecord, x: ChartX): number => (x === 'epoch' ? r.epoch : x === 'elapsed' ? r.elapsed : r.step);

const finite = (v: number | undefined | null): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A log axis cannot show values <= 0: they become gaps. */
export const logSafe = (y: number | null, log: boolean): number | null => (y === null || (log && y <= 0) ? null : y);

function series(metrics: EvalRecord[], label: string, color: string, value: (r: EvalRecord) => number | null | undefined, o: { x: ChartX; log: boolean; dash?: number[] }): ChartSeries {
  return {
    label,
    color,
    ...(o.dash ? { dash: o.dash } : {}),
    points: metrics.map((r) => ({ x: xOf(r, o.x), y: logSafe(finite(value(r)), o.log) })),
  };
}

function layerCount(config: RunConfig | null | undefined, metrics: EvalRecord[]): number {
  return config?.network.layers.length ?? metrics[0]?.loss.rr.length ?? 0;
}

/** Total loss, CE, the RR term of every layer with lambda > 0 and the Ort term when lambda_Ort > 0 (weighted contributions). */
export function lossChart(metrics: EvalRecord[], config?: RunConfig | null, opts: MetricChartOptions = {}): ChartSpec {
  const x = opts.x ?? 'step';
  const log = opts.log ?? true;
  const o = { x, log };
  const sample = metrics[0];
  const layers = layerCount(config, metrics);
  const out: ChartSeries[] = [
    series(metrics, 'total', colorAt(0), (r) => r.loss.total, o),
    series(metrics, 'CE', colorAt(1), (r) => r.loss.ce, o),
  ];
  for (let k = 0; k < layers; k++) {
    const lambda = config?.network.layers[k]?.lambda;
    if (lambda !== undefined ? lambda > 0 : (sample?.loss.rr[k] ?? 0) > 0) {
      out.push(series(metrics, `RR layer ${k + 1}`, colorAt(2 + k), (r) => r.loss.rr[k], { ...o, dash: [5, 3] }));
    }
  }
  if (config ? config.loss.lambdaOrt > 0 : (sample?.loss.ort ?? 0) > 0) {
    out.push(series(metrics, 'Ort', colorAt(2 + layers), (r) => r.loss.ort, { ...o, dash: [2, 2] }));
  }
  return { id: 'loss', title: 'Training loss', xLabel: X_LABEL[x], yLabel: 'loss (training batch)', log, series: out };
}

export function accuracyChart(metrics: EvalRecord[], opts: MetricChartOptions = {}): ChartSpec {
  const x = opts.x ?? 'step';
  const log = opts.log ?? false;
  const o = { x, log };
  return {
    id: 'accuracy',
    title: 'Accuracy',
    xLabel: X_LABEL[x],
    yLabel: 'accuracy',
    log,
    ...(log ? {} : { yMin: 0, yMax: 1 }),
    series: [series(metrics, 'train accuracy', colorAt(0), (r) => r.trainAccuracy, o), series(metrics, 'test accuracy', colorAt(1), (r) => r.testAccuracy, o)],
  };
}

/** Test reconstruction error (MSE) of each layer's input by the reverse pass; layer 1's input is the image. */
export function reconChart(metrics: EvalRecord[], config?: RunConfig | null, opts: MetricChartOptions = {}): ChartSpec {
  const x = opts.x ?? 'step';
  const log = opts.log ?? true;
  const layers = config?.network.layers.length ?? metrics[0]?.testRecon.length ?? 0;
  return {
    id: 'recon',
    title: 'Reverse-pass reconstruction error (test set)',
    xLabel: X_LABEL[x],
    yLabel: 'mean squared error',
    log,
    series: Array.from({ length: layers }, (_, k) =>
      series(metrics, k === 0 ? 'input (layer 1)' : `layer ${k + 1} input`, colorAt(k), (r) => r.testRecon[k], { x, log }),
    ),
  };
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

const spectrumPoints = (s: ArrayLike<number>, log: boolean): ChartPoint[] => Array.from(s, (v, j) => ({ x: j + 1, y: logSafe(finite(v), log) }));

/** Singular values of a layer's weight matrix, in descending order (index 1 = largest). */
export function spectrumChart(s: ArrayLike<number>, opts: { log?: boolean; layer?: number; step?: number; label?: string } = {}): ChartSpec {
  const log = opts.log ?? spectrumWantsLog(s);
  const where = `layer ${(opts.layer ?? 0) + 1}${opts.step !== undefined ? `, step ${opts.step}` : ''}`;
  return {
    id: 'spectrum',
    title: `Singular values of W (${where})`,
    xLabel: 'index j (descending σ)',
    yLabel: 'singular value σ',
    log,
    xInteger: true,
    showPoints: s.length <= 64,
    series: [{ label: opts.label ?? 'σ', color: colorAt(0), points: spectrumPoints(s, log) }],
  };
}

export interface RunSeriesInput {
  label: string;
  metrics: EvalRecord[];
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

/** One metric of several runs, one colour per run (in the given order). */
export function overlayChart(runs: RunSeriesInput[], metricId: string, opts: MetricChartOptions = {}): ChartSpec {
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
    series: runs.map((r, i) => series(r.metrics, r.label, colorAt(i), m.value, { x, log })),
  };
}

/** The spectra of several runs, one colour per run. */
export function spectrumOverlayChart(runs: { label: string; s: ArrayLike<number> }[], opts: { log?: boolean; layer?: number } = {}): ChartSpec {
  const log = opts.log ?? runs.some((r) => spectrumWantsLog(r.s));
  const longest = Math.max(0, ...runs.map((r) => r.s.length));
  return {
    id: 'overlay-spectrum',
    title: `Singular values of W (layer ${(opts.layer ?? 0) + 1}) by run`,
    xLabel: 'index j (descending σ)',
    yLabel: 'singular value σ',
    log,
    xInteger: true,
    showPoints: longest <= 64,
    series: runs.map((r, i) => ({ label: r.label, color: colorAt(i), points: spectrumPoints(r.s, log) })),
  };
}

// ---- chart.js configuration ----

export interface ChartTheme {
  /** Text (title, legend). */
  fg: string;
  /** Axis titles and tick labels. */
  muted: string;
  grid: string;
  /** Canvas fill; null = transparent. */
  background: string | null;
  fontFamily?: string;
  /** Base font size in CSS px (ticks, legend); titles are derived from it. */
  fontSize?: number;
}

/** For figures: dark text on white, 11 px ≈ 8 pt at 96 px per inch. */
export const PRINT_THEME: ChartTheme = {
  fg: '#1a1a1a',
  muted: '#444444',
  grid: '#e3e3e3',
  background: '#ffffff',
  fontFamily: "'DejaVu Sans', 'Liberation Sans', Helvetica, Arial, sans-serif",
  fontSize: 11,
};

export interface ChartJsOptions {
  /** false for exports and streaming charts. */
  animation?: boolean;
  /** Figures: false (fixed canvas size); the app: true. */
  responsive?: boolean;
  devicePixelRatio?: number;
  /** Show the spec's title (figures may leave it to the caption). Default true. */
  title?: boolean;
  /** Interactive extras: tooltips and LTTB decimation for long series. Default false. */
  interactive?: boolean;
}

type LineConfig = ChartConfiguration<'line', ChartPoint[]>;

/** Fills the canvas before drawing (chart.js leaves it transparent). */
export function backgroundPlugin(color: string): Plugin<'line'> {
  return {
    id: 'racecarBackground',
    beforeDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = 'destination-over';
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };
}

/** The chart.js configuration of a spec: one place for axes, legend, fonts and line styles. */
export function toChartJsConfig(spec: ChartSpec, theme: ChartTheme = PRINT_THEME, opts: ChartJsOptions = {}): LineConfig {
  const size = theme.fontSize ?? 12;
  const family = theme.fontFamily;
  const font = (s: number, weight?: 'bold' | 'normal') => ({ size: s, ...(family ? { family } : {}), ...(weight ? { weight } : {}) });
  const maxPoints = Math.max(0, ...spec.series.map((s) => s.points.length));
  const points = spec.showPoints ?? maxPoints <= 30;
  const datasets: ChartDataset<'line', ChartPoint[]>[] = spec.series.map((s) => ({
    label: s.label,
    data: s.points.map((p) => ({ x: p.x, y: p.y })) as ChartPoint[],
    borderColor: s.color,
    backgroundColor: s.color,
    borderWidth: 1.5,
    ...(s.dash ? { borderDash: s.dash } : {}),
    pointRadius: points ? 2 : 0,
    pointHoverRadius: points ? 3 : 2,
    pointBorderWidth: 0,
    pointBackgroundColor: s.color,
    tension: 0,
  }));
  const axisTitle = (text: string) => ({ display: text !== '', text, color: theme.muted, font: font(size) });
  const ticks = { color: theme.muted, font: font(size - 1) };
  const config: LineConfig = {
    type: 'line',
    data: { datasets },
    options: {
      animation: opts.animation ? undefined : false,
      parsing: false,
      normalized: true,
      responsive: opts.responsive ?? false,
      maintainAspectRatio: false,
      ...(opts.devicePixelRatio !== undefined ? { devicePixelRatio: opts.devicePixelRatio } : {}),
      spanGaps: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      layout: { padding: { top: 2, right: 10, bottom: 2, left: 2 } },
      scales: {
        x: {
          type: 'linear',
          title: axisTitle(spec.xLabel),
          ticks: { ...ticks, ...(spec.xInteger ? { precision: 0 } : {}), maxRotation: 0 },
          grid: { color: theme.grid },
          border: { color: theme.muted },
        },
        y: {
          type: spec.log ? 'logarithmic' : 'linear',
          ...(spec.log ? {} : { min: spec.yMin, max: spec.yMax }),
          title: axisTitle(spec.yLabel),
          ticks,
          grid: { color: theme.grid },
          border: { color: theme.muted },
        },
      },
      plugins: {
        title: { display: (opts.title ?? true) && spec.title !== '', text: spec.title, color: theme.fg, font: font(size + 1, 'bold'), padding: { top: 2, bottom: 4 } },
        legend: {
          display: spec.series.length > 1 || spec.series[0]?.label !== 'σ',
          position: 'top',
          labels: {
            color: theme.fg,
            font: font(size - 1),
            usePointStyle: true,
            pointStyleWidth: 22,
            boxHeight: 6,
            padding: 8,
            // A line sample in the series' colour and dash (chart.js would take the point style: no dash, no width).
            generateLabels: (chart) =>
              chart.data.datasets.map((ds, i) => ({
                text: ds.label ?? '',
                fillStyle: ds.borderColor as string,
                strokeStyle: ds.borderColor as string,
                fontColor: theme.fg,
                lineWidth: 2,
                lineDash: (ds as { borderDash?: number[] }).borderDash ?? [],
                pointStyle: 'line' as const,
                hidden: !chart.isDatasetVisible(i),
                datasetIndex: i,
              })),
          },
        },
        tooltip: { enabled: !!opts.interactive },
        decimation: { enabled: !!opts.interactive, algorithm: 'lttb', samples: 500, threshold: 1000 },
      },
    },
    plugins: theme.background ? [backgroundPlugin(theme.background)] : [],
  };
  return config;
}
