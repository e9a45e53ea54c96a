// The network of model/network.ts as ONNX nodes: forward pass, reverse
// ("racecar") pass and the hand-written backward pass of model/backprop.ts,
// with the same formulas in the same order. Products run as Gemm, whose
// transpose flags MLAS reads directly, so no operand is ever transposed.
import { BN_EPSILON } from '../model/network';
import type { Activation, LayerConfig } from '../config/schema';
import type { GraphBuilder, Value } from './graph';

export interface NetShape {
  inputSize: number;
  layers: LayerConfig[];
}

/** One layer's parameter values in a graph. */
export interface LayerValues {
  w: Value;
  b: Value;
  gamma?: Value;
  beta?: Value;
  movingMean?: Value;
  movingVar?: Value;
}

export type BnMode = 'batch' | 'moving';

/** What the post-affine step keeps for the backward pass (model/network.ts's PostAffineTrace). */
export interface PostTrace {
  out: Value;
  bn?: { xhat: Value; inv: Value; mean: Value; variance: Value };
  active: boolean;
}

export interface BnGrads {
  dz: Value;
  dgamma?: Value;
  dbeta?: Value;
}

export class NetGraph {
  readonly L: number;

  constructor(
    readonly g: GraphBuilder,
    readonly net: NetShape,
    readonly p: LayerValues[],
  ) {
    this.L = net.layers.length;
  }

  activate(x: Value, a: Activation): Value {
    switch (a) {
      case 'relu':
        return this.g.op('Relu', [x]);
      case 'tanh':
        return this.g.op('Tanh', [x]);
      case 'sigmoid':
        return this.g.op('Sigmoid', [x]);
      case 'linear':
        return x;
    }
  }

  /** Batch norm (batch statistics or the moving averages) and activation after layer k's affine map. */
  postAffine(k: number, z: Value, mode: BnMode, quirks: boolean): PostTrace {
    const { g } = this;
    const l = this.net.layers[k];
    const p = this.p[k];
    if (k === this.L - 1 && !quirks) return { out: z, active: false };
    let h = z;
    let bn: PostTrace['bn'];
    if (l.batchNorm) {
      let mean: Value;
      let variance: Value;
      let centred: Value;
      if (mode === 'batch') {
        mean = g.reduceMean(z, [0]);
        centred = g.sub(z, mean);
        variance = g.reduceMean(g.square(centred), [0]);
      } else {
        mean = p.movingMean!;
        variance = p.movingVar!;
        centred = g.sub(z, mean);
      }
      const inv = g.reciprocal(g.sqrt(g.add(variance, g.scalar(BN_EPSILON))));
      const xhat = g.mul(centred, inv);
      h = g.add(g.mul(xhat, p.gamma!), p.beta!);
      bn = { xhat, inv, mean, variance };
    }
    return { out: this.activate(h, l.activation), bn, active: true };
  }

  /** h[0] = x, h[k+1] = output of layer k (h[L] are the logits), with each layer's trace. */
  forward(x: Value, mode: BnMode, quirks: boolean): { h: Value[]; traces: PostTrace[] } {
    const h: Value[] = [x];
    const traces: PostTrace[] = [];
    for (let k = 0; k < this.L; k++) {
      const t = this.postAffine(k, this.g.gemm(h[k], this.p[k].w, { c: this.p[k].b }), mode, quirks);
      traces.push(t);
      h.push(t.out);
    }
    return { h, traces };
  }

  /**
   * Reverse pass from the logits down to layer `lowest`'s input: u_k = r_{k+1} − b_k,
   * r_k = post_{k−1}(u_k·W_kᵀ) (batch statistics), r_0 = u_0·W_0ᵀ.
   */
  reverse(logits: Value, lowest: number): { r: Value[]; u: Value[]; traces: PostTrace[] } {
    const { g } = this;
    const r: Value[] = new Array(this.L + 1);
    const u: Value[] = new Array(this.L);
    const traces: PostTrace[] = new Array(this.L);
    r[this.L] = logits;
    for (let k = this.L - 1; k >= lowest; k--) {
      u[k] = g.sub(r[k + 1], this.p[k].b);
      const t = g.gemm(u[k], this.p[k].w, { transB: true });
      if (k === 0) r[0] = t;
      else {
        traces[k] = this.postAffine(k - 1, t, 'batch', true);
        r[k] = traces[k].out;
      }
    }
    return { r, u, traces };
  }

  /** Gradient through the activation, from its output y. */
  activationGrad(dy: Value, y: Value, a: Activation): Value {
    const { g } = this;
    switch (a) {
      case 'relu':
        return g.mul(dy, g.op('Sign', [y])); // y >= 0: sign(y) is 1 exactly where the input was positive
      case 'tanh':
        return g.mul(dy, g.sub(g.scalar(1), g.square(y)));
      case 'sigmoid':
        return g.mul(dy, g.mul(y, g.sub(g.scalar(1), y)));
      case 'linear':
        return dy;
    }
  }

  /**
   * Backward through postAffine in batch mode over n rows:
   * dz = gamma·inv·(g − mean(g) − xhat·mean(g·xhat)).
   */
  postAffineGrad(k: number, t: PostTrace, dout: Value, n: number): BnGrads {
    const { g } = this;
    if (!t.active) return { dz: dout };
    const ga = this.activationGrad(dout, t.out, this.net.layers[k].activation);
    if (!t.bn) return { dz: ga };
    const { xhat, inv } = t.bn;
    const dbeta = g.reduceSum(ga, [0]);
    const dgamma = g.reduceSum(g.mul(ga, xhat), [0]);
    const scale = g.mul(this.p[k].gamma!, inv);
    const centred = g.sub(ga, g.scale(dbeta, 1 / n));
    const dz = g.mul(g.sub(centred, g.mul(xhat, g.scale(dgamma, 1 / n))), scale);
    return { dz, dgamma, dbeta };
  }
}
