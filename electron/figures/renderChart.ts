// Chart specs drawn by chart.js in Node on @napi-rs/canvas: PNG at a dpi and
// SVG (text as paths, so it looks the same without the font installed).
import { createCanvas, SvgExportFlag, type Canvas } from '@napi-rs/canvas';
import type * as ChartJs from 'chart.js' with { 'resolution-mode': 'import' };
import { PRINT_THEME, toChartJsConfig, type ChartSpec, type ChartTheme } from './chartSpecs';
import { sweepChartJsConfig, type SweepFigure } from './sweepCharts';
import { encodePng, figureFontFamily, finishSvg, type FigureSize } from './canvas';

// chart.js ships CommonJS too (dist/chart.cjs); TypeScript sees only its ESM types.
const { Chart, registerables } = require('chart.js') as typeof ChartJs;

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  // The heatmaps of sweeps are chartjs-chart-matrix's 'matrix' charts.
  const { MatrixController, MatrixElement } = require('chartjs-chart-matrix') as {
    MatrixController: ChartJs.ChartComponentLike;
    MatrixElement: ChartJs.ChartComponentLike;
  };
  Chart.register(...registerables, MatrixController, MatrixElement);
  registered = true;
}

/** The print theme with a font that exists here and the requested background. */
export function figureTheme(background: 'white' | 'transparent', base: ChartTheme = PRINT_THEME): ChartTheme {
  return { ...base, fontFamily: figureFontFamily(), background: background === 'white' ? '#ffffff' : null };
}

type Drawable = { getContext(type: '2d'): unknown; width: number; height: number };

type ConfigAt = (devicePixelRatio: number) => ChartJs.ChartConfiguration;

function draw<T>(target: Drawable, configAt: ConfigAt, devicePixelRatio: number, read: () => T): T {
  ensureRegistered();
  const config = configAt(devicePixelRatio);
  // chart.js accepts any canvas-like item with getContext('2d'); it draws synchronously when animation is off.
  const chart = new Chart(target.getContext('2d') as never, config);
  try {
    return read(); // before destroy(), which clears the canvas
  } finally {
    chart.destroy();
  }
}

const lineConfig =
  (spec: ChartSpec, theme: ChartTheme): ConfigAt =>
  (devicePixelRatio) =>
    toChartJsConfig(spec, theme, { animation: false, responsive: false, devicePixelRatio }) as unknown as ChartJs.ChartConfiguration;
const sweepConfig =
  (fig: SweepFigure, theme: ChartTheme): ConfigAt =>
  (devicePixelRatio) =>
    sweepChartJsConfig(fig, theme, { animation: false, responsive: false, devicePixelRatio });

/** PNG of exactly size.widthPx x size.heightPx with the dpi in pHYs. */
function renderPng(configAt: ConfigAt, size: FigureSize): Buffer {
  // Layout in CSS px, drawn at dpi/96 device px per CSS px; chart.js sizes the canvas to floor(css x ratio).
  const ratio = (size.widthPx / size.cssWidth) * (1 + 1e-9);
  const canvas = createCanvas(size.cssWidth, size.cssHeight);
  return draw(canvas, configAt, ratio, () => encodePng(exactSize(canvas, size), size.dpi));
}

/** SVG of the same chart laid out at the same physical size (width/height in inches). */
function renderSvg(configAt: ConfigAt, size: FigureSize): string {
  const canvas = createCanvas(size.cssWidth, size.cssHeight, SvgExportFlag.ConvertTextToPaths);
  return finishSvg(
    draw(canvas, configAt, 1, () => canvas.getContent().toString('utf8')),
    size,
  );
}

export const renderChartPng = (spec: ChartSpec, size: FigureSize, theme: ChartTheme): Buffer => renderPng(lineConfig(spec, theme), size);
export const renderChartSvg = (spec: ChartSpec, size: FigureSize, theme: ChartTheme): string => renderSvg(lineConfig(spec, theme), size);
/** A sweep figure (lines or heatmap), drawn like every other chart. */
export const renderSweepPng = (fig: SweepFigure, size: FigureSize, theme: ChartTheme): Buffer => renderPng(sweepConfig(fig, theme), size);
export const renderSweepSvg = (fig: SweepFigure, size: FigureSize, theme: ChartTheme): string => renderSvg(sweepConfig(fig, theme), size);

/** The rounding of the other axis can leave a pixel too many or few: resample onto the exact size. */
function exactSize(canvas: Canvas, size: FigureSize): Canvas {
  if (canvas.width === size.widthPx && canvas.height === size.heightPx) return canvas;
  const out = createCanvas(size.widthPx, size.heightPx);
  out.getContext('2d').drawImage(canvas, 0, 0, size.widthPx, size.heightPx);
  return out;
}
