// Reading PNG images of data sets as grey values.
import * as fs from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from './dataset';

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major grey values 0..255. */
  data: Float32Array;
}

/**
 * Reads any PNG pngjs understands (grey, palette, RGB(A), 8/16 bit; pngjs expands
 * all to 8-bit RGBA). 'channel0' takes red, which is the grey value of grey PNGs
 * and of grey replicated into RGB; 'luminance' uses Rec. 601 weights for pixels
 * that are actually coloured and the exact grey value otherwise.
 */
export function readGreyPng(file: string, mode: 'channel0' | 'luminance' = 'channel0'): GreyImage {
  let png: PNG;
  try {
    png = PNG.sync.read(fs.readFileSync(file));
  } catch (e) {
    throw new DataError(`cannot read PNG ${file}: ${(e as Error).message}`);
  }
  const { width, height } = png;
  const src = png.data;
  const data = new Float32Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 4) {
    const r = src[j],
      g = src[j + 1],
      b = src[j + 2];
    data[i] = mode === 'luminance' && (r !== g || g !== b) ? 0.299 * r + 0.587 * g + 0.114 * b : r;
  }
  return { width, height, data };
}
