// Time left for a training run, from the progress it made over the last
// minute of wall-clock time (evaluations, checkpoints and pauses included,
// unlike the engine's steps/s, which counts training steps only).

export interface EtaSample {
  /** ms (any clock that only moves forward). */
  t: number;
  step: number;
}

export class EtaEstimator {
  private samples: EtaSample[] = [];

  constructor(
    private readonly windowMs = 60_000,
    /** Shortest span that gives a rate (a first estimate from two close samples would jump about). */
    private readonly minSpanMs = 3_000,
  ) {}

  add(step: number, t: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && step < last.step) this.samples = []; // a restart or a resumed run: start over
    this.samples.push({ t, step });
    // Keep the window, but never fewer than two samples.
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
  }

  /** Steps per second over the window, or null before minSpanMs of progress. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < this.minSpanMs || last.step <= first.step) return null;
    return ((last.step - first.step) * 1000) / (last.t - first.t);
  }

  /** Seconds until totalSteps, or null when unknown. */
  secondsLeft(step: number, totalSteps: number, fallbackStepsPerSec = 0): number | null {
    if (step >= totalSteps) return 0;
    const r = this.rate() ?? (fallbackStepsPerSec > 0 ? fallbackStepsPerSec : null);
    return r ? (totalSteps - step) / r : null;
  }

  reset(): void {
    this.samples = [];
  }
}
