// The whole training step as one ONNX graph: forward pass, reverse pass,
// the loss parts, the hand-written backward pass of model/backprop.ts (SRIP
// included, differentiated by hand through its power iteration), the BN
// moving averages and the optimizer update. State goes in as `s` and comes out
// as `s.next` (layout.ts); the random SRIP vectors are inputs.
import { BN_MOMENTUM } from '../model/network';
import type { LossSettings } from '../model/loss';
import { GraphBuilder, type Value } from './graph';
import { gradName, layerValues, nextName, optimizerSlots, paramName, slotName, sripName, stateSpecs, trainableSpecs, type OptimizerConfig } from './layout';
import { NetGraph, type BnGrads, type NetShape } from './network';

export interface StepGraphSpec {
  net: NetShape;
  loss: LossSettings;
  optimizer: OptimizerConfig;
  /** Rows per batch (fixed for the run). */
  batch: number;
}

export interface StepGraphOptions {
  /** Also output every gradient as grad.<param> (tests compare them with tfjs). */
  gradients?: boolean;
}

/** Scalars fed to the Adam step graph each step (tfjs's float32 bias corrections). */
export const ADAM_STEP_SCALE = 'adam.stepScale';
export const ADAM_V_SCALE = 'adam.vScale';
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const RMSPROP = { decay: 0.9, epsilon: 1e-7 };
const NORM_FLOOR = 1e-12; // tf.l2Normalize's

export const PARTS = 'parts';
/** The sum of every updated parameter and moving statistic: finite exactly while all of them are (the divergence check). */
export const CHECKSUM = 'checksum';

/** Input and output names of the step graph besides the state (layout.ts). */
export function stepInputs(spec: StepGraphSpec): { x: string; y: string; srip: string[]; adam: boolean } {
  return {
    x: 'x',
    y: 'y',
    srip: spec.loss.lambdaOrt > 0 ? spec.net.layers.map((_, k) => sripName(k)) : [],
    adam: spec.optimizer.kind === 'adam',
  };
}

