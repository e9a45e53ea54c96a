// The images a run saves at each evaluation: its inputs and their reverse-pass
// reconstructions (grey or colour, on the data's fixed range), and the
// reconstructions of intermediate feature maps as grids of channels (on the
// grid's own range: feature maps have no fixed scale).
import { encodeGreyPng, encodeRgbPng, toByte } from '../util/png';

/** One image of `channels` planes (CHW), values lo..hi mapped to 0..255 and clipped. */
export function imagePng(values: ArrayLike<number>, channels: number, width: number, height: number, lo: number, hi: number): Buffer {
  if (channels === 1) return encodeGreyPng(values, width, height, lo, hi);
  if (channels !== 3) throw new RangeError(`an image has 1 or 3 channels, not ${channels}`);
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = toByte(values[c * plane + p], lo, hi);
  return encodeRgbPng(rgb, width, height);
}

/** Channels drawn per feature-map grid, and per row of it. */
export const GRID_CHANNELS = 16;
export const GRID_COLUMNS = 8;

/**
 * The first GRID_CHANNELS channels of one sample's feature maps (C x H x W) as
 * a grey grid, GRID_COLUMNS tiles a row with a 1-pixel black gap, darkest value
 * black and brightest white over the whole grid (so channels compare).
 */
export function featureGridPng(values: ArrayLike<number>, channels: number, height: number, width: number): Buffer {
  const shown = Math.min(channels, GRID_CHANNELS);
  const cols = Math.min(shown, GRID_COLUMNS);
  const rows = Math.ceil(shown / cols);
  const gw = cols * width + cols - 1;
  const gh = rows * height + rows - 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < shown * height * width; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!(hi >= lo)) lo = hi = 0;
  const grid = new Float64Array(gw * gh).fill(lo);
  for (let c = 0; c < shown; c++) {
    const x0 = (c % cols) * (width + 1);
    const y0 = Math.floor(c / cols) * (height + 1);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) grid[(y0 + y) * gw + x0 + x] = values[c * height * width + y * width + x];
  }
  return encodeGreyPng(grid, gw, gh, lo, hi);
}
