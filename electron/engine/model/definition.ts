// The one definition of a run's computation, in the ops of graph/ops.ts:
// the network (dense, conv, pooling and residual layers), the reverse
// ("racecar") pass of Xie & Thuerey and every loss part. Gradients are derived
// from it (graph/autodiff.ts) and every backend runs a lowering of it; nothing
// here is written for one runtime.
//
// Row-vector convention: z = x W + b, W is in x out; feature maps are NCHW and
// flattened channel-major before a dense layer. Layer k's reverse step maps a
// reconstruction of its output back to its input with the layer's own weights
// transposed (bias subtracted, W^T, the transposed convolution, unpooling) and
// applies the batch norm and activation that produced layer k's input in the
// forward pass (none for the network input). README's "Reverse pass" says why
// for each layer type.
import type { Activation, LayerConfig, RunConfig } from '../config/schema';
import { avgPool, conv2d, convTranspose2d, maxMask, maxPool, perChannel, upsample } from '../graph/conv';
import type { Node } from '../graph/ir';
import * as op from '../graph/ops';
import { featureSize, netGeometry, type FeatureShape, type TensorKind } from './geometry';

export const BN_EPSILON = 1e-3; // TF1 tf.layers.batch_normalization defaults
export const BN_MOMENTUM = 0.99;

export interface NetShape {
  /** Values per input (C*H*W for images). */
  inputSize: number;
  /** [C, H, W] of image inputs; needed by conv, pool and residual layers. */
  image?: readonly [number, number, number];
  layers: LayerConfig[];
}

export const netInput = (net: NetShape): FeatureShape => net.image ?? [net.inputSize];

/** One layer's parameters and moving statistics in a graph, by kind (geometry.ts). */
export type LayerTensors = Partial<Record<TensorKind, Node>>;

/** How batch norm normalises: with the statistics of the batch or with the forward moving averages. */
export type BnMode = 'batch' | 'moving';

export type Reduction = RunConfig['loss']['reduction'];

export interface LossSettings {
  lambdas: number[];
  lambdaOrt: number;
  reduction: Reduction;
  quirks: boolean;
}

export interface BnStats {
  mean: Node;
  variance: Node;
}

/** A layer's batch statistics in batch mode: '' its (first) batch norm, '2' a residual block's second. */
export type LayerStats = Partial<Record<'' | '2', BnStats>>;

export function activate(x: Node, a: Activation): Node {
  switch (a) {
    case 'relu':
      return op.relu(x);
    case 'tanh':
      return op.tanh(x);
    case 'sigmoid':
      return op.sigmoid(x);
    case 'linear':
      return x;
  }
}

/** A per-unit [n] or per-channel [C] vector shaped to broadcast over x. */
const along = (x: Node, v: Node): Node => (x.shape.length === 4 ? perChannel(v) : v);
const need = (P: LayerTensors, kind: TensorKind): Node => {
  const t = P[kind];
  if (!t) throw new Error(`the layer has no ${kind} tensor`);
  return t;
};

/**
 * Batch norm per unit (dense) or per channel (feature maps: statistics over
 * the batch and both spatial axes). The batch variance is the mean of
 * (z - mean)^2, as tf.moments computes it.
 */
function batchNorm(z: Node, P: LayerTensors, which: '' | '2', mode: BnMode): { out: Node; stats?: BnStats } {
  const axes = z.shape.length === 4 ? [0, 2, 3] : [0];
  let centred: Node;
  let stats: BnStats;
  if (mode === 'batch') {
    const mean = op.mean(z, axes);
    centred = op.sub(z, along(z, mean));
    stats = { mean, variance: op.mean(op.square(centred), axes) };
  } else {
    stats = { mean: need(P, `movingMean${which}`), variance: need(P, `movingVar${which}`) };
    centred = op.sub(z, along(z, stats.mean));
  }
  const xhat = op.mul(centred, along(z, op.rsqrt(op.add(stats.variance, BN_EPSILON))));
  const out = op.add(op.mul(xhat, along(z, need(P, `gamma${which}`))), along(z, need(P, `beta${which}`)));
  return { out, stats: mode === 'batch' ? stats : undefined };
}

