// Dense network with the reverse ("racecar") pass of Xie & Thuerey: layer k's
// reverse step subtracts b_k, multiplies by W_k^T and applies the batch norm
// and activation that produced layer k's input in the forward pass (none for
// the network input). Row-vector convention: z = x W + b, W is in x out.
import * as tf from '@tensorflow/tfjs';
import type { Activation, LayerConfig } from '../config/schema';
import { initialParams, type LayerArrays } from './params';

export const BN_EPSILON = 1e-3; // TF1 tf.layers.batch_normalization defaults
export const BN_MOMENTUM = 0.99;

export interface LayerParams {
  w: tf.Variable; // in x out
  b: tf.Variable; // out
  gamma?: tf.Variable;
  beta?: tf.Variable;
  /** Forward moving statistics for inference (not trained by gradients). */
  movingMean?: tf.Variable;
  movingVar?: tf.Variable;
}

export interface Network {
  inputSize: number;
  layers: LayerConfig[];
  params: LayerParams[];
}

/** How batch norm normalises: with the statistics of the batch or with the forward moving averages. */
export type BnMode = 'batch' | 'moving';

export function buildNetwork(inputSize: number, layers: LayerConfig[], seed: number): Network {
  return networkFromParams(inputSize, layers, initialParams(inputSize, layers, seed));
}

/** A network holding the given values (copied into variables). */
export function networkFromParams(inputSize: number, layers: LayerConfig[], values: LayerArrays[]): Network {
  const v = (a: Float32Array, shape: number[], trainable: boolean) => tf.variable(tf.tensor(a, shape), trainable);
  const params = values.map((a, k) => {
    const n = layers[k].units;
    const p: LayerParams = { w: v(a.w.data, a.w.shape, true), b: v(a.b, [n], true) };
    if (a.gamma) {
      p.gamma = v(a.gamma, [n], true);
      p.beta = v(a.beta!, [n], true);
      p.movingMean = v(a.movingMean!, [n], false);
      p.movingVar = v(a.movingVar!, [n], false);
    }
    return p;
  });
  return { inputSize, layers, params };
}

/** The network's current values as arrays (read back from the backend). */
export function networkParams(net: Network): LayerArrays[] {
  const read = (x: tf.Variable) => x.dataSync() as Float32Array;
  return net.params.map((p) => ({
    w: { shape: p.w.shape as [number, number], data: read(p.w) },
    b: read(p.b),
    ...(p.gamma ? { gamma: read(p.gamma), beta: read(p.beta!), movingMean: read(p.movingMean!), movingVar: read(p.movingVar!) } : {}),
  }));
}

export function trainableVariables(net: Network): tf.Variable[] {
  return net.params.flatMap((p) => [p.w, p.b, ...(p.gamma ? [p.gamma, p.beta!] : [])]);
}

export function disposeNetwork(net: Network): void {
  for (const p of net.params) for (const v of Object.values(p)) (v as tf.Variable).dispose();
}

export function activate(x: tf.Tensor2D, a: Activation): tf.Tensor2D {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
  }
}

export interface BnStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** What the post-affine step keeps for a hand-written backward pass (see backprop.ts). */
export interface PostAffineTrace {
  /** The step's output (h for the forward pass, r for the reverse pass). */
  out: tf.Tensor2D;
  /** Batch norm: normalised input, 1/sqrt(var + eps) and the statistics used. */
  bn?: { xhat: tf.Tensor2D; inv: tf.Tensor1D; stats: BnStats };
  /** False when the step is the identity (plain logits). */
  active: boolean;
}

/**
 * Normalisation + activation applied after layer k's affine map. The batch
 * variance is the mean of (z - mean)^2, as tf.moments computes it; the centred
 * input is computed once and shared by the variance and the normalisation.
 */
