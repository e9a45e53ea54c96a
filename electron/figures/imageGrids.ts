// Labelled grids of small images (backward-pass reconstructions, singular
// vectors, the run comparison) drawn on @napi-rs/canvas: PNG at a dpi and SVG.
// Pixels stay pixels (nearest neighbour), and in PNGs each cell is a whole
// multiple of the image size when it is at least twice as large.
import { createCanvas, SvgExportFlag, type SKRSContext2D, type Canvas } from '@napi-rs/canvas';
import { divergingRgb } from '../engine/svd/colormap';
import { decodeBoundedPng } from '../engine/util/png';
import type { ChartTheme } from './chartSpecs';
import { encodePng, figureFontFamily, finishSvg, fitText, setFont, type FigureSize } from './canvas';
import type { VectorColormap } from './options';

/** 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface GridFigure {
  title?: string;
  /** One per row (may be ''). */
  rowLabels: string[];
  /** A colour swatch before each row label (e.g. the run's colour, runColors.ts). */
  rowColors?: (string | null)[];
  /** One per column (may be ''). */
  colLabels: string[];
  /** rows x cols; null leaves a cell empty. */
  cells: (RgbaImage | null)[][];
  /** Small text under each cell (rows x cols), e.g. σ values; '\n' separates lines. */
  captions?: (string | null)[][];
  /** Under the grid, e.g. what the colours mean; wrapped onto at most two lines. */
  note?: string;
}

export class GridLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GridLayoutError';
  }
}

export function decodePng(buf: Buffer): RgbaImage {
  const png = decodeBoundedPng(buf);
  return { width: png.width, height: png.height, data: png.data };
}

export type { VectorColormap };

/**
 * A signed vector (e.g. an input-space singular vector) as an image, scaled by
 * its own largest |value|: 'diverging' maps 0 to white, negative to blue and
 * positive to red (RdBu_r); 'grey' maps -max..max to black..white (0 = mid grey).
 */
export function vectorImage(vec: ArrayLike<number>, height: number, width: number, colormap: VectorColormap): RgbaImage {
  if (vec.length !== height * width) throw new RangeError(`vectorImage: vector of length ${vec.length} is not ${height}x${width}`);
  const n = vec.length;
  const data = new Uint8Array(n * 4);
  if (colormap === 'diverging') {
    const rgb = divergingRgb(vec);
    for (let i = 0; i < n; i++) {
      data[4 * i] = rgb[3 * i]!;
      data[4 * i + 1] = rgb[3 * i + 1]!;
      data[4 * i + 2] = rgb[3 * i + 2]!;
      data[4 * i + 3] = 255;
    }
  } else {
    let max = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(vec[i]!);
      if (Number.isFinite(a) && a > max) max = a;
    }
    for (let i = 0; i < n; i++) {
      const v = vec[i]!;
      const t = max > 0 && Number.isFinite(v) ? v / max : 0;
      const g = Math.round(((Math.max(-1, Math.min(1, t)) + 1) / 2) * 255);
      data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = g;
      data[4 * i + 3] = 255;
    }
  }
  return { width, height, data };
}

function toCanvas(img: RgbaImage): Canvas {
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  const id = ctx.createImageData(img.width, img.height);
  id.data.set(img.data);
  ctx.putImageData(id, 0, 0);
  return c;
}

interface Layout {
  cell: number;
  gap: number;
  x0: number;
  y0: number;
  labelW: number;
  titleH: number;
  headerH: number;
  captionH: number;
  /** Caption font size: the small size, smaller where the widest caption needs it (not below 6 px). */
  captionFont: number;
  /** Width reserved for a row's colour swatch (0 without). */
  swatch: number;
  noteLines: string[];
  noteY: number;
  font: number;
  small: number;
}

