// chart.js with only the parts the workbench uses. What a chart shows comes
// from the shared definitions in electron/figures/chartSpecs.ts (the same as
// the exported figures); the small controllers here own the chart.js objects,
// append points and call update('none'): no animation, no parsing ({x,y}
// data), decimation for long runs, and nothing re-rendered by Svelte.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { EvalRecord } from '../../../electron/engine/types';
import {
  CLAMP_MARK,
  clampPoint,
  colorAt,
  lineDataset,
  logFloor,
  metricChart,
  toChartJsConfig,
  type ChartSpec,
  type ChartTheme,
  type MetricChartDef,
} from '../../../electron/figures/chartSpecs';
import { logAxisTicks, logTickLabel } from '../../../electron/figures/logTicks';
import { markersPlugin, resolveMarkers, type ChartMarker, type DrawnMarker } from '../../../electron/figures/phaseMarkers';
import { withAlpha } from '../../../electron/figures/runColors';
import { fmt } from './format';
import { emaNext, type Point } from './series';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Decimation, Legend, Tooltip);

/** Tick labels: compact numbers; on a log axis every tick logTickValues gives. */
export function tickLabel(value: number | string, log: boolean): string {
  return log ? logTickLabel(value) : fmt(Number(value), 3);
}

export function themeColors(): { fg: string; muted: string; grid: string } {
  if (typeof document === 'undefined' || typeof getComputedStyle === 'undefined') return { fg: '#222', muted: '#666', grid: '#ddd' };
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return { fg: v('--fg', '#222'), muted: v('--muted', '#666'), grid: v('--grid', '#ddd') };
}

/** The shared chart theme in the app's colours (CSS variables), on the page's own background. */
export const appTheme = (): ChartTheme => ({ ...themeColors(), background: null });

/** Calls fn when the OS switches between light and dark; returns the unsubscribe function. */
export function onThemeChange(fn: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => {};
  const m = matchMedia('(prefers-color-scheme: dark)');
  m.addEventListener('change', fn);
  return () => m.removeEventListener('change', fn);
}

/** Whether the canvas can draw (not in a DOM without layout). */
export function context2d(canvas: HTMLCanvasElement): boolean {
  try {
    return !!canvas.getContext('2d');
  } catch {
    return false;
  }
}

export interface SeriesChartOptions {
  /** Logarithmic y axis; default: the definition's (until setLog). */
  log?: boolean;
  smoothing?: number;
  /** Called with the phase markers drawn (label and x in CSS px), when they change. */
  onMarkers?: (drawn: DrawnMarker[]) => void;
}

type LineData = ChartDataset<'line', Point[]> & { faintOf?: number };

/** Opacity of the raw curve behind a smoothed one. */
export const FAINT_ALPHA = 0.25;

/**
 * A live line chart of a MetricChartDef (electron/figures/chartSpecs.ts): the
 * definition decides what is drawn (series, labels, colours, dashes, axis
 * titles) and toChartJsConfig how it looks, as in an exported figure; this
 * controller keeps the raw points, appends evaluations with update('none'),
 * smooths (EMA) with the raw curve kept faint behind, toggles the log axis
 * (values <= 0 clamped to its floor and marked) and follows the theme.
 */
