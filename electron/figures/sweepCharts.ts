// Sweep figures as data, shared by the app's Sweep view and the export: one
// metric of every point, over one axis (mean line, spread band of ± one
// standard deviation over the other axes, typically seeds, and one dot per
// run) or over two axes (a heatmap of means). PURE: no DOM, no Node imports,
// chart.js types only.
import type { ChartConfiguration, Plugin } from 'chart.js' with { 'resolution-mode': 'import' };
import { SWEEP_METRIC_INFO, type SweepMetric, type SweepResults } from '../engine/sweep/metrics';
import { formatAxisValue, sameValue, type AxisValue } from '../engine/sweep/spec';
import {
  PRINT_THEME,
  backgroundPlugin,
  canvasOptions,
  colorAt,
  themeFonts,
  titleOptions,
  toChartJsConfig,
  type ChartJsOptions,
  type ChartSeries,
  type ChartSpec,
  type ChartTheme,
} from './chartSpecs';
import { csvField } from './csvField';
import { fmt } from './numberFormat';

export interface SweepFigureChoice {
  metric: SweepMetric;
  /** The axis along x. */
  x: string;
  /** Line chart: one line per value of this axis. Heatmap: the axis along y. */
  y?: string;
  /** With y: a heatmap (default) or one line per y value. */
  kind?: 'heatmap' | 'lines';
}

/** Mean and spread of one metric over the points that share the chosen axes' values. */
export interface SweepCell {
  /** Index into the x axis's values (and the y axis's, for two axes). */
  xi: number;
  yi: number;
  n: number;
  mean: number | null;
  /** Sample standard deviation (n-1); null for fewer than two values. */
  sd: number | null;
  min: number | null;
  max: number | null;
  /** The runs behind the cell, with their values. */
  runs: { runId: string; value: number; key: string }[];
}

export class SweepFigureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepFigureError';
  }
}

