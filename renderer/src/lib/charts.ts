// chart.js with only the parts the workbench uses. Charts are owned by small
// controllers that append points and call update('none'): no animation, no
// parsing ({x,y} data), decimation for long runs, and nothing re-rendered by Svelte.
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
import { fmt } from './format';
import { emaNext, logSafe, type Point } from './series';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Decimation, Legend, Tooltip);

/** Tick labels: compact numbers; on a log axis only 1, 2 and 5 times a power of ten. */
export function tickLabel(value: number | string, log: boolean): string {
  const v = Number(value);
  if (!log) return fmt(v, 3);
  if (v <= 0) return '';
  const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? fmt(v, 2) : '';
}

/** Tableau-10: readable on light and dark backgrounds. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const colorAt = (i: number): string => PALETTE[i % PALETTE.length]!;

export function themeColors(): { fg: string; muted: string; grid: string } {
  if (typeof document === 'undefined' || typeof getComputedStyle === 'undefined') return { fg: '#222', muted: '#666', grid: '#ddd' };
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return { fg: v('--fg', '#222'), muted: v('--muted', '#666'), grid: v('--grid', '#ddd') };
}

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

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
}

export interface SeriesChartOptions {
  xLabel?: string;
  yLabel?: string;
  log?: boolean;
  smoothing?: number;
  yMin?: number;
  yMax?: number;
}

type LineData = ChartDataset<'line', Point[]>;

/** A line chart of several series over the training step. */
export class SeriesChart {
  private chart: Chart<'line', Point[]> | null = null;
  private raw: Point[][] = [];
  private shown: Point[][] = [];
  private lastSmoothed: (number | null)[] = [];
  private smoothing: number;
  private log: boolean;
  private pending = false;

  constructor(canvas: HTMLCanvasElement, private opts: SeriesChartOptions = {}) {
    this.smoothing = opts.smoothing ?? 0;
    this.log = opts.log ?? false;
    if (!context2d(canvas)) return; // no canvas support (e.g. a DOM without layout): the controller keeps data only
    const t = themeColors();
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 1.5 } },
        scales: {
          x: { type: 'linear', title: { display: !!opts.xLabel, text: opts.xLabel ?? '', color: t.muted }, ticks: { color: t.muted }, grid: { color: t.grid } },
          y: this.yScale(),
        },
        plugins: {
          decimation: { enabled: true, algorithm: 'lttb', samples: 500, threshold: 1000 },
          legend: { labels: { color: t.fg, boxWidth: 12 } },
          tooltip: { enabled: true },
        },
      },
    });
  }

  private yScale() {
    const t = themeColors();
    return {
      type: this.log ? ('logarithmic' as const) : ('linear' as const),
      min: this.log ? undefined : this.opts.yMin,
      max: this.opts.yMax,
      title: { display: !!this.opts.yLabel, text: this.opts.yLabel ?? '', color: t.muted },
      ticks: { color: t.muted, callback: (v: number | string) => tickLabel(v, this.log) },
      grid: { color: t.grid },
    };
  }

  /** Replaces all series. */
  setSeries(specs: SeriesSpec[], data: Point[][]): void {
    this.raw = data.map((d) => d.map((p) => ({ x: p.x, y: p.y })));
    this.recompute();
    if (!this.chart) return;
    this.chart.data.datasets = specs.map(
      (s, i): LineData => ({
        label: s.label,
        data: this.shown[i] ?? [],
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.dash,
        pointRadius: 0,
      }),
    );
    this.refresh();
  }

  /** Appends one point to each series (null = no value for that series). */
  appendRow(x: number, ys: (number | null)[]): void {
    ys.forEach((y, i) => {
      const raw = this.raw[i];
      const shown = this.shown[i];
      if (!raw || !shown) return;
      const last = raw[raw.length - 1];
      if (last && last.x >= x) return; // already have this step (e.g. loaded and streamed)
      raw.push({ x, y });
      const s = emaNext(this.lastSmoothed[i] ?? null, y, this.smoothing);
      if (s !== null) this.lastSmoothed[i] = s;
      shown.push({ x, y: logSafe(s, this.log) });
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
    if (log === this.log) return;
    this.log = log;
    this.recompute();
    if (this.chart) this.chart.options.scales!.y = this.yScale();
    this.refresh();
  }

  applyTheme(): void {
    if (!this.chart) return;
    const t = themeColors();
    const x = this.chart.options.scales!.x!;
    x.ticks = { ...x.ticks, color: t.muted };
    x.grid = { ...x.grid, color: t.grid };
    this.chart.options.scales!.y = this.yScale();
    this.chart.options.plugins!.legend!.labels!.color = t.fg;
    this.refresh();
  }

  /** Number of points of series i (for tests and status). */
  count(i = 0): number {
    return this.raw[i]?.length ?? 0;
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

/** Singular values as bars (or a line), coloured by each vector's alignment with the data. */
export class SpectrumChart {
  private chart: Chart<'bar' | 'line', number[], string> | null = null;
  constructor(private canvas: HTMLCanvasElement) {}

  draw(values: number[], opts: { log: boolean; kind: 'bar' | 'line'; highlight?: number[]; alignment?: number[] | null }): void {
    this.chart?.destroy();
    this.chart = null;
    if (!context2d(this.canvas)) return;
    const t = themeColors();
    const maxAlign = opts.alignment && opts.alignment.length ? Math.max(...opts.alignment, 1e-12) : 0;
    const colors = values.map((_, i) => {
      if (opts.highlight?.includes(i)) return '#e15759';
      if (opts.alignment && maxAlign > 0) {
        const a = Math.max(0.15, Math.min(1, (opts.alignment[i] ?? 0) / maxAlign));
        return `rgba(78,121,167,${a.toFixed(3)})`;
      }
      return '#4e79a7';
    });
    this.chart = new Chart(this.canvas, {
      type: opts.kind,
      data: {
        labels: values.map((_, i) => String(i)),
        datasets: [
          {
            label: 'singular value',
            data: values,
            backgroundColor: colors,
            borderColor: opts.kind === 'line' ? '#4e79a7' : colors,
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
          x: { type: 'category', title: { display: true, text: 'index (by singular value)', color: t.muted }, ticks: { color: t.muted, maxTicksLimit: 12 }, grid: { display: false } },
          y: { type: opts.log ? 'logarithmic' : 'linear', title: { display: true, text: 'σ', color: t.muted }, ticks: { color: t.muted, callback: (v) => tickLabel(v, opts.log) }, grid: { color: t.grid } },
        },
      },
    });
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}
