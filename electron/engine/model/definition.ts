// The one definition of a run's computation, in the ops of graph/ops.ts:
// the dense network, the reverse ("racecar") pass of Xie & Thuerey and every
// loss part. Gradients are derived from it (graph/autodiff.ts) and every
// backend runs a lowering of it; nothing here is written for one runtime.
//
// Row-vector convention: z = x W + b, W is in x out. Layer k's reverse step
// subtracts b_k, multiplies by W_k^T and applies the batch norm and activation
// that produced layer k's input in the forward pass (none for the network input).
import type { Activation, LayerConfig, RunConfig } from '../config/schema';
import type { Node } from '../graph/ir';
import * as op from '../graph/ops';

export const BN_EPSILON = 1e-3; // TF1 tf.layers.batch_normalization defaults
export const BN_MOMENTUM = 0.99;

export interface NetShape {
  inputSize: number;
  layers: LayerConfig[];
}

/** One layer's parameters and moving statistics in a graph. */
export interface LayerTensors {
  w: Node;
  b: Node;
  gamma?: Node;
  beta?: Node;
  movingMean?: Node;
  movingVar?: Node;
}

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

/**
 * Batch norm and activation after layer k's affine map. The batch variance is
 * the mean of (z - mean)^2, as tf.moments computes it. Without the reference
 * quirks the output layer yields plain logits.
 */
export function postAffine(net: NetShape, P: LayerTensors[], k: number, z: Node, mode: BnMode, quirks: boolean): { out: Node; stats?: BnStats } {
  const l = net.layers[k];
  const p = P[k];
  if (k === net.layers.length - 1 && !quirks) return { out: z };
  let h = z;
  let stats: BnStats | undefined;
  if (l.batchNorm) {
    let centred: Node;
    if (mode === 'batch') {
      const mean = op.mean(z, [0]);
      centred = op.sub(z, mean);
      stats = { mean, variance: op.mean(op.square(centred), [0]) };
    } else {
      stats = { mean: p.movingMean!, variance: p.movingVar! };
      centred = op.sub(z, stats.mean);
    }
    const xhat = op.mul(centred, op.rsqrt(op.add(stats.variance, BN_EPSILON)));
    h = op.add(op.mul(xhat, p.gamma!), p.beta!);
  }
  return { out: activate(h, l.activation), stats: mode === 'batch' ? stats : undefined };
}

export interface Forward {
  /** h[0] = input, h[k+1] = output of layer k; h[L] are the logits. */
  h: Node[];
  /** Batch statistics of each BN layer in batch mode (for the moving averages). */
  stats: (BnStats | undefined)[];
}

export function forward(net: NetShape, P: LayerTensors[], x: Node, mode: BnMode, quirks: boolean): Forward {
  const h: Node[] = [x];
  const stats: Forward['stats'] = [];
  for (let k = 0; k < net.layers.length; k++) {
    const t = postAffine(net, P, k, op.add(op.matmul(h[k], P[k].w), P[k].b), mode, quirks);
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
 * averages would not fit it.
 */
export function reverse(net: NetShape, P: LayerTensors[], logits: Node, lowest: number): Node[] {
  const L = net.layers.length;
  const r: Node[] = new Array<Node>(L + 1);
  r[L] = logits;
  for (let k = L - 1; k >= lowest; k--) r[k] = reverseStep(net, P, k, r[k + 1]);
  return r;
}

/** Layer k's reverse step: the reconstruction of its input from (a reconstruction of) its output. */
export function reverseStep(net: NetShape, P: LayerTensors[], k: number, upper: Node): Node {
  const t = op.matmul(op.sub(upper, P[k].b), P[k].w, false, true);
  return k === 0 ? t : postAffine(net, P, k - 1, t, 'batch', true).out;
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

/**
 * SRIP (Bansal et al. 2018) as in the reference: A = W^T W - I, one power
 * iteration from the random u (cols x 1): v = norm(A^T u), u' = norm(A v),
 * sigma = u'^T A v; penalty sigma^2.
 */
export function srip(w: Node, u: Node): Node {
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

/**
 * The training loss on one batch (BN with batch statistics). `sripU[k]` is the
 * random start vector of layer k's power iteration, drawn by the caller from
 * the run's seeded generator.
 */
export function lossParts(net: NetShape, P: LayerTensors[], x: Node, onehot: Node, s: LossSettings, sripU: Node[] | null): LossParts {
  const fwd = forward(net, P, x, 'batch', s.quirks);
  const L = net.layers.length;
  const logits = fwd.h[L];
  const ce = crossEntropy(logits, onehot, s.quirks);
  const rr: (Node | null)[] = new Array<Node | null>(L).fill(null);
  const lowest = s.lambdas.findIndex((l) => l > 0);
  if (lowest >= 0) {
    const r = reverse(net, P, logits, lowest);
    for (let k = lowest; k < L; k++) if (s.lambdas[k] > 0) rr[k] = op.mul(reconError(r[k], fwd.h[k], s.reduction), s.lambdas[k]);
  }
  const ort = s.lambdaOrt > 0 && sripU ? op.mul(op.addN(P.map((p, k) => srip(p.w, sripU[k]))), s.lambdaOrt) : null;
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
