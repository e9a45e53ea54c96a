// A layer's weights as the matrix its SVD decomposes, and, for convolution
// kernels, the data the alignment score compares its singular vectors with:
// the k x k patches the kernel sees. A kernel [out, in, k, k] is the
// (in*k*k) x out matrix of SRIP (model/definition.ts weightMatrix), so its
// input-space singular vectors are filters: in channels of k x k pixels.
import { layerType, type LayerConfig } from '../config/schema';
import type { LayerArrays } from '../model/params';
import type { AlignmentData } from './alignment';

export interface WeightMatrix {
  /** rows x cols, row-major: dense in x out; a kernel (in*k*k) x out, row index c*k*k + y*k + x. */
  data: Float32Array;
  rows: number;
  cols: number;
  /** Present for convolution kernels: the filter size and input channels. */
  kernel?: { size: number; channels: number };
}

/** The matrix of layer k's weights (a residual block's first convolution), or an error naming the layer. */
export function layerWeightMatrix(l: LayerConfig, p: LayerArrays, k: number): WeightMatrix {
  const w = p.w;
  if (!w) throw new Error(`layer ${k + 1} is a ${layerType(l)} layer: it has no weights to decompose (choose a dense, conv or residual layer)`);
  if (w.shape.length === 2) return { data: w.data, rows: w.shape[0], cols: w.shape[1] };
  const [out, channels, size] = w.shape;
  const rows = channels * size * size;
  const data = new Float32Array(rows * out);
  for (let j = 0; j < out; j++) for (let i = 0; i < rows; i++) data[i * out + j] = w.data[j * rows + i];
  return { data, rows, cols: out, kernel: { size, channels } };
}

/**
 * The size x size patches (all channels) that a kernel with this stride and
 * padding reads from each image, labelled with the image's class; positions
 * that reach into the padding are left out (their zeros are not data). At
 * most `max` patches, taken at evenly spaced positions over all images.
 */
export function imagePatches(
  images: Float32Array,
  labels: Int32Array,
  count: number,
  shape: readonly [number, number, number],
  kernel: { size: number; stride: number; padding: number },
  max = 20_000,
): AlignmentData {
  const [c, h, w] = shape;
  const { size: s, stride, padding } = kernel;
  const starts = (n: number) => {
    const out: number[] = [];
    for (let p = -padding; p + s <= n + padding; p += stride) if (p >= 0 && p + s <= n) out.push(p);
    return out;
  };
  const ys = starts(h);
  const xs = starts(w);
  const perImage = ys.length * xs.length;
  const total = perImage * count;
  const take = Math.min(total, max);
  const rows = c * s * s;
  const out = new Float32Array(take * rows);
  const outLabels = new Int32Array(take);
  for (let t = 0; t < take; t++) {
    const idx = Math.floor((t * total) / take);
    const n = Math.floor(idx / perImage);
    const y0 = ys[Math.floor((idx % perImage) / xs.length)];
    const x0 = xs[idx % xs.length];
    const base = n * c * h * w;
    let o = t * rows;
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) out[o++] = images[base + ch * h * w + (y0 + y) * w + x0 + x];
    outLabels[t] = labels[n];
  }
  return { images: out, labels: outLabels, count: take };
}

/** A filter (c*k*k values, c-major) laid out as one image: its channels side by side, k high and c*k wide. */
export function filterImage(values: ArrayLike<number>, size: number, channels: number): Float64Array {
  const out = new Float64Array(channels * size * size);
  const width = channels * size;
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * width + c * size + x] = values[c * size * size + y * size + x];
  return out;
}