/** Greedy word wrap into at most maxLines lines (the last one ellipsised). */
export function wrapText(ctx: SKRSContext2D, text: string, maxWidth: number, maxLines: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (let i = 0; i < words.length; i++) {
    const next = cur ? `${cur} ${words[i]}` : words[i]!;
    if (ctx.measureText(next).width <= maxWidth || !cur) {
      cur = next;
      continue;
    }
    if (lines.length === maxLines - 1) {
      lines.push(fitText(ctx, `${cur} ${words.slice(i).join(' ')}`, maxWidth));
      return lines;
    }
    lines.push(cur);
    cur = words[i]!;
  }
  if (cur) lines.push(fitText(ctx, cur, maxWidth));
  return lines;
}

const PAD = 6;

function layout(ctx: SKRSContext2D, fig: GridFigure, w: number, h: number, family: string, font: number, devicePerCss: number): Layout {
  const rows = fig.cells.length;
  const cols = Math.max(0, ...fig.cells.map((r) => r.length));
  if (rows === 0 || cols === 0) throw new GridLayoutError('nothing to draw: the grid has no images');
  const small = Math.max(7, font - 2);
  const titleH = fig.title ? font + 10 : 0;
  const headerH = fig.colLabels.some((l) => l) ? font + 5 : 0;
  const captionLines = Math.max(0, ...(fig.captions ?? []).flat().map((c) => (c ? c.split('\n').length : 0)));
  const captionH = captionLines ? captionLines * (small + 2) + 3 : 0;
  setFont(ctx, small, family);
  const noteLines = fig.note ? wrapText(ctx, fig.note, w - 2 * PAD, 2) : [];
  const noteH = noteLines.length ? noteLines.length * (small + 3) + 6 : 0;
  setFont(ctx, font, family);
  const swatch = fig.rowColors?.some((c) => c) ? Math.round(font * 0.9) + 4 : 0;
  const widest = Math.max(0, ...fig.rowLabels.map((l) => (l ? ctx.measureText(l).width : 0)));
  const labelW = widest > 0 || swatch > 0 ? Math.min(Math.ceil(widest) + 8 + swatch, Math.floor(w * 0.3)) : 0;
  const gap = 3;
  const availW = w - 2 * PAD - labelW - gap * (cols - 1);
  const availH = h - 2 * PAD - titleH - headerH - noteH - rows * captionH - gap * (rows - 1);
  let cell = Math.min(availW / cols, availH / rows);
  if (!(cell >= 6)) {
    throw new GridLayoutError(`a ${rows}x${cols} image grid does not fit: make the figure larger (--width/--height) or show fewer images`);
  }
  // Whole-pixel replication of the images when cells are at least twice their size (crisp PNGs).
  const imgSize = Math.max(...fig.cells.flat().map((c) => (c ? Math.max(c.width, c.height) : 0)), 1);
  const dev = cell * devicePerCss;
  if (dev >= 2 * imgSize) cell = (Math.floor(dev / imgSize) * imgSize) / devicePerCss;
  const gridW = labelW + cols * cell + gap * (cols - 1);
  const gridH = titleH + headerH + rows * (cell + captionH) + gap * (rows - 1) + noteH;
  const x0 = Math.round(((w - gridW) / 2) * devicePerCss) / devicePerCss;
  const y0 = Math.round(((h - gridH) / 2) * devicePerCss) / devicePerCss;
  let captionFont = small;
  if (captionLines) {
    const lines = (fig.captions ?? []).flat().flatMap((c) => (c ? c.split('\n') : []));
    const widest = () => Math.max(0, ...lines.map((l) => ctx.measureText(l).width));
    setFont(ctx, captionFont, family);
    while (captionFont > 6 && widest() > cell + gap - 1) setFont(ctx, --captionFont, family);
  }
  return { cell, gap, x0, y0, labelW, titleH, headerH, captionH, captionFont, swatch, noteLines, noteY: y0 + gridH - noteH + 6, font, small };
}