function axisOf(r: SweepResults, param: string) {
  const a = r.axes.find((x) => x.param === param);
  if (!a) throw new SweepFigureError(`sweep ${r.id} has no axis '${param}': use ${r.axes.map((x) => x.param).join(', ') || '(no axes)'}`);
  return a;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => {
  if (v.length < 2) return null;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

/** Groups the done points by the x (and y) axis values; everything else (seeds, other axes) is aggregated. */
export function aggregateSweep(
  r: SweepResults,
  metric: SweepMetric,
  x: string,
  y?: string,
): { xValues: AxisValue[]; yValues: AxisValue[] | null; cells: SweepCell[] } {
  const ax = axisOf(r, x);
  const ay = y !== undefined ? axisOf(r, y) : null;
  if (ay && ay.param === ax.param) throw new SweepFigureError(`choose two different axes (both are '${x}')`);
  const cells: SweepCell[] = [];
  for (let yi = 0; yi < (ay ? ay.values.length : 1); yi++) {
    for (let xi = 0; xi < ax.values.length; xi++) {
      const runs = r.points.flatMap((p) => {
        const v = p.metrics[metric];
        if (v === null || !p.runId) return [];
        if (!(x in p.values) || !sameValue(p.values[x]!, ax.values[xi]!)) return [];
        if (ay && (!(ay.param in p.values) || !sameValue(p.values[ay.param]!, ay.values[yi]!))) return [];
        return [{ runId: p.runId, value: v, key: p.key }];
      });
      const vals = runs.map((q) => q.value);
      cells.push({
        xi,
        yi,
        n: vals.length,
        mean: vals.length ? mean(vals) : null,
        sd: sd(vals),
        min: vals.length ? Math.min(...vals) : null,
        max: vals.length ? Math.max(...vals) : null,
        runs,
      });
    }
  }
  return { xValues: ax.values, yValues: ay ? ay.values : null, cells };
}

/** Compact numbers for ticks, tooltips and cell labels: the one number format (numberFormat.ts), '–' for none. */
export function fmtValue(v: number | null, digits = 4): string {
  return v === null || !Number.isFinite(v) ? '–' : fmt(v, digits);
}

const isLambda = (param: string) => param === 'lambda' || /^lambda\d+$/.test(param);

/** Line chart: the mean of the metric over the x axis (one line per y value), a ± sd band, and one dot per run. */
export function sweepLineChart(r: SweepResults, metric: SweepMetric, x: string, y?: string): ChartSpec {
  const info = SWEEP_METRIC_INFO[metric];
  const ax = axisOf(r, x);
  const { xValues, yValues, cells } = aggregateSweep(r, metric, x, y);
  const groups = yValues ?? [null];
  const ay = y !== undefined ? axisOf(r, y) : null;
  const log = info.log && cells.every((c) => c.runs.every((q) => q.value > 0));
  const series: ChartSeries[] = [];
  const spread = cells.some((c) => c.n > 1);
  groups.forEach((g, gi) => {
    const color = colorAt(gi);
    const mine = cells.filter((c) => c.yi === gi);
    const name = ay && g !== null ? `${ay.label} ${formatAxisValue(g)}` : 'mean';
    if (spread) {
      // Band edges (not in the legend): mean - sd, then mean + sd filled down to it.
      // Their tooltips name what they are: the edge, the mean and the sd (not "mean ± sd: <edge>").
      const edge = (sign: number) =>
        mine.map((c) => {
          const y = c.mean === null ? null : c.sd === null ? c.mean : Math.max(log ? 1e-300 : -Infinity, c.mean + sign * c.sd);
          const at = `${ax.label} ${formatAxisValue(xValues[c.xi]!)}`;
          return {
            x: c.xi,
            y,
            info:
              c.sd === null
                ? `${at}: mean ${fmtValue(c.mean)} (n=${c.n}, no sd)`
                : `${at}: mean ${sign < 0 ? '−' : '+'} sd = ${fmtValue(y)} (mean ${fmtValue(c.mean)}, sd ${fmtValue(c.sd)}, n=${c.n})`,
          };
        });
      series.push({ label: `${name} − sd`, color: 'rgba(0, 0, 0, 0)', points: edge(-1), pointRadius: 0, legend: false });
      series.push({ label: `${name} ± sd`, color, points: edge(1), pointRadius: 0, legend: false, fillToPrevious: `${color}33` });
    }
    series.push({
      label: name,
      color,
      pointRadius: 3,
      points: mine.map((c) => ({
        x: c.xi,
        y: c.mean,
        info: `${ax.label} ${formatAxisValue(xValues[c.xi]!)}${ay && g !== null ? `, ${ay.label} ${formatAxisValue(g)}` : ''}: mean ${fmtValue(c.mean)}${c.sd !== null ? ` ± ${fmtValue(c.sd)}` : ''} (n=${c.n})`,
        ...(c.runs.length === 1 ? { runId: c.runs[0]!.runId } : {}),
      })),
    });
    series.push({
      label: `${name} runs`,
      color,
      line: false,
      pointRadius: 2,
      legend: false,
      points: mine.flatMap((c) => c.runs.map((q) => ({ x: c.xi, y: q.value, info: `${q.key}: ${fmtValue(q.value)} (click to open the run)`, runId: q.runId }))),
    });
  });
  // λ = 0 is the unregularised (Std) run: its level makes the RR gap readable.
  if (isLambda(x) && !ay) {
    const zero = xValues.findIndex((v) => v === 0);
    const c = cells.find((q) => q.xi === zero);
    if (zero >= 0 && c && c.mean !== null) {
      series.push({
        label: `λ = 0 (Std) level`,
        color: '#7f7f7f',
        dash: [4, 3],
        pointRadius: 0,
        points: xValues.map((_, i) => ({ x: i, y: c.mean })),
      });
    }
  }
  return {
    id: `sweep-${metric}-${x}${y ? `-${y}` : ''}`,
    title: `${cap(info.label)} over ${ax.label}${ay ? ` by ${ay.label}` : ''}`,
    xLabel: ax.label,
    yLabel: info.label,
    log,
    ...(!log && info.range ? { yMin: info.range[0], yMax: info.range[1] } : {}),
    xTicks: xValues.map(formatAxisValue),
    showPoints: true,
    series,
  };
}

const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;

export interface HeatmapCell {
  x: number;
  y: number;
  /** Mean of the metric; null = no run. */
  v: number | null;
  n: number;
  sd: number | null;
  info: string;
  runIds: string[];
}

export interface HeatmapSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  valueLabel: string;
  xTicks: string[];
  yTicks: string[];
  /** Colour scale on log values. */
  log: boolean;
  /** Colour scale range (the data's, or the metric's fixed range). */
  vMin: number;
  vMax: number;
  cells: HeatmapCell[];
}

/** Heatmap of the metric's mean over two axes (everything else aggregated). */
export function sweepHeatmap(r: SweepResults, metric: SweepMetric, x: string, y: string): HeatmapSpec {
  const info = SWEEP_METRIC_INFO[metric];
  const ax = axisOf(r, x);
  const ay = axisOf(r, y);
  const { xValues, yValues, cells } = aggregateSweep(r, metric, x, y);
  const means = cells.flatMap((c) => (c.mean === null ? [] : [c.mean]));
  const log = info.log && means.length > 0 && means.every((v) => v > 0);
  const lo = means.length ? Math.min(...means) : 0;
  const hi = means.length ? Math.max(...means) : 1;
  return {
    id: `sweep-${metric}-${x}-${y}`,
    title: `${cap(info.label)} over ${ax.label} and ${ay.label}`,
    xLabel: ax.label,
    yLabel: ay.label,
    valueLabel: info.label,
    xTicks: xValues.map(formatAxisValue),
    yTicks: yValues!.map(formatAxisValue),
    log,
    vMin: lo,
    vMax: hi,
    cells: cells.map((c) => ({
      x: c.xi,
      y: c.yi,
      v: c.mean,
      n: c.n,
      sd: c.sd,
      runIds: c.runs.map((q) => q.runId),
      info: `${ax.label} ${formatAxisValue(xValues[c.xi]!)}, ${ay.label} ${formatAxisValue(yValues![c.yi]!)}: ${c.n ? `mean ${fmtValue(c.mean)}${c.sd !== null ? ` ± ${fmtValue(c.sd)}` : ''} (n=${c.n})` : 'no completed run'}`,
    })),
  };
}

export type SweepFigure = { kind: 'line'; spec: ChartSpec } | { kind: 'heatmap'; spec: HeatmapSpec };

/** The figure for a choice: one axis (or two with kind 'lines') gives lines, two axes a heatmap. */
export function sweepFigure(r: SweepResults, c: SweepFigureChoice): SweepFigure {
  if (c.y !== undefined && c.kind !== 'lines') return { kind: 'heatmap', spec: sweepHeatmap(r, c.metric, c.x, c.y) };
  return { kind: 'line', spec: sweepLineChart(r, c.metric, c.x, c.y) };
}

/** The default figure of a sweep: the metric over its first non-seed axis (seeds give the spread). */
export function defaultSweepChoice(r: SweepResults, metric: SweepMetric = 'alignment'): SweepFigureChoice | null {
  const axes = r.axes.filter((a) => a.values.length > 1);
  const x = axes.find((a) => a.param !== 'seed') ?? axes[0];
  return x ? { metric, x: x.param } : null;
}

// ---- colours and chart.js ----

/** Viridis at 9 stops: perceptually even, readable in grey and by colour-blind readers. */
const VIRIDIS = ['#440154', '#472c7a', '#3b518b', '#2c718e', '#21908d', '#27ad81', '#5cc863', '#aadc32', '#fde725'];

function hexRgb(h: string): [number, number, number] {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Colour of t in 0..1 on viridis. */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = hexRgb(VIRIDIS[i]!);
  const b = hexRgb(VIRIDIS[i + 1]!);
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Position of a value on the heatmap's colour scale, 0..1. */
export function heatPosition(spec: HeatmapSpec, v: number): number {
  const f = (x: number) => (spec.log ? Math.log10(x) : x);
  const lo = f(spec.vMin);
  const hi = f(spec.vMax);
  return hi > lo ? (f(v) - lo) / (hi - lo) : 0.5;
}

/** The cell's value printed in it, in black or white after the cell's brightness. */
function cellLabels(spec: HeatmapSpec, theme: ChartTheme): Plugin {
  return {
    id: 'racecarCellLabels',
    afterDatasetsDraw(chart) {
      const meta = chart.getDatasetMeta(0);
      const ctx = chart.ctx;
      ctx.save();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.font = `${(theme.fontSize ?? 12) - 1}px ${theme.fontFamily ?? 'sans-serif'}`;
      meta.data.forEach((el, i) => {
        const c = spec.cells[i];
        if (!c) return;
        const { x, y } = (el as unknown as { getCenterPoint(): { x: number; y: number } }).getCenterPoint();
        ctx.fillStyle = c.v === null ? theme.muted : heatPosition(spec, c.v) > 0.6 ? '#000000' : '#ffffff';
        ctx.fillText(fmtValue(c.v), x, y);
      });
      ctx.restore();
    },
  };
}

type AnyConfig = ChartConfiguration;

/** chart.js configuration of a heatmap (chartjs-chart-matrix's 'matrix' type, which the caller registers). */
export function heatmapConfig(spec: HeatmapSpec, theme: ChartTheme = PRINT_THEME, opts: ChartJsOptions = {}): AnyConfig {
  const { size, font } = themeFonts(theme);
  const nx = spec.xTicks.length;
  const ny = spec.yTicks.length;
  const axis = (labels: string[], title: string) => ({
    type: 'linear',
    offset: false,
    min: -0.5,
    max: labels.length - 0.5,
    title: { display: true, text: title, color: theme.muted, font: font(size) },
    ticks: { color: theme.muted, font: font(size - 1), callback: (v: number | string) => labels[Number(v)] ?? '', maxRotation: 0 },
    afterBuildTicks: (a: { ticks: { value: number }[] }) => void (a.ticks = labels.map((_, i) => ({ value: i }))),
    grid: { display: false },
    border: { color: theme.muted },
  });
  const config = {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: spec.valueLabel,
          data: spec.cells.map((c) => ({ x: c.x, y: c.y, v: c.v, info: c.info, ...(c.runIds.length === 1 ? { runId: c.runIds[0] } : {}), runIds: c.runIds })),
          backgroundColor: (ctx: { raw?: { v: number | null } }) => {
            const v = ctx.raw?.v;
            return v === null || v === undefined ? (theme.grid ?? '#dddddd') : viridis(heatPosition(spec, v));
          },
          borderWidth: 1,
          borderColor: theme.background ?? 'rgba(0,0,0,0)',
          width: ({ chart }: { chart: { chartArea?: { width: number } } }) => (chart.chartArea ? chart.chartArea.width / nx : 10),
          height: ({ chart }: { chart: { chartArea?: { height: number } } }) => (chart.chartArea ? chart.chartArea.height / ny : 10),
        },
      ],
    },
    options: {
      ...canvasOptions(opts),
      scales: { x: axis(spec.xTicks, spec.xLabel), y: { ...axis(spec.yTicks, spec.yLabel), reverse: false } },
      plugins: {
        title: titleOptions(spec.title, theme, opts),
        legend: { display: false },
        tooltip: { enabled: !!opts.interactive, callbacks: { title: () => '', label: (ctx: { raw?: { info?: string } }) => ctx.raw?.info ?? '' } },
      },
    },
    plugins: [...(theme.background ? [backgroundPlugin(theme.background)] : []), cellLabels(spec, theme)],
  };
  return config as unknown as AnyConfig;
}

/** chart.js configuration of either kind of sweep figure. */
export function sweepChartJsConfig(fig: SweepFigure, theme: ChartTheme = PRINT_THEME, opts: ChartJsOptions = {}): AnyConfig {
  return fig.kind === 'heatmap' ? heatmapConfig(fig.spec, theme, opts) : (toChartJsConfig(fig.spec, theme, opts) as unknown as AnyConfig);
}

/** One line per point (the figure's data): axis values, state, run id, every metric. */
export function sweepCsv(r: SweepResults): string {
  const metrics = Object.keys(SWEEP_METRIC_INFO) as SweepMetric[];
  const head = ['point', ...r.axes.map((a) => a.param), 'state', 'run_id', ...metrics];
  const rows = r.points.map((p) => [
    String(p.index),
    ...r.axes.map((a) => (p.values[a.param] === undefined ? '' : formatAxisValue(p.values[a.param]!))),
    p.state,
    p.runId ?? '',
    ...metrics.map((m) => (p.metrics[m] === null ? '' : String(p.metrics[m]))),
  ]);
  return `${[head, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}
