// Divergence: a non-finite loss or weight stops the run at that step with the
// status 'diverged' and a message naming the step and the fix, instead of
// training on NaN to the end and reporting it as completed.
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema';
import type { Network } from '../model/network';
import type { EvalRecord } from '../types';

export class DivergedError extends Error {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
    this.name = 'DivergedError';
  }
}

/**
 * The sum of every parameter and moving statistic: NaN or ±Infinity as soon
 * as any of them is (NaN and Infinity propagate through a sum; max/min would
 * skip NaN). A sum beyond the float32 range (weights ~1e34) also counts, which
 * is diverged by any measure. One reduction per tensor and a 4-byte read per
 * step; call inside tf.tidy.
 */
export function stateChecksum(net: Network): tf.Scalar {
  const tensors = net.params.flatMap((p) => [p.w, p.b, p.gamma, p.beta, p.movingMean, p.movingVar].filter((t) => t !== undefined));
  return tf.addN(tensors.map((t) => tf.sum(t))) as tf.Scalar;
}

const describe = (v: number) => (Number.isNaN(v) ? 'NaN (not a number)' : v > 0 ? 'infinite' : '-infinite');

function hint(config: RunConfig): string {
  const o = config.training.optimizer;
  return `lower the learning rate (training.optimizer.learningRate is ${o.learningRate}${o.kind === 'sgd' ? ', or use adam' : ''})`;
}

/** Throws DivergedError when the summed state is not finite. */
export function checkState(checksum: number, step: number, config: RunConfig): void {
  if (Number.isFinite(checksum)) return;
  throw new DivergedError(step, `diverged at step ${step}: the weights became ${describe(checksum)}: ${hint(config)}`);
}

/**
 * Throws DivergedError when an evaluation holds a non-finite loss part or
 * test reconstruction error (finite weights can still overflow activations).
 */
export function checkEvaluation(rec: EvalRecord, config: RunConfig): void {
  const { ce, rr, ort, total } = rec.loss;
  const loss = [ce, ...rr, ort, total].find((v) => !Number.isFinite(v));
  if (loss !== undefined) throw new DivergedError(rec.step, `diverged at step ${rec.step}: the training loss became ${describe(loss)}: ${hint(config)}`);
  const k = rec.testRecon.findIndex((v) => !Number.isFinite(v));
  if (k >= 0) {
    throw new DivergedError(
      rec.step,
      `diverged at step ${rec.step}: the test reconstruction error of layer ${k + 1} became ${describe(rec.testRecon[k]!)}: ${hint(config)}`,
    );
  }
}
