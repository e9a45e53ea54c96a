// Reading PNG images of data sets as grey values. A file's size and its
// image size (from the PNG header) are checked before it is decoded.
import * as fs from 'node:fs';
import type { PNG } from 'pngjs';
import { decodeBoundedPng } from '../util/png';
import { DataError } from './dataset';
import { MAX_IMAGE_PIXELS, MAX_PNG_BYTES } from './limits';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk (the first 24 bytes), without decoding anything. */
export function pngSize(file: string): { width: number; height: number; bytes: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new DataError(`cannot read PNG ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const bytes = fs.fstatSync(fd).size;
    const head = Buffer.alloc(24);
    const n = fs.readSync(fd, head, 0, 24, 0);
    if (n < 24 || !head.subarray(0, 8).equals(SIGNATURE) || head.toString('latin1', 12, 16) !== 'IHDR') {
      throw new DataError(`${file} is not a PNG image: remove it or convert it to PNG`);
    }
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20), bytes };
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses a file too large to read or an image too large to decode, naming the numbers. */
export function checkPngBounds(file: string): { width: number; height: number } {
  const { width, height, bytes } = pngSize(file);
  if (bytes > MAX_PNG_BYTES) {
    throw new DataError(
      `${file} is ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${MAX_PNG_BYTES / 2 ** 20} MiB a data-set image may have: use smaller images`,
    );
  }
  if (width === 0 || height === 0 || width * height > MAX_IMAGE_PIXELS) {
    throw new DataError(`${file} is ${width}x${height} pixels, more than the ${MAX_IMAGE_PIXELS} pixels (e.g. 1024x1024) a data-set image may have: resize it`);
  }
  return { width, height };
}

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major grey values 0..255. */
  data: Float32Array;
}

/** A data-set PNG decoded to 8-bit RGBA, its file and image size checked first; a DataError naming the file otherwise. */
function decodeDataPng(file: string): PNG {
  checkPngBounds(file);
  try {
    return decodeBoundedPng(fs.readFileSync(file));
  } catch (e) {
    throw new DataError(`cannot read PNG ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads any PNG pngjs understands (grey, palette, RGB(A), 8/16 bit; pngjs expands
 * all to 8-bit RGBA). 'channel0' takes red, which is the grey value of grey PNGs
 * and of grey replicated into RGB; 'luminance' uses Rec. 601 weights for pixels
 * that are actually coloured and the exact grey value otherwise.
 */
export function readGreyPng(file: string, mode: 'channel0' | 'luminance' = 'channel0'): GreyImage {
  const png = decodeDataPng(file);
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

export interface ImagePng extends GreyImage {
  /** 1 when every pixel is grey (whatever the file's colour type), else 3. */
  channels: 1 | 3;
}

/** A data-set image: grey values, or for coloured pixels the R, G and B planes (CHW, 0..255). Alpha is ignored. */
export function readImagePng(file: string): ImagePng {
  const png = decodeDataPng(file);
  const { width, height } = png;
  const src = png.data;
  const plane = width * height;
  let colour = false;
  for (let j = 0; j < src.length && !colour; j += 4) colour = src[j] !== src[j + 1] || src[j + 1] !== src[j + 2];
  const channels = colour ? 3 : 1;
  const data = new Float32Array(plane * channels);
  for (let i = 0, j = 0; i < plane; i++, j += 4) for (let c = 0; c < channels; c++) data[c * plane + i] = src[j + c];
  return { width, height, channels, data };
}
