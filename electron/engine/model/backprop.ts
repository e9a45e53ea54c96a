// The training loss and its gradient with respect to every trainable variable,
// differentiated by hand. Same loss as computeLoss (loss.ts), same forward and
// reverse pass (network.ts), but the backward pass is written out: autodiff
// records ~3x the kernels (transposes of every matMul operand, moments, Cast,
// Identity, broadcasting reshapes), and on the wasm backend each kernel costs a
// few microseconds of dispatch, which dominates small networks. Here:
//  - matMul gradients reuse the step's transposed weights (dh = dz·Wᵀ) and the
//    weights themselves (du = dt·W), so only activations are transposed;
//  - batch norm is differentiated in closed form (10 kernels per use);
//  - the loss values are computed only when asked (at evaluations).
// SRIP, an O(cols²) term with a power iteration, is left to autodiff.
// test/engine/model/backprop.test.ts checks this against tf.variableGrads(computeLoss).
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, reconError, srip, type LossSettings } from './loss';
import { postAffineTrace, type ForwardResult, type Network, type PostAffineTrace } from './network';

export interface LossGradients {
  /** Aligned with trainableVariables(net); null where a variable does not affect the loss. */
  grads: (tf.Tensor | null)[];
  /** [ce, rr_0..rr_{L-1}, ort, total] when asked, as computeLoss reports them. */
  parts: tf.Tensor1D | null;
  /** Forward batch statistics of each BN layer (for the moving averages). */
  batchStats: ForwardResult['batchStats'];
}

const add = (a: tf.Tensor | null, b: tf.Tensor): tf.Tensor => (a ? tf.add(a, b) : b);

/** Gradient through the activation, from its output y. */
function activationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, a: Network['layers'][number]['activation']): tf.Tensor2D {
  switch (a) {
    case 'relu':
      return tf.mul(dy, tf.step(y)); // y > 0 exactly where the input is
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'linear':
      return dy;
  }
}

interface StepGrads {
  dz: tf.Tensor2D;
  dgamma?: tf.Tensor;
  dbeta?: tf.Tensor;
}

/**
 * Backward through postAffineTrace in batch mode: activation, then batch norm
 * with batch statistics, dz = gamma·inv·(g − mean(g) − xhat·mean(g·xhat)).
 */
function postAffineGrad(net: Network, k: number, t: PostAffineTrace, dout: tf.Tensor2D): StepGrads {
  if (!t.active) return { dz: dout };
  const g = activationGrad(dout, t.out, net.layers[k].activation);
  if (!t.bn) return { dz: g };
  const { xhat, inv } = t.bn;
  const n = xhat.shape[0];
  const dbeta = tf.sum(g, 0);
  const dgamma = tf.sum(tf.mul(g, xhat), 0);
  const scale = tf.mul(net.params[k].gamma!, inv);
  const centred = tf.sub(g, tf.mul(dbeta, 1 / n));
  const dz = tf.mul(tf.sub(centred, tf.mul(xhat, tf.mul(dgamma, 1 / n))), scale) as tf.Tensor2D;
  return { dz, dgamma, dbeta };
}

export interface LossGradientOptions {
  /** Also return the loss values (parts). */
  wantParts?: boolean;
  /** xᵀ, if the caller has it (a full batch is the same every step). */
  xT?: tf.Tensor2D;
}

/**
 * The loss of computeLoss(net, x, onehot, s, sripVectors) and its gradients,
 * in training mode (batch statistics). Call inside tf.tidy; nothing here is kept.
 *
 * On wasm a matMul a·b costs, besides its flops, a repacking of b (~3.5 ns per
 * element of b, single-threaded), cached per tensor: W_k is packed once per step
 * and reused by the forward product and by du = dt·W_k. The input layer's
 * reverse product u_0·W_0ᵀ (batch x 784) is computed transposed, W_0·u_0ᵀ, so
 * that the small u_0ᵀ is packed instead of W_0ᵀ, and W_0ᵀ is never formed.
 */
