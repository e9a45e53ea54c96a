// What every Node-drawn figure shares: a font that is known to exist, the
// mapping from a physical figure size (inches at a dpi) to canvas pixels, PNG
// encoding with the dpi recorded (pHYs), and SVG finishing (physical size,
// crisp pixel images).
import * as fs from 'node:fs';
import { GlobalFonts, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { SizeUnit } from './options';

/** CSS pixels per inch: chart.js and canvas text sizes are in CSS px, so 12 px text is 9 pt at any dpi. */
export const CSS_DPI = 96;

export type { SizeUnit };

export interface FigureSizeInput {
  width: number;
  height: number;
  unit: SizeUnit;
  dpi: number;
}

/** A figure's size in every unit it is needed in. */
export interface FigureSize {
  /** PNG pixels. */
  widthPx: number;
  heightPx: number;
  dpi: number;
  /** Physical size. */
  widthIn: number;
  heightIn: number;
  /** Layout size in CSS px (inches x 96), integers; drawing happens in these units. */
  cssWidth: number;
  cssHeight: number;
}

export const DPI_RANGE = [50, 1200] as const;
export const MAX_PX = 12000;
/** Below this layout size (≈ 1.5 in) axis labels and legends no longer fit. */
export const MIN_CSS = 144;

export class FigureSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FigureSizeError';
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** PNG pixel size = inches x dpi; throws FigureSizeError (one line, with the fix) for unusable sizes. */
export function resolveFigureSize(s: FigureSizeInput): FigureSize {
  const { width, height, unit, dpi } = s;
  if (!Number.isFinite(dpi) || dpi < DPI_RANGE[0] || dpi > DPI_RANGE[1]) {
    throw new FigureSizeError(`dpi ${dpi} is out of range: use ${DPI_RANGE[0]} to ${DPI_RANGE[1]} (300 is usual for print)`);
  }
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new FigureSizeError(`figure ${name} ${v}${unit} must be a positive number (e.g. 4in, 10cm or 1200px)`);
  }
  const toIn = (v: number) => (unit === 'in' ? v : unit === 'cm' ? v / 2.54 : v / dpi);
  const widthIn = toIn(width);
  const heightIn = toIn(height);
  const widthPx = unit === 'px' ? Math.round(width) : Math.round(widthIn * dpi);
  const heightPx = unit === 'px' ? Math.round(height) : Math.round(heightIn * dpi);
  if (widthPx > MAX_PX || heightPx > MAX_PX) {
    throw new FigureSizeError(`figure of ${widthPx}x${heightPx} px is too large: at most ${MAX_PX} px a side (lower the size or the dpi)`);
  }
  const cssWidth = Math.round(widthIn * CSS_DPI);
  const cssHeight = Math.round(heightIn * CSS_DPI);
  if (cssWidth < MIN_CSS || cssHeight < MIN_CSS) {
    throw new FigureSizeError(
      `figure of ${round3(widthIn)}x${round3(heightIn)} in is too small for readable labels: use at least ${MIN_CSS / CSS_DPI} in a side (in px: at least ${Math.ceil((MIN_CSS / CSS_DPI) * dpi)} px at ${dpi} dpi)`,
    );
  }
  return { widthPx, heightPx, dpi, widthIn, heightIn, cssWidth, cssHeight };
}

/** A font stack whose first family is registered (system fonts are loaded by @napi-rs/canvas; known files are registered if not). */
const FAMILIES = ['DejaVu Sans', 'Liberation Sans', 'Arial', 'Helvetica', 'Noto Sans', 'Roboto', 'Segoe UI'];
const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

export class FontError extends Error {
  constructor() {
    super('no usable font for figure text: install one (Debian/Ubuntu: apt-get install fonts-dejavu-core)');
    this.name = 'FontError';
  }
}

let fontStack: string | null = null;

/** The CSS font-family list to draw figure text with; throws FontError when no font exists at all. */
export function figureFontFamily(): string {
  if (fontStack) return fontStack;
  let first = FAMILIES.find((f) => GlobalFonts.has(f));
  if (!first) {
    for (const file of FONT_FILES) {
      if (!fs.existsSync(file)) continue;
      if (GlobalFonts.registerFromPath(file, 'Racecar Sans')) {
        first = 'Racecar Sans';
        break;
      }
    }
  }
  if (!first) {
    const any = GlobalFonts.families[0]?.family;
    if (!any) throw new FontError();
    first = any;
  }
  fontStack = [first, ...FAMILIES.filter((f) => f !== first)].map((f) => `'${f}'`).join(', ') + ', sans-serif';
  return fontStack;
}

/** PNG with the dpi in its pHYs chunk. */
export function encodePng(canvas: Canvas, dpi: number): Buffer {
  return canvas.encodeSync('png', { resolution: dpi, software: 'racecar-workbench' });
}

/**
 * Gives the SVG its physical size (width/height in inches, viewBox in the
 * drawing's CSS px) and keeps embedded pixel images crisp when scaled.
 */
export function finishSvg(svg: string, size: FigureSize): string {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('SVG export produced no <svg> element');
  let tag = open[0]
    .replace(/\swidth="[^"]*"/, '')
    .replace(/\sheight="[^"]*"/, '')
    .replace(/\sviewBox="[^"]*"/, '');
  tag = tag.replace(/^<svg\b/, `<svg width="${round3(size.widthIn)}in" height="${round3(size.heightIn)}in" viewBox="0 0 ${size.cssWidth} ${size.cssHeight}"`);
  const body = svg.slice(0, open.index) + tag + svg.slice(open.index + open[0].length);
  return body.replace(/<image\b/g, '<image image-rendering="pixelated" style="image-rendering:pixelated"');
}

export function setFont(ctx: SKRSContext2D, px: number, family: string, weight: 'normal' | 'bold' = 'normal'): void {
  ctx.font = `${weight === 'bold' ? 'bold ' : ''}${px}px ${family}`;
}

/** The text, shortened with an ellipsis until it fits maxWidth. */
export function fitText(ctx: SKRSContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${text.slice(0, lo)}…` : '';
}