export function postAffineTrace(net: Network, k: number, z: tf.Tensor2D, mode: BnMode, quirks: boolean): PostAffineTrace {
  const l = net.layers[k];
  const p = net.params[k];
  const isOutput = k === net.layers.length - 1;
  // Without the reference quirks the output layer yields plain logits.
  if (isOutput && !quirks) return { out: z, active: false };
  let h = z;
  let bn: PostAffineTrace['bn'];
  if (l.batchNorm) {
    let stats: BnStats;
    let centred: tf.Tensor2D;
    if (mode === 'batch') {
      const mean = tf.mean(z, 0) as tf.Tensor1D;
      centred = tf.sub(z, mean);
      stats = { mean, variance: tf.mean(tf.square(centred), 0) as tf.Tensor1D };
    } else {
      stats = { mean: p.movingMean! as tf.Tensor1D, variance: p.movingVar! as tf.Tensor1D };
      centred = tf.sub(z, stats.mean);
    }
    const inv = tf.rsqrt(tf.add(stats.variance, BN_EPSILON)) as tf.Tensor1D;
    const xhat = tf.mul(centred, inv) as tf.Tensor2D;
    h = tf.add(tf.mul(xhat, p.gamma!), p.beta!) as tf.Tensor2D;
    bn = { xhat, inv, stats };
  }
  return { out: activate(h, l.activation), bn, active: true };
}

function postAffine(net: Network, k: number, z: tf.Tensor2D, mode: BnMode, quirks: boolean, batchStats?: BnStats[]): tf.Tensor2D {
  const t = postAffineTrace(net, k, z, mode, quirks);
  if (t.bn && mode === 'batch') batchStats?.push(t.bn.stats);
  return t.out;
}

export interface ForwardResult {
  /** h[0] = input, h[k+1] = output of layer k; h[L] are the logits. */
  h: tf.Tensor2D[];
  /** Batch statistics of each BN layer, in layer order (for the moving-average update). */
  batchStats: { layer: number; stats: BnStats }[];
}

export function forward(net: Network, x: tf.Tensor2D, mode: BnMode, quirks: boolean): ForwardResult {
  const h: tf.Tensor2D[] = [x];
  const batchStats: ForwardResult['batchStats'] = [];
  for (let k = 0; k < net.layers.length; k++) {
    const z = tf.add(tf.matMul(h[k], net.params[k].w), net.params[k].b) as tf.Tensor2D;
    const collected: BnStats[] = [];
    h.push(postAffine(net, k, z, mode, quirks, collected));
    if (collected[0]) batchStats.push({ layer: k, stats: collected[0] });
  }
  return { h, batchStats };
}

/**
 * Reverse pass from the logits down to layer `lowest`'s input. Returns r with
 * r[k] the reconstruction of h[k] for k >= lowest (other entries undefined).
 * The reverse batch norm shares gamma/beta with the forward one and always
 * normalises with the statistics of its own input: its input distribution is
 * not the forward one, so forward moving averages would not fit it.
 */
export function reverse(net: Network, logits: tf.Tensor2D, wT: tf.Tensor2D[], lowest = 0): tf.Tensor2D[] {
  const L = net.layers.length;
  const r: tf.Tensor2D[] = new Array(L + 1);
  r[L] = logits;
  for (let k = L - 1; k >= lowest; k--) {
    const t = tf.matMul(tf.sub(r[k + 1], net.params[k].b), wT[k]) as tf.Tensor2D;
    // Layer k's input was produced by layer k-1 (BN + activation); the network input by nothing.
    r[k] = k === 0 ? t : postAffine(net, k - 1, t, 'batch', true);
  }
  return r;
}

/** Explicit transposes: faster than matMul's transpose flags on wasm. */
export const transposedWeights = (net: Network): tf.Tensor2D[] => net.params.map((p) => tf.transpose(p.w) as tf.Tensor2D);

/** Moves the forward moving averages towards this batch's statistics. */
export function updateMovingStats(net: Network, batchStats: ForwardResult['batchStats']): void {
  for (const { layer, stats } of batchStats) {
    const p = net.params[layer];
    tf.tidy(() => {
      p.movingMean!.assign(tf.add(tf.mul(p.movingMean!, BN_MOMENTUM), tf.mul(stats.mean, 1 - BN_MOMENTUM)));
      p.movingVar!.assign(tf.add(tf.mul(p.movingVar!, BN_MOMENTUM), tf.mul(stats.variance, 1 - BN_MOMENTUM)));
    });
  }
}
