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
import { colorAt, logSafe, metricChart, toChartJsConfig, type ChartSpec, type ChartTheme, type MetricChartDef } from '../../../electron/figures/chartSpecs';
import { fmt } from './format';
import { emaNext, type Point } from './series';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Decimation, Legend, Tooltip);

/** Tick labels: compact numbers; on a log axis only 1, 2 and 5 times a power of ten. */
export function tickLabel(value: number | string, log: boolean): string {
  const v = Number(value);
  if (!log) return fmt(v, 3);
  if (v <= 0) return '';
  const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? fmt(v, 2) : '';
}

export function themeColors(): { fg: string; muted: string; grid: string } {
  if (typeof document === 'undefined' || typeof getComputedStyle === 'undefined') return { fg: '#222', muted: '#666', grid: '#ddd' };
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return { fg: v('--fg', '#222'), muted: v('--muted', '#666'), grid: v('--grid', '#ddd') };
}

/** The shared chart theme in the app's colours (CSS variables), on the page's own background. */
const appTheme = (): ChartTheme => ({ ...themeColors(), background: null });

/** Calls fn when the OS switches between light and dark; returns the unsubscribe function. */
export function onThemeChange(fn: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => {};
  const m = matchMedia('(prefers-color-scheme: dark)');
  m.addEventListener('change', fn);
  return () => m.removeEventListener('change', fn);
}

function context2d(canvas: HTMLCanvasElement): boolean {
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
}

type LineData = ChartDataset<'line', Point[]>;

/**
 * A live line chart of a MetricChartDef (electron/figures/chartSpecs.ts): the
 * definition decides what is drawn (series, labels, colours, dashes, axis
 * titles) and toChartJsConfig how it looks, as in an exported figure; this
 * controller keeps the raw points, appends evaluations with update('none'),
 * smooths (EMA), toggles the log axis and follows the theme.
 */
export class SeriesChart {
  private chart: Chart<'line', Point[]> | null = null;
  private readonly drawable: boolean;
  private def: MetricChartDef | null = null;
  private raw: Point[][] = [];
  private shown: Point[][] = [];
  private lastSmoothed: (number | null)[] = [];
  private smoothing: number;
  private logOverride: boolean | undefined;
  private pending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    opts: SeriesChartOptions = {},
  ) {
    this.smoothing = opts.smoothing ?? 0;
    this.logOverride = opts.log;
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
    this.recompute();
    this.configure();
  }

  /** Appends one evaluation to every series (a live run: all series read the same record). */
  append(r: EvalRecord): void {
    const def = this.def;
    if (!def) return;
    const x = def.x(r);
    def.series.forEach((s, i) => {
      const raw = this.raw[i];
      const shown = this.shown[i];
      if (!raw || !shown) return;
      const last = raw[raw.length - 1];
      if (last && last.x >= x) return; // already have this step (e.g. loaded and streamed)
      const y = s.value(r);
      raw.push({ x, y });
      const sm = emaNext(this.lastSmoothed[i] ?? null, y, this.smoothing);
      if (sm !== null) this.lastSmoothed[i] = sm;
      shown.push({ x, y: logSafe(sm, this.log) });
    });
    this.scheduleRefresh();
  }

  setSmoothing(a: number): void {
    if (a === this.smoothing) return;
    this.smoothing = a;
    this.recompute();
    this.refresh();
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

  /** The points drawn for series i (smoothed, log-safe), for tests. */
  points(i = 0): readonly Point[] {
    return this.shown[i] ?? [];
  }

  /** Labels of the series drawn (for tests and status). */
  labels(): string[] {
    return this.def?.series.map((s) => s.label) ?? [];
  }

  private recompute(): void {
    this.shown = [];
    this.lastSmoothed = [];
    this.raw.forEach((series, i) => {
      let s: number | null = null;
      this.shown[i] = series.map((p) => {
        const v = emaNext(s, p.y, this.smoothing);
        if (v !== null) s = v;
        return { x: p.x, y: logSafe(v, this.log) };
      });
      this.lastSmoothed[i] = s;
    });
  }

  /** (Re)builds the chart.js configuration from the definition, the axis type and the theme; the data stays. */
  private configure(): void {
    if (!this.drawable || !this.def) return;
    const log = this.log;
    const config = toChartJsConfig(metricChart({ ...this.def, log }, []), appTheme(), { responsive: true, interactive: true, title: false });
    const options = config.options!;
    const y = options.scales!.y!;
    y.ticks = { ...y.ticks, callback: (v: number | string) => tickLabel(v, log) };
    const datasets = config.data.datasets as LineData[];
    if (!this.chart) {
      this.chart = new Chart<'line', Point[]>(this.canvas, { type: 'line', data: { datasets }, options });
    } else {
      // The same series again (log axis, theme): keep what the user hid in the legend.
      const prev = this.chart;
      const same = prev.data.datasets.length === datasets.length && datasets.every((ds, i) => ds.label === prev.data.datasets[i]!.label);
      if (same) datasets.forEach((ds, i) => !prev.isDatasetVisible(i) && (ds.hidden = true));
      this.chart.options = options;
      this.chart.data.datasets = datasets;
    }
    this.refresh();
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
    // Assign through the setter: with decimation active, dataset.data reads the decimated copy.
    this.chart.data.datasets.forEach((ds, i) => {
      const data = this.shown[i] ?? [];
      ds.data = data;
      // Short series (a few evaluations) get visible points; long ones plain lines.
      (ds as LineData).pointRadius = data.length <= 40 ? 2 : 0;
    });
    this.chart.update('none');
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}

/** Best-aligned singular vectors in the spectrum (the SVD view's figures use the same colour in CSS). */
const HIGHLIGHT = colorAt(2);

/** #rrggbb with an alpha. */
function withAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a.toFixed(3)})`;
}

/** A spectrum spec (chartSpecs.spectrumChart) as bars or a line, each value coloured by its vector's alignment with the data. */
export class SpectrumChart {
  private chart: Chart<'bar' | 'line', (number | null)[], string> | null = null;
  constructor(private canvas: HTMLCanvasElement) {}

  /** highlight and alignment are indexed like the spec's points (0 = largest σ). */
  draw(spec: ChartSpec, opts: { kind: 'bar' | 'line'; highlight?: number[]; alignment?: number[] | null }): void {
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
      if (opts.highlight?.includes(i)) return HIGHLIGHT;
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
        plugins: { legend: { display: false }, tooltip: { enabled: true } },
        scales: {
          x: { type: 'category', title: axisTitle(spec.xLabel), ticks: { color: t.muted, maxTicksLimit: 12 }, grid: { display: false } },
          y: {
            type: log ? 'logarithmic' : 'linear',
            title: axisTitle(spec.yLabel),
            ticks: { color: t.muted, callback: (v) => tickLabel(v, log) },
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