export function lossGradients(
  net: Network,
  x: tf.Tensor2D,
  onehot: tf.Tensor2D,
  s: LossSettings,
  sripVectors: tf.Tensor2D[] | null,
  opts: LossGradientOptions = {},
): LossGradients {
  const L = net.layers.length;
  const P = net.params;
  const wantParts = opts.wantParts ?? false;
  const wTCache: tf.Tensor2D[] = new Array(L);
  const wT = (k: number): tf.Tensor2D => (wTCache[k] ??= tf.transpose(P[k].w as tf.Tensor2D));
  let xTCache = opts.xT;
  const xT = (): tf.Tensor2D => (xTCache ??= tf.transpose(x));

  // Forward pass, keeping each layer's trace.
  const h: tf.Tensor2D[] = [x];
  const fwd: PostAffineTrace[] = [];
  const batchStats: ForwardResult['batchStats'] = [];
  for (let k = 0; k < L; k++) {
    const z = tf.add(tf.matMul(h[k], P[k].w), P[k].b) as tf.Tensor2D;
    const t = postAffineTrace(net, k, z, 'batch', s.quirks);
    if (t.bn) batchStats.push({ layer: k, stats: t.bn.stats });
    fwd.push(t);
    h.push(t.out);
  }
  const logits = h[L];

  // Reverse pass down to the lowest regularised layer: u_k = r_{k+1} − b_k, t_k = u_k·W_kᵀ.
  const lowest = s.lambdas.findIndex((l) => l > 0);
  const r: tf.Tensor2D[] = new Array(L + 1);
  const u: tf.Tensor2D[] = new Array(L);
  const rev: PostAffineTrace[] = new Array(L);
  r[L] = logits;
  let r0T: tf.Tensor2D | null = null; // r_0ᵀ (input dim x batch)
  if (lowest >= 0) {
    for (let k = L - 1; k >= lowest; k--) {
      u[k] = tf.sub(r[k + 1], P[k].b);
      if (k === 0) {
        r0T = tf.matMul(P[0].w, tf.transpose(u[0])) as tf.Tensor2D;
      } else {
        rev[k] = postAffineTrace(net, k - 1, tf.matMul(u[k], wT(k)) as tf.Tensor2D, 'batch', true);
        r[k] = rev[k].out;
      }
    }
  }

  const dW: (tf.Tensor | null)[] = new Array(L).fill(null);
  const db: (tf.Tensor | null)[] = new Array(L).fill(null);
  const dGamma: (tf.Tensor | null)[] = new Array(L).fill(null);
  const dBeta: (tf.Tensor | null)[] = new Array(L).fill(null);
  const dh: (tf.Tensor2D | null)[] = new Array(L + 1).fill(null);
  const addBn = (k: number, g: StepGrads) => {
    if (g.dgamma) dGamma[k] = add(dGamma[k], g.dgamma);
    if (g.dbeta) dBeta[k] = add(dBeta[k], g.dbeta);
  };

  // Reconstruction terms: c·0.5·Σ(r − h)² (halfSum) or c·mean((r − h)²).
  const coef = (k: number, size: number) => (s.reduction === 'halfSum' ? s.lambdas[k] : (2 * s.lambdas[k]) / size);
  if (lowest >= 0) {
    let dr: tf.Tensor2D | null = null; // gradient reaching r_k from below (r_{k-1} = f(r_k))
    for (let k = lowest; k <= L; k++) {
      if (k === 0) {
        // Layer 0 in transposed form: g_0ᵀ = c·(r_0 − x)ᵀ; dW_0 = g_0ᵀ·u_0 needs no transpose.
        const diff0T = tf.sub(r0T!, xT());
        const g0T = tf.mul(diff0T, coef(0, diff0T.size)) as tf.Tensor2D;
        dW[0] = tf.matMul(g0T, u[0]);
        const du = tf.matMul(tf.transpose(g0T), P[0].w) as tf.Tensor2D;
        db[0] = tf.neg(tf.sum(du, 0));
        dr = du;
        continue;
      }
      if (k < L && s.lambdas[k] > 0) {
        const g = tf.mul(tf.sub(r[k], h[k]), coef(k, r[k].size)) as tf.Tensor2D;
        dr = dr ? tf.add<tf.Tensor2D>(dr, g) : g;
        dh[k] = tf.neg(g); // k > 0 here: h_k is a layer output
      }
      if (k === L) {
        // r_L are the logits themselves.
        if (dr) dh[L] = dr;
        break;
      }
      if (!dr) continue; // nothing regularised at or below here
      // r_k = post(t_k) (k >= 1); t_k = u_k·W_kᵀ; u_k = r_{k+1} − b_k.
      const g = postAffineGrad(net, k - 1, rev[k], dr);
      addBn(k - 1, g);
      const dt = g.dz;
      const du = tf.matMul(dt, P[k].w) as tf.Tensor2D;
      dW[k] = tf.matMul(tf.transpose(dt), u[k]);
      db[k] = tf.neg(tf.sum(du, 0));
      dr = du;
    }
  }

  // Cross-entropy (mean over the batch); with the quirks it sees softmax(logits).
  const n = x.shape[0];
  let ceInput = logits;
  let ceSoftmax: tf.Tensor2D;
  let dLogits: tf.Tensor2D;
  if (s.quirks) {
    ceInput = tf.softmax(logits);
    ceSoftmax = tf.softmax(ceInput);
    const g = tf.div(tf.sub(ceSoftmax, onehot), n) as tf.Tensor2D;
    // Through the first softmax: s ⊙ (g − Σ_c g ⊙ s).
    dLogits = tf.mul(ceInput, tf.sub(g, tf.sum(tf.mul(g, ceInput), 1, true))) as tf.Tensor2D;
  } else {
    ceSoftmax = tf.softmax(logits);
    dLogits = tf.div(tf.sub(ceSoftmax, onehot), n) as tf.Tensor2D;
  }
  dh[L] = dh[L] ? tf.add<tf.Tensor2D>(dh[L]!, dLogits) : dLogits;

  // Forward pass backwards.
  for (let k = L - 1; k >= 0; k--) {
    const g = postAffineGrad(net, k, fwd[k], dh[k + 1]!);
    addBn(k, g);
    dW[k] = add(dW[k], tf.matMul(k === 0 ? xT() : tf.transpose(h[k]), g.dz));
    db[k] = add(db[k], tf.sum(g.dz, 0));
    if (k > 0) {
      const back = tf.matMul(g.dz, wT(k)) as tf.Tensor2D;
      dh[k] = dh[k] ? tf.add<tf.Tensor2D>(dh[k]!, back) : back;
    }
  }

  // SRIP by autodiff.
  let ort: tf.Scalar | null = null;
  if (s.lambdaOrt > 0 && sripVectors) {
    const ws = P.map((p) => p.w as tf.Tensor2D);
    const f = (...w: tf.Tensor[]) => tf.mul(tf.addN(w.map((wk, k) => srip(wk as tf.Tensor2D, sripVectors[k]))), s.lambdaOrt) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f)(ws);
    ort = value;
    grads.forEach((g, k) => (dW[k] = add(dW[k], g)));
  }

  const grads: (tf.Tensor | null)[] = [];
  net.params.forEach((p, k) => {
    grads.push(dW[k], db[k]);
    if (p.gamma) grads.push(dGamma[k], dBeta[k]);
  });

  let parts: tf.Tensor1D | null = null;
  if (wantParts) {
    const zero = tf.scalar(0);
    const ce = crossEntropy(logits, onehot, s.quirks);
    const rr: tf.Scalar[] = Array.from({ length: L }, (_, k) => {
      if (lowest < 0 || k < lowest || s.lambdas[k] <= 0) return zero;
      // reconError(r_0, x) from the transposed difference: the same sum of squares.
      const e = k === 0 ? reconError(r0T!, xT(), s.reduction) : reconError(r[k], h[k], s.reduction);
      return tf.mul(e, s.lambdas[k]) as tf.Scalar;
    });
    const o = ort ?? zero;
    parts = tf.stack([ce, ...rr, o, tf.addN([ce, ...rr, o])]) as tf.Tensor1D;
  }
  return { grads, parts, batchStats };
}
