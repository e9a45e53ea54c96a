// PNG reading/writing for data sets and result images, plus the atomic file
// write every writer shares (a crash or a concurrent reader never sees a
// half-written file).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { DataError } from '../data/dataset';

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

/** Maps lo..hi linearly to 0..255, clipping out-of-range values (uint8 casts would wrap) and NaN to 0. */
export function encodeGreyPng(values: ArrayLike<number>, width: number, height: number, lo: number, hi: number): Buffer {
  checkSize(values.length, width, height, 1);
  const span = hi - lo;
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    const t = span > 0 ? ((values[i] - lo) / span) * 255 : values[i] > lo ? 255 : 0;
    grey[i] = Number.isNaN(t) ? 0 : Math.round(Math.min(255, Math.max(0, t)));
  }
  return packRgba(
    width,
    height,
    (rgba) => {
      for (let i = 0, j = 0; i < grey.length; i++, j += 4) {
        rgba[j] = rgba[j + 1] = rgba[j + 2] = grey[i];
        rgba[j + 3] = 255;
      }
    },
    0,
  );
}

/** Packs interleaved 8-bit RGB (3 bytes per pixel). */
export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Buffer {
  checkSize(rgb.length, width, height, 3);
  return packRgba(
    width,
    height,
    (rgba) => {
      for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
        rgba[j] = rgb[i];
        rgba[j + 1] = rgb[i + 1];
        rgba[j + 2] = rgb[i + 2];
        rgba[j + 3] = 255;
      }
    },
    2,
  );
}

function checkSize(length: number, width: number, height: number, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`invalid PNG size ${width}x${height}`);
  }
  if (length !== width * height * channels) {
    throw new RangeError(`PNG ${width}x${height} needs ${width * height * channels} values, got ${length}`);
  }
}

// pngjs always takes RGBA input; colorType picks what is stored (0 grey, 2 RGB) to keep files small.
function packRgba(width: number, height: number, fill: (rgba: Buffer) => void, colorType: 0 | 2): Buffer {
  const png = new PNG({ width, height });
  fill(png.data);
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true });
}

/** Writes via a temp file in the same folder, fsync and rename, so readers see the old or the new file, never a partial one. */
export function writeFileAtomic(file: string, data: Buffer | string): void {
  const tmp = path.join(path.dirname(file), `${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* best effort */
    }
    throw e;
  }
}