function drawGrid(ctx: SKRSContext2D, fig: GridFigure, w: number, h: number, theme: ChartTheme, devicePerCss: number): void {
  const family = theme.fontFamily ?? figureFontFamily();
  const font = theme.fontSize ?? 11;
  if (theme.background) {
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, w, h);
  }
  const L = layout(ctx, fig, w, h, family, font, devicePerCss);
  const gridX = L.x0 + L.labelW;
  const centre = w / 2;
  if (fig.title) {
    // Shrink a long title down to the body size before shortening it.
    let tf = font + 1;
    setFont(ctx, tf, family, 'bold');
    while (tf > font - 1 && ctx.measureText(fig.title).width > w - 2 * PAD) setFont(ctx, --tf, family, 'bold');
    ctx.fillStyle = theme.fg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(fitText(ctx, fig.title, w - 2 * PAD), centre, L.y0 + L.titleH / 2);
  }
  const top = L.y0 + L.titleH + L.headerH;
  setFont(ctx, font, family);
  // Column labels drop to the small size when the widest does not fit its column.
  if (Math.max(0, ...fig.colLabels.map((l) => ctx.measureText(l).width)) > L.cell + L.gap) setFont(ctx, L.small, family);
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  fig.colLabels.forEach((label, c) => {
    if (!label) return;
    const cx = gridX + c * (L.cell + L.gap) + L.cell / 2;
    ctx.fillText(fitText(ctx, label, L.cell + L.gap), cx, top - 4);
  });
  ctx.imageSmoothingEnabled = false;
  fig.cells.forEach((row, r) => {
    const y = top + r * (L.cell + L.captionH + L.gap);
    const label = fig.rowLabels[r];
    if (label) {
      setFont(ctx, font, family);
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(fitText(ctx, label, L.labelW - 6 - L.swatch), gridX - 6, y + L.cell / 2);
    }
    const color = fig.rowColors?.[r];
    if (color && L.swatch > 0) {
      const side = L.swatch - 4;
      ctx.fillStyle = color;
      ctx.fillRect(L.x0, y + L.cell / 2 - side / 2, side, side);
    }
    row.forEach((img, c) => {
      const x = gridX + c * (L.cell + L.gap);
      if (img) {
        // Keep the image's aspect ratio inside the square cell.
        const s = L.cell / Math.max(img.width, img.height);
        const iw = img.width * s;
        const ih = img.height * s;
        ctx.drawImage(toCanvas(img), x + (L.cell - iw) / 2, y + (L.cell - ih) / 2, iw, ih);
      }
      const cap = fig.captions?.[r]?.[c];
      if (cap) {
        setFont(ctx, L.captionFont, family);
        ctx.fillStyle = theme.muted;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        cap.split('\n').forEach((line, i) => ctx.fillText(fitText(ctx, line, L.cell + L.gap), x + L.cell / 2, y + L.cell + 2 + i * (L.small + 2)));
      }
    });
  });
  if (L.noteLines.length) {
    setFont(ctx, L.small, family);
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    L.noteLines.forEach((line, i) => ctx.fillText(line, centre, L.noteY + i * (L.small + 3)));
  }
}

export function renderGridPng(fig: GridFigure, size: FigureSize, theme: ChartTheme): Buffer {
  const canvas = createCanvas(size.widthPx, size.heightPx);
  const ctx = canvas.getContext('2d');
  const sx = size.widthPx / size.cssWidth;
  const sy = size.heightPx / size.cssHeight;
  ctx.scale(sx, sy);
  drawGrid(ctx, fig, size.cssWidth, size.cssHeight, theme, Math.min(sx, sy));
  return encodePng(canvas, size.dpi);
}

export function renderGridSvg(fig: GridFigure, size: FigureSize, theme: ChartTheme): string {
  const canvas = createCanvas(size.cssWidth, size.cssHeight, SvgExportFlag.ConvertTextToPaths);
  drawGrid(canvas.getContext('2d'), fig, size.cssWidth, size.cssHeight, theme, 1);
  return finishSvg(canvas.getContent().toString('utf8'), size);
}