export function buildStepGraph(spec: StepGraphSpec, opts: StepGraphOptions = {}): GraphBuilder {
  const { net, loss: s, batch: n } = spec;
  const L = net.layers.length;
  const dim = net.inputSize;
  const classes = net.layers[L - 1].units;
  const g = new GraphBuilder('racecar-train-step');
  const x = g.input('x', [n, dim]);
  const onehot = g.input('y', [n, classes]);
  for (const st of stateSpecs(net, spec.optimizer)) g.input(st.name, st.shape);
  const P = layerValues(net);
  const G = new NetGraph(g, net, P);

  // Forward pass.
  const fwd = G.forward(x, 'batch', s.quirks);
  const h = fwd.h;
  const logits = h[L];

  // Reverse pass down to the lowest regularised layer.
  const lowest = s.lambdas.findIndex((l) => l > 0);
  const rev = lowest >= 0 ? G.reverse(logits, lowest) : null;

  const dW: Value[][] = net.layers.map(() => []);
  const db: Value[][] = net.layers.map(() => []);
  const dGamma: Value[][] = net.layers.map(() => []);
  const dBeta: Value[][] = net.layers.map(() => []);
  const dh: (Value | null)[] = new Array(L + 1).fill(null);
  const addBn = (k: number, gr: BnGrads) => {
    if (gr.dgamma) dGamma[k].push(gr.dgamma);
    if (gr.dbeta) dBeta[k].push(gr.dbeta);
  };

  // Reconstruction terms: c·0.5·Σ(r − h)² (halfSum) or c·mean((r − h)²); their values for the parts.
  const rr: Value[] = new Array(L);
  const coef = (k: number, size: number) => (s.reduction === 'halfSum' ? s.lambdas[k] : (2 * s.lambdas[k]) / size);
  const reconPart = (k: number, diff: Value, size: number) => g.scale(g.reduceSumSquare(diff), (s.reduction === 'halfSum' ? 0.5 : 1 / size) * s.lambdas[k]);
  if (rev) {
    const { r, u, traces } = rev;
    let dr: Value | null = null; // gradient reaching r_k from below
    for (let k = lowest; k <= L; k++) {
      if (k === 0) {
        const diff = g.sub(r[0], x);
        rr[0] = reconPart(0, diff, n * dim);
        const g0 = g.scale(diff, coef(0, n * dim));
        dW[0].push(g.gemm(g0, u[0], { transA: true }));
        const du = g.gemm(g0, P[0].w);
        db[0].push(g.neg(g.reduceSum(du, [0])));
        dr = du;
        continue;
      }
      if (k < L && s.lambdas[k] > 0) {
        const size = n * net.layers[k - 1].units;
        const diff = g.sub(r[k], h[k]);
        rr[k] = reconPart(k, diff, size);
        const gk = g.scale(diff, coef(k, size));
        dr = dr ? g.add(dr, gk) : gk;
        dh[k] = g.neg(gk);
      }
      if (k === L) {
        if (dr) dh[L] = dr;
        break;
      }
      if (!dr) continue;
      // r_k = post_{k−1}(t_k); t_k = u_k·W_kᵀ; u_k = r_{k+1} − b_k.
      const gr = G.postAffineGrad(k - 1, traces[k], dr, n);
      addBn(k - 1, gr);
      const du = g.gemm(gr.dz, P[k].w);
      dW[k].push(g.gemm(gr.dz, u[k], { transA: true }));
      db[k].push(g.neg(g.reduceSum(du, [0])));
      dr = du;
    }
  }

  // Cross-entropy (mean over the batch); with the quirks it sees softmax(logits).
  const ceInput = s.quirks ? g.op('Softmax', [logits], { axis: 1 }) : logits;
  const ce = g.scale(g.reduceSum(g.mul(onehot, g.op('LogSoftmax', [ceInput], { axis: 1 }))), -1 / n);
  const ceSoftmax = g.op('Softmax', [ceInput], { axis: 1 });
  let dLogits = g.scale(g.sub(ceSoftmax, onehot), 1 / n);
  if (s.quirks) {
    // Through the first softmax: s ⊙ (g − Σ_c g ⊙ s).
    dLogits = g.mul(ceInput, g.sub(dLogits, g.reduceSum(g.mul(dLogits, ceInput), [1], true)));
  }
  dh[L] = dh[L] ? g.add(dh[L]!, dLogits) : dLogits;

  // Forward pass backwards; the reverse pass's contributions ride along in Gemm's C.
  for (let k = L - 1; k >= 0; k--) {
    const gr = G.postAffineGrad(k, fwd.traces[k], dh[k + 1]!, n);
    addBn(k, gr);
    const prior = dW[k].length ? g.sum(dW[k]) : undefined;
    dW[k] = [g.gemm(h[k], gr.dz, { transA: true, c: prior })];
    db[k].push(g.reduceSum(gr.dz, [0]));
    if (k > 0) dh[k] = g.gemm(gr.dz, P[k].w, { transB: true, ...(dh[k] ? { c: dh[k]! } : {}) });
  }

  // SRIP.
  let ort: Value | null = null;
  if (s.lambdaOrt > 0) {
    const pens = net.layers.map((l, k) => srip(g, P[k].w, g.input(sripName(k), [l.units, 1]), l.units, s.lambdaOrt));
    ort = g.scale(g.sum(pens.map((p) => p.penalty)), s.lambdaOrt);
    pens.forEach((p, k) => dW[k].push(p.dW));
  }

  // Loss parts [ce, rr_0..rr_{L−1}, ort, total].
  const zero = () => g.scalar(0);
  const rrs = Array.from({ length: L }, (_, k) => rr[k] ?? zero());
  const o = ort ?? zero();
  const total = g.sum([ce, ...rrs, o]);
  g.output(g.concat([ce, ...rrs, o, total].map((v) => g.toVector(v))), PARTS, [L + 3]);

  // Gradients in trainable order.
  const grads = new Map<string, Value>();
  net.layers.forEach((l, k) => {
    grads.set(paramName('w', k), g.sum(dW[k]));
    grads.set(paramName('b', k), g.sum(db[k]));
    if (l.batchNorm) {
      grads.set(paramName('gamma', k), g.sum(dGamma[k]));
      grads.set(paramName('beta', k), g.sum(dBeta[k]));
    }
  });
  if (opts.gradients) for (const p of trainableSpecs(net)) g.output(grads.get(p.name)!, gradName(p.name), p.shape);

  // Moving averages of the forward batch statistics.
  const updated: Value[] = [];
  const average = (moving: Value, stat: Value, units: number) => {
    const next = g.add(g.scale(moving, BN_MOMENTUM), g.scale(stat, 1 - BN_MOMENTUM));
    g.output(next, nextName(moving), [units]);
    updated.push(next);
  };
  net.layers.forEach((l, k) => {
    if (!l.batchNorm) return;
    const { mean, variance } = fwd.traces[k].bn!;
    average(P[k].movingMean!, mean, l.units);
    average(P[k].movingVar!, variance, l.units);
  });

  updated.push(...optimizerUpdate(g, spec.optimizer, trainableSpecs(net), grads));
  // NaN and ±Infinity propagate through a sum: one native reduction, 4 bytes read per step.
  g.output(g.sum(updated.map((v) => g.reduceSum(v))), CHECKSUM, []);
  return g;
}