/**
 * Batch norm and activation after a dense or conv layer's affine map. Without
 * the reference quirks the output layer yields plain logits.
 */
export function postAffine(net: NetShape, P: LayerTensors[], k: number, z: Node, mode: BnMode, quirks: boolean): { out: Node; stats?: BnStats } {
  const l = net.layers[k];
  if (l.type === 'pool') throw new Error('a pooling layer has no affine map');
  if (k === net.layers.length - 1 && !quirks) return { out: z };
  const bn = l.batchNorm ? batchNorm(z, P[k], '', mode) : undefined;
  return { out: activate(bn?.out ?? z, l.activation), stats: bn?.stats };
}

export interface Forward {
  /** h[0] = input (feature maps where the first layer is spatial), h[k+1] = output of layer k; h[L] are the logits. */
  h: Node[];
  /** Batch statistics of each layer's batch norms in batch mode (for the moving averages). */
  stats: LayerStats[];
}

/** Each row's activations as one vector, channel-major (NCHW) for feature maps: a dense layer's input. */
export const flatten = (x: Node): Node => (x.shape.length === 2 ? x : op.reshape(x, [x.shape[0], featureSize(x.shape.slice(1))]));

const asShape = (x: Node, shape: FeatureShape): Node =>
  x.shape.length === shape.length + 1 && shape.every((d, i) => x.shape[i + 1] === d) ? x : op.reshape(x, [x.shape[0], ...shape]);

/** Layer k's output from its input (in the layer's input shape). */
function layerForward(net: NetShape, P: LayerTensors[], k: number, x: Node, mode: BnMode, quirks: boolean): { out: Node; stats: LayerStats } {
  const l = net.layers[k];
  const p = P[k];
  switch (l.type) {
    case undefined:
    case 'dense': {
      const t = postAffine(net, P, k, op.add(op.matmul(flatten(x), need(p, 'w')), need(p, 'b')), mode, quirks);
      return { out: t.out, stats: { '': t.stats } };
    }
    case 'conv': {
      const z = op.add(conv2d(x, need(p, 'w'), { stride: l.stride, pad: l.padding }), perChannel(need(p, 'b')));
      const t = postAffine(net, P, k, z, mode, quirks);
      return { out: t.out, stats: { '': t.stats } };
    }
    case 'pool':
      return { out: l.kind === 'max' ? maxPool(x, l.size) : avgPool(x, l.size), stats: {} };
    case 'residual': {
      const z1 = op.add(conv2d(x, need(p, 'w'), { stride: l.stride, pad: 1 }), perChannel(need(p, 'b')));
      const bn1 = l.batchNorm ? batchNorm(z1, p, '', mode) : undefined;
      const a1 = activate(bn1?.out ?? z1, l.activation);
      const z2 = op.add(conv2d(a1, need(p, 'w2'), { stride: 1, pad: 1 }), perChannel(need(p, 'b2')));
      const bn2 = l.batchNorm ? batchNorm(z2, p, '2', mode) : undefined;
      const skip = p.wSkip ? conv2d(x, p.wSkip, { stride: l.stride, pad: 0 }) : x;
      return { out: activate(op.add(bn2?.out ?? z2, skip), l.activation), stats: { '': bn1?.stats, '2': bn2?.stats } };
    }
  }
}

export function forward(net: NetShape, P: LayerTensors[], x: Node, mode: BnMode, quirks: boolean): Forward {
  const geometry = netGeometry(netInput(net), net.layers);
  const h: Node[] = [asShape(x, geometry[0].input)];
  const stats: LayerStats[] = [];
  for (let k = 0; k < net.layers.length; k++) {
    const t = layerForward(net, P, k, h[k], mode, quirks);
    h.push(t.out);
    stats.push(t.stats);
  }
  return { h, stats };
}

