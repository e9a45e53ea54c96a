// Chart specs drawn by chart.js in Node on @napi-rs/canvas: PNG at a dpi and
// SVG (text as paths, so it looks the same without the font installed).
import { createCanvas, SvgExportFlag, type Canvas } from '@napi-rs/canvas';
import type * as ChartJs from 'chart.js' with { 'resolution-mode': 'import' };
import { PRINT_THEME, toChartJsConfig, type ChartSpec, type ChartTheme } from './chartSpecs';
import { encodePng, figureFontFamily, finishSvg, type FigureSize } from './canvas';

// chart.js ships CommonJS too (dist/chart.cjs); TypeScript sees only its ESM types.
const { Chart, registerables } = require('chart.js') as typeof ChartJs;

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  Chart.register(...registerables);
  registered = true;
}

/** The print theme with a font that exists here and the requested background. */
export function figureTheme(background: 'white' | 'transparent', base: ChartTheme = PRINT_THEME): ChartTheme {
  return { ...base, fontFamily: figureFontFamily(), background: background === 'white' ? '#ffffff' : null };
}

type Drawable = { getContext(type: '2d'): unknown; width: number; height: number };

function draw<T>(target: Drawable, spec: ChartSpec, theme: ChartTheme, devicePixelRatio: number, read: () => T): T {
  ensureRegistered();
  const config = toChartJsConfig(spec, theme, { animation: false, responsive: false, devicePixelRatio });
  // chart.js accepts any canvas-like item with getContext('2d'); it draws synchronously when animation is off.
  const chart = new Chart(target.getContext('2d') as never, config);
  try {
    return read(); // before destroy(), which clears the canvas
  } finally {
    chart.destroy();
  }
}

/** PNG of exactly size.widthPx x size.heightPx with the dpi in pHYs. */
export function renderChartPng(spec: ChartSpec, size: FigureSize, theme: ChartTheme): Buffer {
  // Layout in CSS px, drawn at dpi/96 device px per CSS px; chart.js sizes the canvas to floor(css x ratio).
  const ratio = (size.widthPx / size.cssWidth) * (1 + 1e-9);
  const canvas = createCanvas(size.cssWidth, size.cssHeight);
  return draw(canvas, spec, theme, ratio, () => encodePng(exactSize(canvas, size), size.dpi));
}

/** SVG of the same chart laid out at the same physical size (width/height in inches). */
export function renderChartSvg(spec: ChartSpec, size: FigureSize, theme: ChartTheme): string {
  const canvas = createCanvas(size.cssWidth, size.cssHeight, SvgExportFlag.ConvertTextToPaths);
  return finishSvg(
    draw(canvas, spec, theme, 1, () => canvas.getContent().toString('utf8')),
    size,
  );
}

/** The rounding of the other axis can leave a pixel too many or few: resample onto the exact size. */
function exactSize(canvas: Canvas, size: FigureSize): Canvas {
  if (canvas.width === size.widthPx && canvas.height === size.heightPx) return canvas;
  const out = createCanvas(size.widthPx, size.heightPx);
  out.getContext('2d').drawImage(canvas, 0, 0, size.widthPx, size.heightPx);
  return out;
}