export class SeriesChart {
  private chart: Chart<'line', Point[]> | null = null;
  private readonly drawable: boolean;
  private def: MetricChartDef | null = null;
  private raw: Point[][] = [];
  /** Step of each series' last evaluation (appends of older or equal steps are dropped). */
  private lastStep: number[] = [];
  private smoothed: Point[][] = [];
  private lastSmoothed: (number | null)[] = [];
  private shown: Point[][] = [];
  private faint: Point[][] = [];
  private smoothing: number;
  private logOverride: boolean | undefined;
  private pending = false;
  /** Whether the chart.js datasets include the faint raw curves. */
  private withFaint = false;
  /** Step and x of each evaluation of a one-run chart with phases, to place the phase markers on any x axis. */
  private stepX: { step: number; x: number }[] = [];
  private markers: ChartMarker[] = [];
  private drawnKey = '';
  private readonly onMarkers: ((drawn: DrawnMarker[]) => void) | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    opts: SeriesChartOptions = {},
  ) {
    this.smoothing = opts.smoothing ?? 0;
    this.logOverride = opts.log;
    this.onMarkers = opts.onMarkers;
    // No canvas support (e.g. a DOM without layout): the controller keeps data only.
    this.drawable = context2d(canvas);
  }

  private get log(): boolean {
    return this.logOverride ?? this.def?.log ?? false;
  }

  /** Replaces what is drawn: the definition's series over these evaluations (one list for all series, or one per series). */
  setChart(def: MetricChartDef, metrics: readonly EvalRecord[] | ((series: number) => readonly EvalRecord[])): void {
    this.def = def;
    this.raw = metricChart({ ...def, log: false }, metrics).series.map((s) => s.points);
    this.lastStep = def.series.map((_, i) => {
      const list = typeof metrics === 'function' ? metrics(i) : metrics;
      return list.length ? list[list.length - 1]!.step : -Infinity;
    });
    this.stepX = def.phases?.length && typeof metrics !== 'function' ? metrics.map((r) => ({ step: r.step, x: def.x(r) })) : [];
    this.markers = resolveMarkers(def.phases ?? [], this.stepX);
    this.recompute();
    this.configure();
  }

  /** Appends one evaluation to the series of its run (`group`), or to every series of a one-run chart. */
  append(r: EvalRecord, group?: string): void {
    const def = this.def;
    if (!def) return;
    const x = def.x(r);
    let changed = false;
    def.series.forEach((s, i) => {
      if (s.group !== undefined && s.group !== group) return;
      const raw = this.raw[i];
      if (!raw || r.step <= (this.lastStep[i] ?? -Infinity)) return; // already have this step (e.g. loaded and streamed)
      this.lastStep[i] = r.step;
      const y = s.value(r);
      raw.push({ x, y });
      const sm = emaNext(this.lastSmoothed[i] ?? null, y, this.smoothing);
      if (sm !== null) this.lastSmoothed[i] = sm;
      this.smoothed[i]!.push({ x, y: sm });
      changed = true;
    });
    if (!changed) return;
    if (def.phases?.length && group === undefined) {
      this.stepX.push({ step: r.step, x });
      this.markers = resolveMarkers(def.phases, this.stepX);
    }
    this.clamp();
    this.scheduleRefresh();
  }

  setSmoothing(a: number): void {
    if (a === this.smoothing) return;
    const faintBefore = this.smoothing > 0;
    this.smoothing = a;
    this.recompute();
    if (faintBefore !== a > 0) this.configure();
    else this.refresh();
  }

  setLog(log: boolean): void {
    if (log === this.log && this.logOverride !== undefined) return;
    this.logOverride = log;
    this.recompute();
    this.configure();
  }

  applyTheme(): void {
    this.configure();
  }

  /** Number of points of series i (for tests and status). */
  count(i = 0): number {
    return this.raw[i]?.length ?? 0;
  }

  /** The points drawn for series i (smoothed; clamped to the floor on a log axis). */
  points(i = 0): readonly Point[] {
    return this.shown[i] ?? [];
  }

  /** The faint raw curve behind series i (empty without smoothing). */
  faintPoints(i = 0): readonly Point[] {
    return this.faint[i] ?? [];
  }

  /** Values <= 0 drawn on the floor of a log axis (smoothed curves). */
  clampedCount(): number {
    return this.shown.reduce((n, pts) => n + pts.filter((p) => p.clamped).length, 0);
  }

  /** Labels of the series drawn (for tests and status). */
  labels(): string[] {
    return this.def?.series.map((s) => s.label) ?? [];
  }

  /** What the chart shows, with the raw (unsmoothed) values: for its table and CSV. */
  spec(): ChartSpec | null {
    const d = this.def;
    if (!d) return null;
    const { x: _x, series, ...axes } = d;
    const { phases: _phases, ...rest } = axes;
    return {
      ...rest,
      log: this.log,
      ...(this.markers.length ? { markers: this.markers } : {}),
      series: series.map((s, i) => ({ label: s.label, color: s.color, ...(s.group !== undefined ? { group: s.group } : {}), points: this.raw[i] ?? [] })),
    };
  }

  /** A PNG data URL of the chart as drawn, or null without a canvas. */
  png(): string | null {
    return this.chart ? this.chart.toBase64Image('image/png', 1) : null;
  }

  private recompute(): void {
    this.smoothed = [];
    this.lastSmoothed = [];
    this.raw.forEach((series, i) => {
      let s: number | null = null;
      this.smoothed[i] = series.map((p) => {
        const v = emaNext(s, p.y, this.smoothing);
        if (v !== null) s = v;
        return { x: p.x, y: v };
      });
      this.lastSmoothed[i] = s;
    });
    this.clamp();
  }

  /** The points drawn from the smoothed (and raw) ones: on a log axis, values <= 0 go to the axis floor, marked. */
  private clamp(): void {
    const faint = this.smoothing > 0;
    if (!this.log) {
      this.shown = this.smoothed;
      this.faint = faint ? this.raw : [];
      this.floor = undefined;
      return;
    }
    const floor = logFloor(faint ? [...this.smoothed, ...this.raw] : this.smoothed);
    this.shown = this.smoothed.map((pts) => pts.map((p) => clampPoint(p, floor)));
    this.faint = faint ? this.raw.map((pts) => pts.map((p) => clampPoint(p, floor))) : [];
    const any = this.shown.some((pts) => pts.some((p) => p.clamped)) || this.faint.some((pts) => pts.some((p) => p.clamped));
    const next = any ? floor : undefined;
    if (next !== this.floor) {
      this.floor = next;
      this.setFloor();
    }
  }

  private floor: number | undefined;

  private setFloor(): void {
    const y = this.chart?.options.scales?.y as { min?: number } | undefined;
    if (y) y.min = this.floor;
  }

  /** (Re)builds the chart.js configuration from the definition, the axis type and the theme; the data stays. */
  private configure(): void {
    if (!this.drawable || !this.def) return;
    const log = this.log;
    const spec = this.spec()!;
    const config = toChartJsConfig({ ...spec, series: spec.series.map((s, i) => ({ ...s, dash: this.def!.series[i]!.dash, points: [] })) }, appTheme(), {
      responsive: true,
      interactive: true,
      title: false,
    });
    const options = config.options!;
    const y = options.scales!.y!;
    y.ticks = { ...y.ticks, callback: (v: number | string) => tickLabel(v, log) };
    (y as { min?: number }).min = log ? this.floor : this.def.yMin;
    const datasets = config.data.datasets as LineData[];
    this.withFaint = this.smoothing > 0;
    if (this.withFaint) {
      // The raw curves, faint and behind (higher order is drawn first), out of the legend and tooltips.
      const faint = this.def.series.map((s, i): LineData => ({
        ...lineDataset({ label: s.label, color: withAlpha(s.color, FAINT_ALPHA), points: [] }, 0),
        borderWidth: 1,
        order: 1,
        faintOf: i,
      }));
      datasets.forEach((ds) => (ds.order = 0));
      datasets.push(...faint);
      const legend = options.plugins!.legend!;
      legend.labels = { ...legend.labels, filter: (item) => (datasets[item.datasetIndex ?? 0] as LineData).faintOf === undefined };
      // A legend click hides a series and its raw curve together.
      legend.onClick = (_e, item, l) => {
        const chart = l.chart;
        const i = item.datasetIndex ?? 0;
        const visible = chart.isDatasetVisible(i);
        chart.setDatasetVisibility(i, !visible);
        chart.data.datasets.forEach((ds, j) => (ds as LineData).faintOf === i && chart.setDatasetVisibility(j, !visible));
        chart.update('none');
      };
      options.plugins!.tooltip = { ...options.plugins!.tooltip, filter: (item) => (datasets[item.datasetIndex] as LineData).faintOf === undefined };
    }
    if (!this.chart) {
      // The phase markers read this controller's current ones at every draw (they move as evaluations arrive).
      const markers = markersPlugin(
        () => this.markers,
        appTheme,
        (drawn) => this.markersDrawn(drawn),
      );
      this.chart = new Chart<'line', Point[]>(this.canvas, { type: 'line', data: { datasets }, options, plugins: [markers] });
    } else {
      // The same series again (log axis, theme): keep what the user hid in the legend.
      const prev = this.chart;
      const n = this.def.series.length;
      const same = prev.data.datasets.length >= n && datasets.slice(0, n).every((ds, i) => ds.label === prev.data.datasets[i]!.label);
      if (same)
        datasets.forEach((ds, i) => {
          const own = ds.faintOf ?? i;
          if (own < n && !prev.isDatasetVisible(own)) ds.hidden = true;
        });
      this.chart.options = options;
      this.chart.data.datasets = datasets;
    }
    this.refresh();
  }

  /** The phase markers of the chart (x in its axis unit). */
  phaseMarkers(): readonly ChartMarker[] {
    return this.markers;
  }

  private markersDrawn(drawn: DrawnMarker[]): void {
    const key = JSON.stringify(drawn.map((d) => [d.label, Math.round(d.px), d.line]));
    if (key === this.drawnKey) return;
    this.drawnKey = key;
    this.onMarkers?.(drawn);
  }

  private scheduleRefresh(): void {
    if (this.pending) return;
    this.pending = true;
    const run = () => {
      this.pending = false;
      this.refresh();
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    else setTimeout(run, 0);
  }

  private refresh(): void {
    if (!this.chart) return;
    if (this.withFaint !== this.smoothing > 0) return this.configure();
    // Assign through the setter: with decimation active, dataset.data reads the decimated copy.
    this.chart.data.datasets.forEach((ds, i) => {
      const faintOf = (ds as LineData).faintOf;
      const data = faintOf === undefined ? (this.shown[i] ?? []) : (this.faint[faintOf] ?? []);
      ds.data = data;
      // Short series (a few evaluations) get visible points; long ones plain lines (clamped points stay marked).
      const r = faintOf === undefined && data.length <= 40 ? 2 : 0;
      (ds as LineData).pointRadius = (ctx) => ((ctx.raw as Point | undefined)?.clamped ? CLAMP_MARK.radius : r);
    });
    this.setFloor();
    this.chart.update('none');
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}

/** A spectrum spec (chartSpecs.spectrumChart) as bars or a line, each value coloured by its vector's alignment with the data. */
export class SpectrumChart {
  private chart: Chart<'bar' | 'line', (number | null)[], string> | null = null;
  private spec: ChartSpec | null = null;
  constructor(private canvas: HTMLCanvasElement) {}

  /** What is drawn (for its table and CSV). */
  current(): ChartSpec | null {
    return this.spec;
  }

  /** highlight and alignment are indexed like the spec's points (0 = largest σ); yRange: one axis shared with other spectra (min is used on a log axis). */
  draw(spec: ChartSpec, opts: { kind: 'bar' | 'line'; highlight?: number[]; alignment?: number[] | null; yRange?: { min: number; max: number } | null }): void {
    this.spec = spec;
    this.chart?.destroy();
    this.chart = null;
    if (!context2d(this.canvas)) return;
    const t = themeColors();
    const series = spec.series[0];
    const points = series?.points ?? [];
    const color = series?.color ?? colorAt(0);
    const log = !!spec.log;
    const maxAlign = opts.alignment && opts.alignment.length ? Math.max(...opts.alignment, 1e-12) : 0;
    const colors = points.map((_, i) => {
      // Best-aligned vectors in the text colour: no run has it (runs take the palette's colours).
      if (opts.highlight?.includes(i)) return t.fg;
      if (opts.alignment && maxAlign > 0) return withAlpha(color, Math.max(0.15, Math.min(1, (opts.alignment[i] ?? 0) / maxAlign)));
      return color;
    });
    const axisTitle = (text: string) => ({ display: text !== '', text, color: t.muted });
    this.chart = new Chart(this.canvas, {
      type: opts.kind,
      data: {
        labels: points.map((p) => String(p.x)),
        datasets: [
          {
            label: series?.label ?? '',
            data: points.map((p) => p.y),
            backgroundColor: colors,
            borderColor: opts.kind === 'line' ? color : colors,
            pointBackgroundColor: colors,
            pointRadius: opts.kind === 'line' ? 2 : 0,
            borderWidth: opts.kind === 'line' ? 1.5 : 0,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { enabled: true, callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${fmt(item.parsed.y)}` } },
        },
        scales: {
          x: { type: 'category', title: axisTitle(spec.xLabel), ticks: { color: t.muted, maxTicksLimit: 12 }, grid: { display: false } },
          y: {
            type: log ? 'logarithmic' : 'linear',
            ...(opts.yRange ? (log ? { min: opts.yRange.min, max: opts.yRange.max } : { min: 0, max: opts.yRange.max }) : {}),
            title: axisTitle(spec.yLabel),
            ...(log ? logAxisTicks() : {}),
            ticks: { color: t.muted, ...(log ? { autoSkip: false } : {}), callback: (v) => tickLabel(v, log) },
            grid: { color: t.grid },
          },
        },
      },
    });
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}
