// Chooses, as training goes, whether the wasm backend's XNNPACK pool runs
// (2+ threads) or every kernel stays on the training thread. With idle cores
// the pool is faster (MNIST MLP ~1.5x); when another process holds a core, each
// kernel waits for the descheduled pool thread and the pool is much slower
// (peak net: 30 instead of 72 steps/s). The governor times the training steps
// in windows of ~200 ms, keeps the faster setting, and re-tries the other one
// now and then: soon after a switch, then less and more rarely while the choice
// holds, and at once when the step time moves by 30% (the load changed).
// Results do not depend on the setting: XNNPACK splits work by output tiles,
// each computed the same way on any thread.
import type { WasmThreadSwitch } from './wasmThreads';

const WINDOW_MS = 200;
const MIN_WINDOW_STEPS = 3;
const FIRST_PERIOD = 6; // windows between probes, doubling while the choice holds
const MAX_PERIOD = 48;
/** The pool must be this much faster to be chosen (one thread leaves a core free). */
const POOL_MARGIN = 0.97;
/** A window this much slower or faster than the previous one in the same setting (the load changed) triggers a probe. */
const CHANGE = 1.3;

export interface GovernorSummary {
  threads: number;
  steps: number;
  /** Share of the timed steps run with the pool on. */
  pooledShare: number;
  switches: number;
  /** Last measured milliseconds per step with the pool off and on. */
  msPerStep: { single: number; pooled: number };
}

export class ThreadGovernor {
  private readonly last = { single: NaN, pooled: NaN };
  /** Step time of the current setting in the first window after the last decision (NaN: not yet measured). */
  private baseline = NaN;
  private windowTime = 0;
  private windowSteps = 0;
  private probing = false;
  private sinceProbe = 0;
  private period = FIRST_PERIOD;
  private totalSteps = 0;
  private pooledSteps = 0;
  private switches = 0;

  constructor(
    private readonly sw: WasmThreadSwitch,
    private readonly now: () => number = () => performance.now(),
  ) {
    sw.set(true);
  }

  /** Runs one training step and accounts its time. */
  time<T>(step: () => T): T {
    const t0 = this.now();
    const out = step();
    this.record(this.now() - t0);
    return out;
  }

  private set(on: boolean): void {
    if (on !== this.sw.on) this.switches++;
    this.sw.set(on);
  }

  private record(ms: number): void {
    this.totalSteps++;
    if (this.sw.on) this.pooledSteps++;
    this.windowTime += ms;
    this.windowSteps++;
    if (this.windowTime < WINDOW_MS || this.windowSteps < MIN_WINDOW_STEPS) return;
    const perStep = this.windowTime / this.windowSteps;
    this.windowTime = 0;
    this.windowSteps = 0;
    this.last[this.sw.on ? 'pooled' : 'single'] = perStep;
    if (this.probing) {
      // The window just measured ran the alternative: keep the faster one.
      this.probing = false;
      const pooled = this.last.pooled < this.last.single * POOL_MARGIN;
      const changed = pooled !== !this.sw.on; // the probe setting is the current one
      this.set(pooled);
      this.period = changed ? FIRST_PERIOD : Math.min(MAX_PERIOD, this.period * 2);
      this.sinceProbe = 0;
      this.baseline = NaN;
      return;
    }
    const other = this.sw.on ? this.last.single : this.last.pooled;
    if (Number.isNaN(this.baseline)) this.baseline = perStep;
    const changed = perStep > this.baseline * CHANGE || perStep * CHANGE < this.baseline;
    if (Number.isNaN(other) || changed || ++this.sinceProbe >= this.period) {
      if (changed) this.period = FIRST_PERIOD;
      this.probing = true;
      this.set(!this.sw.on);
    }
  }

  summary(): GovernorSummary {
    return {
      threads: this.sw.threads,
      steps: this.totalSteps,
      pooledShare: this.totalSteps ? this.pooledSteps / this.totalSteps : 0,
      switches: this.switches,
      msPerStep: { ...this.last },
    };
  }
}
