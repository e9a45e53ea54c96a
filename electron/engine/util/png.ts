// PNG encoding of result images (backward images, singular vectors).
import { PNG } from 'pngjs';

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
