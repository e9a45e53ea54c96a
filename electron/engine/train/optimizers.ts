import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema';
import { adamKernelAvailable, adamStep, registerAdamKernel } from './adamKernel';

/** Applies one step of gradients (aligned with `vars`; null = no gradient this step). */
export interface StepOptimizer {
  apply(vars: tf.Variable[], grads: (tf.Tensor | null)[]): void;
  /** Its state (moments, step counts), to save with a checkpoint; null before its first step. */
  exportState(vars: tf.Variable[]): Promise<OptimizerState | null>;
  /** Takes up a saved state (resuming a run): the next step is as if it had never stopped. */
  importState(vars: tf.Variable[], state: OptimizerState): Promise<void>;
  dispose(): void;
}

/** An optimizer's state as plain numbers (float32 arrays keep their bits). */
export interface OptimizerState {
  /** Whose layout: the fused wasm Adam, tfjs's optimizers, or the ONNX step graph's slots. */
  kind: 'flat-adam' | 'tfjs' | 'onnx';
  arrays: { name: string; shape: number[]; data: Float32Array }[];
  scalars: Record<string, number>;
}

const OPTIMIZER_STATE_FORMAT = 'racecar-optimizer/1';

export function serializeOptimizerState(s: OptimizerState): string {
  return JSON.stringify({
    format: OPTIMIZER_STATE_FORMAT,
    kind: s.kind,
    scalars: s.scalars,
    arrays: s.arrays.map((a) => ({ name: a.name, shape: a.shape, data: Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64') })),
  });
}

export function parseOptimizerState(json: string): OptimizerState {
  const raw = JSON.parse(json) as {
    format?: string;
    kind: OptimizerState['kind'];
    scalars: Record<string, number>;
    arrays: { name: string; shape: number[]; data: string }[];
  };
  if (raw.format !== OPTIMIZER_STATE_FORMAT) throw new Error(`not a ${OPTIMIZER_STATE_FORMAT} file`);
  return {
    kind: raw.kind,
    scalars: raw.scalars,
    arrays: raw.arrays.map((a) => {
      const buf = Buffer.from(a.data, 'base64');
      const data = new Float32Array(buf.byteLength / 4);
      new Uint8Array(data.buffer).set(buf);
      return { name: a.name, shape: a.shape, data };
    }),
  };
}

/**
 * Adam on all variables at once, with the moments in two flat vectors.
 * Semantics as tfjs's Adam with epsilon 1e-8 (the reference's TF1 value):
 * m = b1·m + (1−b1)·g, v = b2·v + (1−b2)·g², w −= lr·(m/(1−b1ᵗ)) / (sqrt(v/(1−b2ᵗ)) + eps),
 * with b1ᵗ, b2ᵗ accumulated in float32 as tfjs does.
 *
 * On the wasm backend one fused kernel does the whole step (adamKernel.ts).
 * Elsewhere it is tf.train.adam's update element for element (same float32
 * operations in the same order, so the same bits): the gradients are
 * concatenated, updated as one vector and cut back into pieces, ~14 kernels
 * in all instead of ~14 per variable.
 */
export class FlatAdam implements StepOptimizer {
  private m: tf.Variable | null = null;
  private v: tf.Variable | null = null;
  private layout: number[] | null = null; // indices of the variables with gradients
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
    /** Use the fused wasm kernel where the backend has it (tests turn it off to compare). */
    private readonly fused = true,
  ) {
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
    registerAdamKernel();
  }

  apply(vars: tf.Variable[], grads: (tf.Tensor | null)[]): void {
    const present = grads.flatMap((g, i) => (g ? [i] : []));
    if (present.length === 0) return;
    if (this.layout === null) {
      this.layout = present;
      const size = present.reduce((a, i) => a + vars[i].size, 0);
      this.m = tf.variable(tf.zeros([size]), false);
      this.v = tf.variable(tf.zeros([size]), false);
    } else if (present.length !== this.layout.length || present.some((i, j) => i !== this.layout![j])) {
      throw new Error('FlatAdam: the set of variables with gradients changed between steps');
    }
    const m = this.m!;
    const v = this.v!;
    if (this.fused && adamKernelAvailable()) {
      tf.tidy(() => {
        const out = adamStep(
          present.map((i) => vars[i]),
          present.map((i) => grads[i]!),
          m,
          v,
          {
            beta1: this.beta1,
            beta2: this.beta2,
            stepScale: -this.learningRate / Math.fround(1 - this.accBeta1),
            vScale: 1 / Math.fround(1 - this.accBeta2),
            epsilon: this.epsilon,
          },
        );
        present.forEach((i, j) => vars[i].assign(out[j]));
        m.assign(out[present.length]);
        v.assign(out[present.length + 1]);
      });
      this.advance();
      return;
    }
    tf.tidy(() => {
      const g = present.length === 1 ? tf.reshape(grads[present[0]]!, [-1]) : tf.concat(present.map((i) => tf.reshape(grads[i]!, [-1])));
      // float32, as tfjs's sub(1, accBeta) on its float32 accumulators.
      const oneMinusAccBeta1 = Math.fround(1 - this.accBeta1);
      const oneMinusAccBeta2 = Math.fround(1 - this.accBeta2);
      const newM = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
      const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const mHat = tf.div(newM, oneMinusAccBeta1);
      const vHat = tf.div(newV, oneMinusAccBeta2);
      m.assign(newM);
      v.assign(newV);
      const delta = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate);
      let off = 0;
      for (const i of present) {
        const x = vars[i];
        const piece = present.length === 1 ? delta : tf.slice(delta, [off], [x.size]);
        off += x.size;
        x.assign(tf.add(tf.reshape(piece, x.shape), x));
      }
    });
    this.advance();
  }

  private advance(): void {
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
  }

  async exportState(): Promise<OptimizerState | null> {
    if (!this.m || !this.v || !this.layout) return null;
    const [m, v] = await Promise.all([this.m.data(), this.v.data()]);
    return {
      kind: 'flat-adam',
      arrays: [
        { name: 'm', shape: [m.length], data: Float32Array.from(m) },
        { name: 'v', shape: [v.length], data: Float32Array.from(v) },
        { name: 'layout', shape: [this.layout.length], data: Float32Array.from(this.layout) },
      ],
      scalars: { accBeta1: this.accBeta1, accBeta2: this.accBeta2 },
    };
  }

  async importState(vars: tf.Variable[], state: OptimizerState): Promise<void> {
    if (state.kind !== 'flat-adam') throw new Error(`the saved optimizer state is ${state.kind}, not Adam's`);
    const get = (name: string) => {
      const a = state.arrays.find((x) => x.name === name);
      if (!a) throw new Error(`the saved Adam state has no ${name}`);
      return a.data;
    };
    const layout = Array.from(get('layout'));
    const size = layout.reduce((acc, i) => acc + (vars[i]?.size ?? NaN), 0);
    const m = get('m');
    if (m.length !== size || get('v').length !== size) throw new Error(`the saved Adam moments have ${m.length} values; this network's variables have ${size}`);
    this.dispose();
    this.layout = layout;
    this.m = tf.variable(tf.tensor1d(m), false);
    this.v = tf.variable(tf.tensor1d(get('v')), false);
    this.accBeta1 = state.scalars.accBeta1!;
    this.accBeta2 = state.scalars.accBeta2!;
  }

  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = this.v = null;
  }
}

