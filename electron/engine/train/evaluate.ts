// Evaluation: accuracy, per-layer reconstruction error of the reverse pass and
// the reconstructions of the first test inputs (the "backward images").
import * as tf from '@tensorflow/tfjs';
import { forward, reverse, transposedWeights, type Network } from '../model/network';

/** Rows per forward pass when accuracy runs on the moving averages. */
export const CHUNK = 4096;

export interface SplitTensors {
  x: tf.Tensor2D;
  labels: Int32Array;
}

/** How many of rows offset..offset+n have their largest logit at their label. */
export function argmaxAccuracy(logits: Float32Array, classes: number, labels: Int32Array, offset: number, n: number): number {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[offset + i]) correct++;
  }
  return correct;
}

/**
 * Accuracy over a split given as a typed array. With the reference quirks BN
 * runs in training mode, so the whole split is one batch as in the reference;
 * otherwise chunks use the moving averages and the result is chunk-independent.
 */
export function accuracy(net: Network, images: Float32Array, labels: Int32Array, quirks: boolean): number {
  const n = labels.length;
  if (n === 0) return NaN;
  const dim = net.inputSize;
  const classes = net.layers[net.layers.length - 1].units;
  const chunk = quirks ? n : CHUNK;
  let correct = 0;
  for (let off = 0; off < n; off += chunk) {
    const m = Math.min(chunk, n - off);
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(images.subarray(off * dim, (off + m) * dim), [m, dim]);
      return forward(net, x, quirks ? 'batch' : 'moving', quirks).h[net.layers.length];
    });
    correct += argmaxAccuracy(logits.dataSync() as Float32Array, classes, labels, off, m);
    logits.dispose();
  }
  return correct / n;
}

export interface TestEvaluation {
  accuracy: number;
  /** Mean squared reconstruction error of each layer's input over the test set. */
  recon: number[];
  /** Reverse-pass reconstructions of the first `samples` test inputs (samples x dim). */
  backward: Float32Array;
}

/**
 * The test set is evaluated as one batch: the reverse pass's batch norm
 * normalises with the statistics of its own input over the evaluated set.
 */
export function evaluateTest(net: Network, test: SplitTensors, quirks: boolean, samples: number): TestEvaluation {
  const L = net.layers.length;
  const n = test.labels.length;
  const classes = net.layers[L - 1].units;
  const out = tf.tidy(() => {
    const fwd = forward(net, test.x, quirks ? 'batch' : 'moving', quirks);
    const r = reverse(net, fwd.h[L], transposedWeights(net), 0);
    const recon = tf.stack(Array.from({ length: L }, (_, k) => tf.mean(tf.square(tf.sub(r[k], fwd.h[k])))));
    const back = samples > 0 ? tf.slice(r[0], [0, 0], [Math.min(samples, n), -1]) : tf.zeros([0, net.inputSize]);
    return [fwd.h[L], recon, back];
  });
  const [logits, recon, back] = out.map((t) => t.dataSync() as Float32Array);
  out.forEach((t) => t.dispose());
  return {
    accuracy: argmaxAccuracy(logits, classes, test.labels, 0, n) / n,
    recon: Array.from(recon),
    backward: back,
  };
}
