// PNG encoding of result images (backward images, singular vectors), and the
// one decoder of PNGs read back (data sets, run images for figures).
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';

/** v in lo..hi mapped linearly to 0..255, out-of-range values clipped (uint8 casts would wrap), NaN to 0. */
export function toByte(v: number, lo: number, hi: number): number {
  const span = hi - lo;
  const t = span > 0 ? ((v - lo) / span) * 255 : v > lo ? 255 : 0;
  return Number.isNaN(t) ? 0 : Math.round(Math.min(255, Math.max(0, t)));
}

/** Maps lo..hi linearly to 0..255 (toByte). */
export function encodeGreyPng(values: ArrayLike<number>, width: number, height: number, lo: number, hi: number): Buffer {
  checkSize(values.length, width, height, 1);
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = toByte(values[i], lo, hi);
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

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
// Adam7: x start, y start, x step, y step of the seven passes.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The bytes an interlaced image's data inflates to: each pass's rows, each with its filter byte. */
export function interlacedBytes(width: number, height: number, bitsPerPixel: number): number {
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const cols = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    if (cols > 0 && rows > 0) total += rows * (1 + Math.ceil((cols * bitsPerPixel) / 8));
  }
  return total;
}

/**
 * Decodes a PNG (pngjs expands it to 8-bit RGBA). pngjs bounds what it
 * inflates by the header's size only for non-interlaced images; an interlaced
 * one's data is inflated here first, stopping at what its header allows, so a
 * small file that inflates to gigabytes is refused after a few kilobytes.
 */
export function decodeBoundedPng(buf: Buffer): PNG {
  const head = interlacedHeader(buf);
  if (head) {
    const bound = interlacedBytes(head.width, head.height, head.bitsPerPixel);
    try {
      zlib.inflateSync(head.data, { maxOutputLength: bound });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
      throw new Error(`its image data inflates to more than the ${bound} bytes its ${head.width}x${head.height} header allows: the file is corrupt`);
    }
  }
  return PNG.sync.read(buf);
}

/** IHDR of an interlaced PNG and its IDAT data joined; null when not interlaced (or too broken for pngjs to get as far). */
function interlacedHeader(buf: Buffer): { width: number; height: number; bitsPerPixel: number; data: Buffer } | null {
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR' || buf[28] !== 1) return null;
  const channels = CHANNELS[buf[25]];
  if (channels === undefined) return null;
  const idat: Buffer[] = [];
  for (let at = 8; at + 12 <= buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(buf.subarray(at + 8, Math.min(buf.length, at + 8 + length)));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), bitsPerPixel: channels * buf[24], data: Buffer.concat(idat) };
}