/**
 * Reverse pass from the logits down to layer `lowest`'s input: r[k] is the
 * reconstruction of h[k] for k >= lowest. The reverse batch norm shares gamma
 * and beta with the forward one and normalises with the statistics of its own
 * input: its input distribution is not the forward one, so the forward moving
 * averages would not fit it. Max unpooling reads the forward pass's max
 * positions from its activations `h` (forward().h; needed only with max pooling).
 */
export function reverse(net: NetShape, P: LayerTensors[], logits: Node, lowest: number, h?: Node[]): Node[] {
  const L = net.layers.length;
  const r: Node[] = new Array<Node>(L + 1);
  r[L] = logits;
  for (let k = L - 1; k >= lowest; k--) r[k] = reverseStep(net, P, k, r[k + 1], h);
  return r;
}

/**
 * What produced layer j's output after its linear part, for a reverse step
 * landing there: batch norm (batch statistics) and activation; a pooling
 * layer's output was produced by the layer below it (pooling commutes with
 * per-channel monotone maps), the network input by nothing.
 */
function lowerPost(net: NetShape, P: LayerTensors[], j: number, t: Node): Node {
  if (j < 0) return t;
  const l = net.layers[j];
  switch (l.type) {
    case 'pool':
      return lowerPost(net, P, j - 1, t);
    case 'residual':
      return activate(l.batchNorm ? batchNorm(t, P[j], '2', 'batch').out : t, l.activation);
    default:
      return postAffine(net, P, j, t, 'batch', true).out;
  }
}

/** Layer k's reverse step: the reconstruction of its input h[k] from (a reconstruction of) its output. */
export function reverseStep(net: NetShape, P: LayerTensors[], k: number, upper: Node, h?: Node[]): Node {
  const l = net.layers[k];
  const p = P[k];
  const shape = netGeometry(netInput(net), net.layers)[k].input;
  const inputHw: [number, number] = [shape[1], shape[2]];
  const hw = (x: Node): [number, number] => [x.shape[2], x.shape[3]];
  switch (l.type) {
    case undefined:
    case 'dense': {
      const t = op.matmul(op.sub(upper, need(p, 'b')), need(p, 'w'), false, true);
      return lowerPost(net, P, k - 1, asShape(t, shape));
    }
    case 'conv': {
      const t = convTranspose2d(op.sub(upper, perChannel(need(p, 'b'))), need(p, 'w'), { stride: l.stride, pad: l.padding }, inputHw);
      return lowerPost(net, P, k - 1, t);
    }
    case 'pool': {
      const spread = upsample(upper, l.size);
      if (l.kind === 'avg') return spread;
      // Unpooling to the recorded max positions, shared equally among tied maxima (a window of ReLU zeros).
      if (!h) throw new Error('max unpooling needs the forward activations');
      const mask = maxMask(h[k], h[k + 1], l.size);
      const ties = upsample(op.mul(avgPool(mask, l.size), l.size * l.size), l.size);
      return op.mul(spread, op.div(mask, ties));
    }
    case 'residual': {
      // The transpose of y = F(x) + S x is F^T + S^T: the convolution path reversed, plus the skip reversed.
      const mid = hw(upper);
      const t2 = convTranspose2d(op.sub(upper, perChannel(need(p, 'b2'))), need(p, 'w2'), { stride: 1, pad: 1 }, mid);
      const a1 = activate(l.batchNorm ? batchNorm(t2, p, '', 'batch').out : t2, l.activation);
      const t1 = convTranspose2d(op.sub(a1, perChannel(need(p, 'b'))), need(p, 'w'), { stride: l.stride, pad: 1 }, inputHw);
      const skip = p.wSkip ? convTranspose2d(upper, p.wSkip, { stride: l.stride, pad: 0 }, inputHw) : upper;
      return lowerPost(net, P, k - 1, op.add(t1, skip));
    }
  }
}