/**
 * SRIP of W (in x c) from the start vector u (c x 1), as model/loss.ts computes it,
 * with its gradient for the weight `scale`:
 * A = WᵀW − I, v = norm(Aᵀu), av = A·v, u' = norm(av), sigma = u'ᵀ·av, penalty sigma².
 * norm(x) = x·rsqrt(max(Σx², 1e-12)); the backward pass follows tfjs's autodiff
 * through every step (the max passes the gradient where Σx² >= 1e-12).
 */
function srip(g: GraphBuilder, w: Value, u: Value, c: number, scale: number): { penalty: Value; dW: Value } {
  const eye = new Float32Array(c * c);
  for (let i = 0; i < c; i++) eye[i * c + i] = -1;
  const a = g.gemm(w, w, { transA: true, c: g.floats(eye, [c, c]) });
  const norm = (v: Value) => {
    const ss = g.reduceSumSquare(v);
    const floor = g.scalar(NORM_FLOOR);
    const r = g.reciprocal(g.sqrt(g.op('Max', [ss, floor])));
    const mask = g.op('Cast', [g.op('GreaterOrEqual', [ss, floor])], { to: 1 });
    return { out: g.mul(v, r), r, mask };
  };
  const v0 = g.gemm(a, u, { transA: true });
  const nv = norm(v0);
  const av = g.gemm(a, nv.out);
  const nu = norm(av);
  const sigma = g.reduceSum(g.mul(nu.out, av));
  const penalty = g.square(sigma);

  // Backward from d(penalty) = scale.
  const dSigma = g.scale(sigma, 2 * scale);
  const dU2 = g.mul(av, dSigma);
  // u2 = av·r1, r1 = rsqrt(max(s1, floor)), s1 = Σav²: d_s1 = −½·d_r1·r1³·mask.
  const normGrad = (dOut: Value, v: Value, n: { r: Value; mask: Value }) => {
    const dr = g.reduceSum(g.mul(dOut, v));
    const r3 = g.mul(g.square(n.r), n.r);
    const ds = g.mul(g.scale(g.mul(dr, r3), -0.5), n.mask);
    return g.add(g.mul(dOut, n.r), g.mul(v, g.scale(ds, 2)));
  };
  const dAv = g.add(g.mul(nu.out, dSigma), normGrad(dU2, av, nu));
  // av = A·v; v0 = Aᵀ·u.
  const dV = g.gemm(a, dAv, { transA: true });
  const dV0 = normGrad(dV, v0, nv);
  const dA = g.gemm(dAv, nv.out, { transB: true, c: g.gemm(u, dV0, { transB: true }) });
  // A = WᵀW − I: dW = W·(dA + dAᵀ).
  const dW = g.gemm(w, g.add(dA, g.op('Transpose', [dA], { perm: [1, 0] })));
  return { penalty, dW };
}

