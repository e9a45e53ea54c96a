// The optimizers, each written once as an update rule over the graph (its
// per-parameter slots and the scalars the host feeds each step), plus the
// host-side clock of those scalars. The formulas are tfjs's (tf.train.adam,
// momentum, rmsprop), element for element, with TF1's Adam epsilon.
import type { RunConfig } from '../config/schema';
import type { Graph, Node } from '../graph/ir';
import * as op from '../graph/ops';

export type OptimizerConfig = RunConfig['training']['optimizer'];

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const RMSPROP = { decay: 0.9, epsilon: 1e-7 };

/** Scalars fed to the step graph (Adam's bias corrections). */
export const ADAM_STEP_SCALE = 'adam.stepScale';
export const ADAM_V_SCALE = 'adam.vScale';

export interface UpdateRule {
  /** Per-parameter state, named slot.param in the step graph. */
  slots: string[];
  /** Scalar inputs of the step graph, fed each step by OptimizerClock. */
  scalars: string[];
  /** The updated parameter and slots from the gradient. */
  update(w: Node, grad: Node, slots: Node[], scalars: Node[]): { w: Node; slots: Node[] };
}

export function updateRule(o: OptimizerConfig): UpdateRule {
  const lr = o.learningRate;
  switch (o.kind) {
    case 'adam':
      // m' = b1·m + (1−b1)·g, v' = b2·v + (1−b2)·g², w' = w + stepScale·m' / (sqrt(v'·vScale) + eps),
      // stepScale = −lr/(1−b1ᵗ), vScale = 1/(1−b2ᵗ).
      return {
        slots: ['adam.m', 'adam.v'],
        scalars: [ADAM_STEP_SCALE, ADAM_V_SCALE],
        update(w, g, [m, v], [stepScale, vScale]) {
          const m2 = op.add(op.mul(m, ADAM.beta1), op.mul(g, 1 - ADAM.beta1));
          const v2 = op.add(op.mul(v, ADAM.beta2), op.mul(op.square(g), 1 - ADAM.beta2));
          const den = op.add(op.sqrt(op.mul(v2, vScale)), ADAM.epsilon);
          return { w: op.add(w, op.div(op.mul(m2, stepScale), den)), slots: [m2, v2] };
        },
      };
    case 'sgd':
      if (o.momentum > 0) {
        // acc' = momentum·acc + g; w' = −lr·acc' + w.
        return {
          slots: ['momentum'],
          scalars: [],
          update(w, g, [acc]) {
            const acc2 = op.add(op.mul(acc, o.momentum), g);
            return { w: op.add(op.mul(acc2, -lr), w), slots: [acc2] };
          },
        };
      }
      return { slots: [], scalars: [], update: (w, g) => ({ w: op.add(op.mul(g, -lr), w), slots: [] }) };
    case 'rmsprop':
      // ms' = decay·ms + (1−decay)·g²; mom' = momentum·mom + lr·g / sqrt(ms' + eps); w' = w − mom'.
      return {
        slots: ['rms.meanSquare', 'rms.moment'],
        scalars: [],
        update(w, g, [ms, mom]) {
          const ms2 = op.add(op.mul(ms, RMSPROP.decay), op.mul(op.square(g), 1 - RMSPROP.decay));
          const mom2 = op.add(op.mul(mom, o.momentum), op.div(op.mul(g, lr), op.sqrt(op.add(ms2, RMSPROP.epsilon))));
          return { w: op.sub(w, mom2), slots: [ms2, mom2] };
        },
      };
  }
}

/** Scalar inputs of a rule, declared in the graph. */
export const scalarInputs = (g: Graph, rule: UpdateRule): Node[] => rule.scalars.map((s) => g.input(s, []));

/**
 * The host side of a rule: the scalars of the next step. Adam's b1ᵗ and b2ᵗ
 * are accumulated in float32, as tfjs does, so that the bits match its Adam.
 */
export class OptimizerClock {
  private acc1 = Math.fround(ADAM.beta1);
  private acc2 = Math.fround(ADAM.beta2);
  /** Steps taken. */
  steps = 0;

  constructor(private readonly o: OptimizerConfig) {}

  scalars(): Record<string, number> {
    if (this.o.kind !== 'adam') return {};
    return {
      [ADAM_STEP_SCALE]: Math.fround(-this.o.learningRate / Math.fround(1 - this.acc1)),
      [ADAM_V_SCALE]: Math.fround(1 / Math.fround(1 - this.acc2)),
    };
  }

  advance(): void {
    this.steps++;
    this.acc1 = Math.fround(this.acc1 * Math.fround(ADAM.beta1));
    this.acc2 = Math.fround(this.acc2 * Math.fround(ADAM.beta2));
  }

  save(): Record<string, number> {
    return this.o.kind === 'adam' ? { acc1: this.acc1, acc2: this.acc2, steps: this.steps } : { steps: this.steps };
  }

  restore(s: Record<string, number>): void {
    if (this.o.kind === 'adam') {
      if (!Number.isFinite(s.acc1) || !Number.isFinite(s.acc2)) throw new Error('the saved Adam state has no bias-correction accumulators');
      this.acc1 = s.acc1;
      this.acc2 = s.acc2;
    }
    this.steps = s.steps ?? 1;
  }
}
