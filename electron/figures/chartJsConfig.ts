// The one translation of a chart spec (chartSpecs.ts) into a chart.js
// configuration: axes, legend, fonts, line styles, log ticks and tooltips, for
// the app's live charts and the exported figures alike. PURE: chart.js types
// only, no DOM, no Node imports.
// chart.js is an ES module; its types are read as such from this CommonJS build.
import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js' with { 'resolution-mode': 'import' };
import type { ChartPoint, ChartSeries, ChartSpec } from './chartSpecs';
import { logAxisTicks, logTickLabel } from './logTicks';
import { fmt } from './numberFormat';
import { markersPlugin } from './phaseMarkers';

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

/** Points clamped to a log axis's floor: a downward triangle, and dotted segments to and from them. */
export const CLAMP_MARK = { pointStyle: 'triangle', rotation: 180, radius: 4, dash: [2, 3] } as const;

const isClamped = (p: unknown): boolean => !!(p as ChartPoint | undefined)?.clamped;

/** A chart.js line dataset of a series: colour, dash, point markers (clamped points always marked). */
export function lineDataset(
  s: Pick<ChartSeries, 'label' | 'color' | 'dash' | 'points' | 'line' | 'pointRadius' | 'fillToPrevious' | 'pointColors' | 'pointStyle'>,
  defaultRadius: number,
): ChartDataset<'line', ChartPoint[]> {
  const radius = s.pointRadius ?? defaultRadius;
  const ds: ChartDataset<'line', ChartPoint[]> = {
    label: s.label,
    data: s.points.map((p) => ({ ...p })),
    borderColor: s.color,
    backgroundColor: s.fillToPrevious ?? s.color,
    borderWidth: s.fillToPrevious ? 0 : 1.5,
    ...(s.dash ? { borderDash: s.dash } : {}),
    ...(s.line === false ? { showLine: false } : {}),
    ...(s.fillToPrevious ? { fill: '-1' } : {}),
    pointRadius: (ctx) => (isClamped(ctx.raw) ? CLAMP_MARK.radius : radius),
    pointHoverRadius: (ctx) => (isClamped(ctx.raw) ? CLAMP_MARK.radius + 1 : radius > 0 ? radius + 1 : 2),
    pointStyle: (ctx: { raw: unknown }) => (isClamped(ctx.raw) ? CLAMP_MARK.pointStyle : ((s.pointStyle as 'circle' | undefined) ?? 'circle')),
    pointRotation: (ctx) => (isClamped(ctx.raw) ? CLAMP_MARK.rotation : 0),
    pointBorderWidth: 0,
    pointBackgroundColor: s.pointColors ?? s.color,
    tension: 0,
    // Read through the dataset: chart.js may swap in decimated data, and the app replaces data in place.
    segment: { borderDash: (ctx) => (isClamped(ds.data[ctx.p0DataIndex]) || isClamped(ds.data[ctx.p1DataIndex]) ? [...CLAMP_MARK.dash] : undefined) },
  };
  return ds;
}

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

/** A theme's base font size and its fonts at other sizes: every figure's text takes its family from here. */
export function themeFonts(theme: ChartTheme): {
  size: number;
  font: (size: number, weight?: 'bold' | 'normal') => { size: number; family?: string; weight?: 'bold' | 'normal' };
} {
  const family = theme.fontFamily;
  return { size: theme.fontSize ?? 12, font: (s, weight) => ({ size: s, ...(family ? { family } : {}), ...(weight ? { weight } : {}) }) };
}

/** What every figure's options share, line chart or heatmap: canvas sizing, pixel ratio and padding. */
export function canvasOptions(opts: ChartJsOptions) {
  return {
    animation: opts.animation ? undefined : (false as const),
    responsive: opts.responsive ?? false,
    maintainAspectRatio: false,
    ...(opts.devicePixelRatio !== undefined ? { devicePixelRatio: opts.devicePixelRatio } : {}),
    layout: { padding: { top: 2, right: 10, bottom: 2, left: 2 } },
  };
}

/** The title plugin's options: the spec's title, unless the caller leaves it to a caption. */
export function titleOptions(title: string, theme: ChartTheme, opts: ChartJsOptions) {
  const { size, font } = themeFonts(theme);
  return { display: (opts.title ?? true) && title !== '', text: title, color: theme.fg, font: font(size + 1, 'bold'), padding: { top: 2, bottom: 4 } };
}

