// Divergence: a non-finite loss or weight stops the run at that step with the
// status 'diverged' and a message naming the step and the fix, instead of
// training on NaN to the end and reporting it as completed.
import type { RunConfig } from '../config/schema';
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
