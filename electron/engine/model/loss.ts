// L = CE + sum_k lambda_k * recon_k + lambda_ort * sum_k SRIP(W_k)
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema';
import { forward, reverse, type ForwardResult, type Network } from './network';

export type Reduction = RunConfig['loss']['reduction'];

export function reconError(a: tf.Tensor2D, b: tf.Tensor2D, reduction: Reduction): tf.Scalar {
  const sq = tf.square(tf.sub(a, b));
  return (reduction === 'halfSum' ? tf.mul(tf.sum(sq), 0.5) : tf.mean(sq)) as tf.Scalar;
}

/** Mean softmax cross-entropy; the reference applies softmax twice (quirk). */
export function crossEntropy(logits: tf.Tensor2D, onehot: tf.Tensor2D, quirks: boolean): tf.Scalar {
  const z = quirks ? tf.softmax(logits) : logits;
  return tf.losses.softmaxCrossEntropy(onehot, z, undefined, 0, tf.Reduction.MEAN) as tf.Scalar;
}

/**
 * SRIP (Bansal et al. 2018) as in the reference: A = W^T W - I, one power
 * iteration from u: v = norm(A^T u), u' = norm(A v), sigma = u'^T A v; penalty sigma^2.
 */
/** TF's l2_normalize: x / sqrt(max(sum(x^2), 1e-12)). */
const l2Normalize = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x)), 1e-12)));

export function srip(w: tf.Tensor2D, u: tf.Tensor2D): tf.Scalar {
  const cols = w.shape[1];
  const a = tf.sub(tf.matMul(tf.transpose(w), w), tf.eye(cols));
  const aT = tf.transpose(a);
  const v = l2Normalize(tf.matMul(aT, u));
  const av = tf.matMul(a, v);
  const u2 = l2Normalize(av);
  const sigma = tf.sum(tf.mul(u2, av));
  return tf.square(sigma) as tf.Scalar;
}

export interface LossParts {
  total: tf.Scalar;
  ce: tf.Scalar;
  /** lambda_k * recon_k per layer (zero scalars where lambda_k = 0). */
  rr: tf.Scalar[];
  ort: tf.Scalar;
  fwd: ForwardResult;
}

export interface LossSettings {
  lambdas: number[];
  lambdaOrt: number;
  reduction: Reduction;
  quirks: boolean;
}

/**
 * The training loss on one batch (BN with batch statistics). `sripVectors[k]`
 * is the random start vector of layer k's power iteration (cols x 1), drawn
 * by the caller from the run's seeded generator.
 */
export function computeLoss(
  net: Network,
  x: tf.Tensor2D,
  onehot: tf.Tensor2D,
  s: LossSettings,
  sripVectors: tf.Tensor2D[] | null,
  wT?: tf.Tensor2D[],
): LossParts {
  const fwd = forward(net, x, 'batch', s.quirks);
  const L = net.layers.length;
  const logits = fwd.h[L];
  const ce = crossEntropy(logits, onehot, s.quirks);
  const zero = tf.scalar(0);
  const rr: tf.Scalar[] = new Array(L).fill(zero);
  const lowest = s.lambdas.findIndex((l) => l > 0);
  if (lowest >= 0) {
    const r = reverse(net, logits, wT ?? net.params.map((p) => tf.transpose(p.w) as tf.Tensor2D), lowest);
    for (let k = lowest; k < L; k++) {
      if (s.lambdas[k] > 0) rr[k] = tf.mul(reconError(r[k], fwd.h[k], s.reduction), s.lambdas[k]) as tf.Scalar;
    }
  }
  let ort: tf.Scalar = zero;
  if (s.lambdaOrt > 0 && sripVectors) {
    ort = tf.mul(tf.addN(net.params.map((p, k) => srip(p.w as tf.Tensor2D, sripVectors[k]))), s.lambdaOrt) as tf.Scalar;
  }
  const total = tf.addN([ce, ...rr, ort]) as tf.Scalar;
  return { total, ce, rr, ort, fwd };
}