/** Half the sum of squares over the batch (the reference), or their mean. */
export function reconError(a: Node, b: Node, reduction: Reduction): Node {
  const sq = op.square(op.sub(a, b));
  return reduction === 'halfSum' ? op.mul(op.sum(sq), 0.5) : op.mean(sq);
}

/** Mean softmax cross-entropy of one-hot labels; the reference applies softmax twice (quirk). */
export function crossEntropy(logits: Node, onehot: Node, quirks: boolean): Node {
  const z = quirks ? op.softmax(logits) : logits;
  return op.mul(op.sum(op.mul(onehot, op.logSoftmax(z))), -1 / logits.shape[0]);
}

/** TF's l2_normalize: x / sqrt(max(sum(x^2), 1e-12)). */
const l2Normalize = (x: Node): Node => op.mul(x, op.rsqrt(op.max(op.sum(op.square(x)), 1e-12)));

/** A weight as the matrix SRIP makes orthogonal: dense in x out, a kernel [out, in, k, k] as (in*k*k) x out. */
export function weightMatrix(w: Node): Node {
  if (w.shape.length === 2) return w;
  return op.transpose(op.reshape(w, [w.shape[0], featureSize(w.shape.slice(1))]), [1, 0]);
}

/**
 * SRIP (Bansal et al. 2018) as in the reference: A = W^T W - I, one power
 * iteration from the random u (cols x 1): v = norm(A^T u), u' = norm(A v),
 * sigma = u'^T A v; penalty sigma^2.
 */
export function srip(weight: Node, u: Node): Node {
  const w = weightMatrix(weight);
  const c = w.shape[1];
  const eye = new Array<number>(c * c).fill(0);
  for (let i = 0; i < c; i++) eye[i * c + i] = 1;
  const a = op.sub(op.matmul(w, w, true, false), w.graph.constant(eye, [c, c]));
  const v = l2Normalize(op.matmul(a, u, true, false));
  const av = op.matmul(a, v);
  const sigma = op.sum(op.mul(l2Normalize(av), av));
  return op.square(sigma);
}

export interface LossParts {
  ce: Node;
  /** lambda_k * recon_k per layer (null where lambda_k = 0). */
  rr: (Node | null)[];
  ort: Node | null;
  total: Node;
  fwd: Forward;
}

/** A weight and the random start vector of its SRIP power iteration (drawn by the caller from the run's seeded generator). */
export interface SripTerm {
  weight: Node;
  u: Node;
}

/** The training loss on one batch (BN with batch statistics). */
export function lossParts(net: NetShape, P: LayerTensors[], x: Node, onehot: Node, s: LossSettings, sripTerms: SripTerm[] | null): LossParts {
  const fwd = forward(net, P, x, 'batch', s.quirks);
  const L = net.layers.length;
  const logits = fwd.h[L];
  const ce = crossEntropy(logits, onehot, s.quirks);
  const rr: (Node | null)[] = new Array<Node | null>(L).fill(null);
  const lowest = s.lambdas.findIndex((l) => l > 0);
  if (lowest >= 0) {
    const r = reverse(net, P, logits, lowest, fwd.h);
    for (let k = lowest; k < L; k++) if (s.lambdas[k] > 0) rr[k] = op.mul(reconError(r[k], fwd.h[k], s.reduction), s.lambdas[k]);
  }
  const ort = s.lambdaOrt > 0 && sripTerms?.length ? op.mul(op.addN(sripTerms.map((t) => srip(t.weight, t.u))), s.lambdaOrt) : null;
  const total = op.addN([ce, ...rr.filter((t): t is Node => t !== null), ...(ort ? [ort] : [])]);
  return { ce, rr, ort, total, fwd };
}

/** The loss settings of a run's config. */
export function lossSettings(config: RunConfig): LossSettings {
  return {
    lambdas: config.network.layers.map((l) => l.lambda),
    lambdaOrt: config.loss.lambdaOrt,
    reduction: config.loss.reduction,
    quirks: config.loss.referenceQuirks,
  };
}