/** The chart.js configuration of a spec: one place for axes, legend, fonts and line styles. */
export function toChartJsConfig(spec: ChartSpec, theme: ChartTheme = PRINT_THEME, opts: ChartJsOptions = {}): LineConfig {
  const { size, font } = themeFonts(theme);
  const maxPoints = Math.max(0, ...spec.series.map((s) => s.points.length));
  const points = spec.showPoints ?? maxPoints <= 30;
  const datasets: ChartDataset<'line', ChartPoint[]>[] = spec.series.map((s) => lineDataset(s, points ? 2 : 0));
  const inLegend = spec.series.map((s) => s.legend !== false);
  const xTicks = spec.xTicks;
  const axisTitle = (text: string) => ({ display: text !== '', text, color: theme.muted, font: font(size) });
  const ticks = { color: theme.muted, font: font(size - 1) };
  const config: LineConfig = {
    type: 'line',
    data: { datasets },
    options: {
      ...canvasOptions(opts),
      parsing: false,
      normalized: true,
      // A missing value is a gap, never a straight line across it.
      spanGaps: false,
      interaction: { mode: 'nearest', axis: spec.scatter ? 'xy' : 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          title: axisTitle(spec.xLabel),
          ticks: {
            ...ticks,
            ...(spec.xInteger || xTicks ? { precision: 0 } : {}),
            ...(xTicks ? { callback: (v: number | string) => xTicks[Number(v)] ?? '' } : {}),
            maxRotation: 0,
          },
          ...(xTicks
            ? {
                min: -0.35,
                max: xTicks.length - 0.65,
                // One tick per category, none between.
                afterBuildTicks: (axis: { ticks: { value: number }[] }) => void (axis.ticks = xTicks.map((_, i) => ({ value: i }))),
              }
            : {}),
          grid: { color: theme.grid },
          border: { color: theme.muted },
        },
        y: {
          type: spec.log ? 'logarithmic' : 'linear',
          ...(spec.log ? (spec.logFloor !== undefined ? { min: spec.logFloor } : {}) : { min: spec.yMin, max: spec.yMax }),
          title: axisTitle(spec.yLabel),
          // A log axis: at least three labelled ticks (logTicks.ts), not chart.js's 1-2-5 labels that a narrow range leaves out.
          ...(spec.log ? { ...logAxisTicks(), ticks: { ...ticks, autoSkip: false, callback: logTickLabel } } : { ticks }),
          grid: { color: theme.grid },
          border: { color: theme.muted },
        },
      },
      plugins: {
        title: titleOptions(spec.title, theme, opts),
        legend: {
          display: inLegend.filter(Boolean).length > 1 || (inLegend[0] === true && spec.series[0]?.label !== 'σ'),
          position: 'top',
          ...(spec.legendNote ? { title: { display: true, text: spec.legendNote, color: theme.muted, font: font(size - 1) } } : {}),
          labels: {
            color: theme.fg,
            font: font(size - 1),
            usePointStyle: true,
            pointStyleWidth: 22,
            boxHeight: 6,
            padding: 8,
            // A line sample in the series' colour and dash (chart.js would take the point style: no dash, no width).
            filter: (item) => inLegend[item.datasetIndex ?? 0] !== false,
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
        tooltip: {
          enabled: !!opts.interactive,
          callbacks: {
            ...(xTicks ? { title: (items: { parsed: { x: number | null } }[]) => xTicks[items[0]?.parsed.x ?? -1] ?? '' } : {}),
            // A point's own text (sweep figures), else 'label: y' (a clamped point says what it stands for).
            label: (item) => {
              const p = item.raw as ChartPoint;
              if (p.info !== undefined) return p.info;
              // Four significant digits, never chart.js's three decimals (a CE of 1e-5 read "0").
              const v = p.clamped ? `${fmt(p.value)} (≤ 0: drawn at the axis floor)` : fmt(p.y);
              return `${item.dataset.label ?? ''}: ${v}`;
            },
          },
        },
        // LTTB needs x in order: never on a plane of trajectories.
        decimation: { enabled: !!opts.interactive && !spec.scatter, algorithm: 'lttb', samples: 500, threshold: 1000 },
      },
    },
    plugins: [
      ...(theme.background ? [backgroundPlugin(theme.background)] : []),
      ...(spec.markers?.length
        ? [
            markersPlugin(
              () => spec.markers ?? [],
              () => theme,
            ),
          ]
        : []),
    ],
  };
  return config;
}
