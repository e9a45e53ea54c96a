// Divergence: a non-finite loss or weight stops the run at that step with the
// status 'diverged' and a message naming the step and the fix, instead of
// training on NaN to the end and reporting it as completed. So does a loss
// that blows up while staying finite (Adam's steps are bounded by the
// learning rate, so a far too large one may never overflow).
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
 * Growth over the run's first evaluation (or over 1, when that is smaller)
 * that is a blow-up: a training loss 100 times its start, or a test
 * reconstruction error grown by 12 orders of magnitude (the reverse pass of a
 * Std run is not trained, and may grow a lot while the run is sound).
 */
export const BLOWUP = { loss: 1e2, recon: 1e12 } as const;

const grew = (from: number, to: number, factor: number) => to > factor * Math.max(Math.abs(from), 1);

/** Throws DivergedError when the training loss or a test reconstruction error has blown up since the run's first evaluation. */
export function checkBlowUp(rec: EvalRecord, start: EvalRecord, config: RunConfig): void {
  if (rec.step === start.step) return;
  const growth = (what: string, from: number, to: number, factor: number) =>
    new DivergedError(
      rec.step,
      `diverged at step ${rec.step}: ${what} grew from ${from.toPrecision(3)} at step ${start.step} to ${to.toPrecision(3)}, more than ${factor} times: ${hint(config)}`,
    );
  if (grew(start.loss.total, rec.loss.total, BLOWUP.loss)) throw growth('the training loss', start.loss.total, rec.loss.total, BLOWUP.loss);
  const k = rec.testRecon.findIndex((v, i) => grew(start.testRecon[i] ?? 0, v, BLOWUP.recon));
  if (k >= 0) throw growth(`the test reconstruction error of layer ${k + 1}`, start.testRecon[k] ?? 0, rec.testRecon[k]!, BLOWUP.recon);
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