/** The optimizer update as tfjs computes it (see train/optimizers.ts), one chain per parameter; returns the updated parameters. */
function optimizerUpdate(g: GraphBuilder, o: OptimizerConfig, params: { name: string; shape: number[] }[], grads: Map<string, Value>): Value[] {
  const updated: Value[] = [];
  const slots = optimizerSlots(o);
  const lr = o.learningRate;
  let stepScale: Value | null = null;
  let vScale: Value | null = null;
  if (o.kind === 'adam') {
    stepScale = g.input(ADAM_STEP_SCALE, []);
    vScale = g.input(ADAM_V_SCALE, []);
  }
  for (const p of params) {
    const w = p.name;
    const grad = grads.get(w)!;
    const out = (v: Value, state: string) => {
      g.output(v, nextName(state), p.shape);
      if (state === w) updated.push(v);
    };
    switch (o.kind) {
      case 'adam': {
        // m' = b1·m + (1−b1)·g, v' = b2·v + (1−b2)·g², w' = w + stepScale·m' / (sqrt(v'·vScale) + eps).
        const [m, v] = slots.map((sl) => slotName(sl, w));
        const m2 = g.add(g.scale(m, ADAM.beta1), g.scale(grad, 1 - ADAM.beta1));
        const v2 = g.add(g.scale(v, ADAM.beta2), g.scale(g.square(grad), 1 - ADAM.beta2));
        const den = g.add(g.sqrt(g.mul(v2, vScale!)), g.scalar(ADAM.epsilon));
        out(g.add(w, g.div(g.mul(m2, stepScale!), den)), w);
        out(m2, m);
        out(v2, v);
        break;
      }
      case 'sgd': {
        if (o.momentum > 0) {
          // acc' = momentum·acc + g; w' = −lr·acc' + w.
          const acc = slotName(slots[0], w);
          const acc2 = g.add(g.scale(acc, o.momentum), grad);
          out(g.add(g.scale(acc2, -lr), w), w);
          out(acc2, acc);
        } else {
          out(g.add(g.scale(grad, -lr), w), w);
        }
        break;
      }
      case 'rmsprop': {
        // ms' = decay·ms + (1−decay)·g²; mom' = momentum·mom + lr·g / sqrt(ms' + eps); w' = w − mom'.
        const [ms, mom] = slots.map((sl) => slotName(sl, w));
        const ms2 = g.add(g.scale(ms, RMSPROP.decay), g.scale(g.square(grad), 1 - RMSPROP.decay));
        const mom2 = g.add(g.scale(mom, o.momentum), g.div(g.scale(grad, lr), g.sqrt(g.add(ms2, g.scalar(RMSPROP.epsilon)))));
        out(g.sub(w, mom2), w);
        out(ms2, ms);
        out(mom2, mom);
        break;
      }
    }
  }
  return updated;
}

/**
 * Floating-point operations of one step's products (each product of the
 * forward and reverse pass costs 2·n·in·out, its backward pass twice that;
 * SRIP two in·c² products and their backward pass per layer).
 */
export function stepFlops(net: NetShape, batch: number, lambdas: number[], lambdaOrt: number): number {
  const lowest = lambdas.findIndex((l) => l > 0);
  let flops = 0;
  let fanIn = net.inputSize;
  net.layers.forEach((l, k) => {
    const product = 2 * batch * fanIn * l.units;
    flops += 3 * product * (lowest >= 0 && k >= lowest ? 2 : 1);
    if (lambdaOrt > 0) flops += 3 * 2 * fanIn * l.units * l.units;
    fanIn = l.units;
  });
  return flops;
}
