// Diverging colour map for signed images (singular vectors, weight columns):
// zero is white-ish, negative blue, positive red, as matplotlib's 'RdBu_r'.
// A singular vector's sign is arbitrary and its scale is 1/sqrt(len), so each
// image is scaled on its own by its largest magnitude unless told otherwise.
import { encodeRgbPng } from '../util/png';
import { divergingRgb } from './diverging';

export { divergingColour, divergingRgb } from './diverging';

export interface VectorImageOptions {
  /** Common scale, e.g. to compare several vectors; default: this vector's max |value|. */
  absMax?: number;
  /** Integer upscaling by pixel replication (28 px is tiny in a report); default 1. */
  scale?: number;
}

/** PNG of one input-space singular vector (length height*width, row-major) as a height x width image. */
export function singularVectorPng(vec: ArrayLike<number>, height: number, width: number, opts: VectorImageOptions = {}): Buffer {
  if (vec.length !== height * width) {
    throw new RangeError(`singularVectorPng: vector of length ${vec.length} is not ${height}x${width}`);
  }
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`singularVectorPng: scale must be an integer >= 1, got ${scale}`);
  const rgb = divergingRgb(vec, opts.absMax);
  if (scale === 1) return encodeRgbPng(rgb, width, height);
  const w2 = width * scale;
  const big = new Uint8Array(w2 * height * scale * 3);
  for (let y = 0; y < height * scale; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < w2; x++) {
      const src = 3 * (sy * width + Math.floor(x / scale));
      const dst = 3 * (y * w2 + x);
      big[dst] = rgb[src];
      big[dst + 1] = rgb[src + 1];
      big[dst + 2] = rgb[src + 2];
    }
  }
  return encodeRgbPng(big, w2, height * scale);
}

/** Singular values prepared for a spectrum chart. */
export interface SpectrumData {
  values: number[];
  /** s_j / s_0 (0 when all are zero). */
  relative: number[];
  /** Share of sum s² held by s_0..s_j: how much of W's energy the leading vectors carry. */
  cumulativeEnergy: number[];
}

export function spectrumData(s: ArrayLike<number>): SpectrumData {
  const values = Array.from(s);
  const top = values.length > 0 ? Math.max(...values.map(Math.abs)) : 0;
  let total = 0;
  for (const x of values) total += x * x;
  let acc = 0;
  const cumulativeEnergy = values.map((x) => {
    acc += x * x;
    return total > 0 ? acc / total : 0;
  });
  return { values, relative: values.map((x) => (top > 0 ? x / top : 0)), cumulativeEnergy };
}