/** A tfjs optimizer behind the same interface. */
class TfOptimizer implements StepOptimizer {
  constructor(private readonly opt: tf.Optimizer) {}

  apply(vars: tf.Variable[], grads: (tf.Tensor | null)[]): void {
    const named: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      if (grads[i]) named[v.name] = grads[i]!;
    });
    this.opt.applyGradients(named);
  }

  /** tfjs names its slots after the variables; they are saved by the variable's index, since names differ between processes. */
  async exportState(vars: tf.Variable[]): Promise<OptimizerState | null> {
    const weights = await this.opt.getWeights();
    if (weights.length <= 1) return null; // only the iteration count: no step taken yet
    const index = new Map(vars.map((v, i) => [v.name, i]));
    const arrays = await Promise.all(
      weights.map(async (w) => {
        const slash = w.name.lastIndexOf('/');
        const base = slash >= 0 ? w.name.slice(0, slash) : w.name;
        const i = index.get(base);
        const name = i === undefined ? w.name : `#${i}${w.name.slice(slash)}`;
        return { name, shape: w.tensor.shape, data: Float32Array.from(await w.tensor.data()) };
      }),
    );
    return { kind: 'tfjs', arrays, scalars: {} };
  }

  async importState(vars: tf.Variable[], state: OptimizerState): Promise<void> {
    if (state.kind !== 'tfjs') throw new Error(`the saved optimizer state is ${state.kind}, not of this optimizer`);
    const weights = state.arrays.map((a) => {
      const m = /^#(\d+)(\/.*)$/.exec(a.name);
      const name = m ? `${vars[Number(m[1])]!.name}${m[2]}` : a.name;
      return { name, tensor: tf.tensor(a.data, a.shape) };
    });
    await this.opt.setWeights(weights);
  }

  dispose(): void {
    this.opt.dispose();
  }
}

/** Adam uses TF1's epsilon (1e-8) rather than tfjs's backend epsilon, as the reference does. */
export function makeOptimizer(o: RunConfig['training']['optimizer']): StepOptimizer {
  switch (o.kind) {
    case 'adam':
      return new FlatAdam(o.learningRate, 0.9, 0.999, 1e-8);
    case 'sgd':
      return new TfOptimizer(o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.sgd(o.learningRate));
    case 'rmsprop':
      return new TfOptimizer(tf.train.rmsprop(o.learningRate, 0.9, o.momentum, 1e-7));
  }
}
