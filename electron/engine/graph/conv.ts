// Convolutions (NCHW, square kernels, symmetric padding) and pooling in the op
// set, with their gradient rules. Three primitives: conv2d, its adjoint
// convTranspose2d (the reverse pass of a conv layer, and conv2d's input
// gradient) and conv2dFilterGrad (the kernel's gradient of both); pooling is
// composed from reshape and reductions, so its gradient is derived.
import type { Node } from './ir';
import { define, expand, ge, mean, mul, reshape, sum, type Vjp } from './ops';

export interface ConvAttrs {
  stride: number;
  pad: number;
}

/** Output size of a convolution along one axis, or an error naming the sizes. */
export function convOutSize(input: number, kernel: number, stride: number, pad: number): number {
  const span = input + 2 * pad - kernel;
  if (span < 0) throw new Error(`a ${kernel}x${kernel} kernel does not fit an input of ${input} (padding ${pad})`);
  return Math.floor(span / stride) + 1;
}

function checkConv(op: string, x: Node, w: Node, channelsAxis: 0 | 1, a: ConvAttrs): void {
  if (x.shape.length !== 4 || w.shape.length !== 4) throw new Error(`${op}: needs NCHW inputs and a [out, in, k, k] kernel, got [${x.shape}] and [${w.shape}]`);
  if (w.shape[2] !== w.shape[3]) throw new Error(`${op}: the kernel must be square, got ${w.shape[2]}x${w.shape[3]}`);
  if (x.shape[1] !== w.shape[channelsAxis]) throw new Error(`${op}: the input has ${x.shape[1]} channels, the kernel ${w.shape[channelsAxis]}`);
  if (!Number.isInteger(a.stride) || a.stride < 1 || !Number.isInteger(a.pad) || a.pad < 0) throw new Error(`${op}: stride must be >= 1 and padding >= 0`);
}

/** y[n,f] = Σ_c x[n,c] ⋆ w[f,c] (cross-correlation, as every framework's conv). */
export function conv2d(x: Node, w: Node, a: ConvAttrs): Node {
  checkConv('conv2d', x, w, 1, a);
  const k = w.shape[2];
  const shape = [x.shape[0], w.shape[0], convOutSize(x.shape[2], k, a.stride, a.pad), convOutSize(x.shape[3], k, a.stride, a.pad)];
  return x.graph.add('conv2d', [x, w], { stride: a.stride, pad: a.pad }, shape);
}

/**
 * The adjoint of conv2d with the same kernel: from y [N, F, Ho, Wo] to
 * [N, C, H, W] for the given H x W (the output padding that makes the shapes
 * match is implied by it).
 */
export function convTranspose2d(y: Node, w: Node, a: ConvAttrs, size: readonly [number, number]): Node {
  checkConv('convTranspose2d', y, w, 0, a);
  const k = w.shape[2];
  for (const [i, s] of size.entries()) {
    if (convOutSize(s, k, a.stride, a.pad) !== y.shape[2 + i]) {
      throw new Error(`convTranspose2d: an output of ${s} does not convolve back to ${y.shape[2 + i]} (kernel ${k}, stride ${a.stride}, padding ${a.pad})`);
    }
  }
  return y.graph.add('convTranspose2d', [y, w], { stride: a.stride, pad: a.pad }, [y.shape[0], w.shape[1], size[0], size[1]]);
}

/** The kernel gradient of y = conv2d(x, w): dw[f,c,i,j] = Σ_n,p,q dy[n,f,p,q]·x[n,c,p·s+i−pad,q·s+j−pad]. */
export function conv2dFilterGrad(x: Node, dy: Node, kernel: number, a: ConvAttrs): Node {
  return x.graph.add('conv2dFilterGrad', [x, dy], { stride: a.stride, pad: a.pad, kernel }, [dy.shape[1], x.shape[1], kernel, kernel]);
}

const convAttrs = (n: Node): ConvAttrs => ({ stride: n.attrs.stride as number, pad: n.attrs.pad as number });

define('conv2d', ((dy, n) => {
  const [x, w] = n.inputs;
  const a = convAttrs(n);
  return [convTranspose2d(dy, w, a, [x.shape[2], x.shape[3]]), conv2dFilterGrad(x, dy, w.shape[2], a)];
}) satisfies Vjp);

// <convT(y, w), X> = <y, conv2d(X, w)>: its input gradient is conv2d, its kernel gradient the filter gradient with the roles swapped.
define('convTranspose2d', ((dX, n) => {
  const [y, w] = n.inputs;
  const a = convAttrs(n);
  return [conv2d(dX, w, a), conv2dFilterGrad(dX, y, w.shape[2], a)];
}) satisfies Vjp);

/** Channel-wise vector [C] as [1, C, 1, 1], to broadcast over NCHW. */
export const perChannel = (v: Node): Node => reshape(v, [1, v.shape[0], 1, 1]);

function windows(op: string, x: Node, size: number): Node {
  const [n, c, h, w] = x.shape;
  if (x.shape.length !== 4) throw new Error(`${op}: needs an NCHW input`);
  if (h % size !== 0 || w % size !== 0) throw new Error(`${op}: a ${size}x${size} window does not divide ${h}x${w}`);
  return reshape(x, [n, c, h / size, size, w / size, size]);
}

/** Average over size x size windows (stride = size). */
export function avgPool(x: Node, size: number): Node {
  const [n, c, h, w] = x.shape;
  return reshape(mean(windows('avgPool', x, size), [3, 5]), [n, c, h / size, w / size]);
}

/** Largest value over size x size windows (stride = size). */
export function maxPool(x: Node, size: number): Node {
  const [n, c, h, w] = x.shape;
  return reshape(amax(windows('maxPool', x, size), [3, 5]), [n, c, h / size, w / size]);
}

/** Nearest-neighbour upsampling by `size`: each value copied over a size x size block. */
export function upsample(x: Node, size: number): Node {
  const [n, c, h, w] = x.shape;
  return reshape(expand(reshape(x, [n, c, h, 1, w, 1]), [n, c, h, size, w, size]), [n, c, h * size, w * size]);
}

/** 1 where x holds its window's maximum (the recorded max positions of a max pooling), else 0. */
export function maxMask(x: Node, pooled: Node, size: number): Node {
  return ge(x, upsample(pooled, size));
}

/** Largest value over `axes` (kept as size-1 axes with keepdims). */
export function amax(x: Node, axes: number[], keepdims = false): Node {
  const all = [...axes].sort((p, q) => p - q);
  const shape = x.shape.flatMap((d, i) => (all.includes(i) ? (keepdims ? [1] : []) : [d]));
  return x.graph.add('amax', [x], { axes: all, keepdims }, shape);
}
// The gradient goes to every position that holds the maximum (ties are measure-zero for real data).
define('amax', (dy, n) => {
  const x = n.inputs[0];
  const axes = n.attrs.axes as number[];
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const y = expand(reshape(n, kept), x.shape);
  return [mul(expand(reshape(dy, kept), x.shape), ge(x, y))];
});

/** Sum over the batch and spatial axes of an NCHW tensor: a per-channel bias's gradient shape. */
export const channelSum = (x: Node): Node => sum(x, [0, 2, 3]);
