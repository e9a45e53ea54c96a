// The statistics against known answers: tables of Student's t, a textbook Welch test.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../electron/engine/config/schema';
import { MODES, runMode } from '../../../electron/engine/stats/groups';
import { summarize, welch } from '../../../electron/engine/stats/summary';
import { incompleteBeta, logGamma, tQuantile, twoSidedP } from '../../../electron/engine/stats/tdist';

describe("Student's t", () => {
  it('log-gamma of known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
  it('the incomplete beta of cases with closed forms', () => {
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_0.5(a, a) = 0.5.
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(0.7, 3, 1)).toBeCloseTo(0.343, 12);
    expect(incompleteBeta(0.5, 4.5, 4.5)).toBeCloseTo(0.5, 12);
  });
  it('97.5% quantiles of the t tables', () => {
    expect(tQuantile(0.95, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.95, 4)).toBeCloseTo(2.776, 3);
    expect(tQuantile(0.95, 9)).toBeCloseTo(2.262, 3);
    expect(tQuantile(0.95, 30)).toBeCloseTo(2.042, 3);
    expect(tQuantile(0.95, 1e6)).toBeCloseTo(1.96, 3);
  });
  it('two-sided p-values: 0.05 at the quantile, 1 at zero, tiny far out', () => {
    expect(twoSidedP(2.262157, 9)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(0, 5)).toBe(1);
    expect(twoSidedP(-3.182446, 3)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(50, 10)).toBeLessThan(1e-12);
  });
});

describe('summaries and Welch’s test', () => {
  it('mean, sample sd and the 95% interval', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.ci95).toBeCloseTo((2.364624 * Math.sqrt(32 / 7)) / Math.sqrt(8), 5);
    expect(summarize([3])).toEqual({ n: 1, mean: 3, sd: NaN, ci95: NaN });
  });
  it('the worked example of Welch’s test (Welch 1947 as quoted in textbooks): t −2.46, df 25.0, p 0.021', () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welch(a, b)!;
    expect(r.t).toBeCloseTo(-2.46, 2);
    expect(r.df).toBeCloseTo(25.0, 1);
    expect(r.p).toBeCloseTo(0.021, 3);
    expect(welch([1, 2], [3])).toBeNull();
    expect(welch([1, 1, 1], [1, 1, 1])).toEqual({ t: 0, df: 4, p: 1 });
  });
  it('tells clearly different groups apart', () => {
    expect(welch([0.9, 0.91, 0.92, 0.905], [0.95, 0.96, 0.955, 0.965])!.p).toBeLessThan(1e-3);
  });
});

describe('runMode', () => {
  it('names Pre (layer-wise pretraining first) apart from Std, with RR and Ort where they are on', () => {
    const mode = (lambda: number, ort: number, pre: boolean) =>
      runMode(
        parseRunConfig({
          data: { source: { kind: 'peak' } },
          network: {
            layers: [
              { units: 4, activation: 'relu', lambda },
              { units: 2, activation: 'linear', lambda },
            ],
          },
          loss: { lambdaOrt: ort },
          training: { steps: 10, ...(pre ? { pretrain: { stepsPerLayer: 5 } } : {}) },
        }),
      );
    expect([mode(0, 0, false), mode(1e-3, 0, false), mode(0, 0.1, false), mode(1e-3, 0.1, false)]).toEqual(['Std', 'RR', 'Ort', 'RR+Ort']);
    expect([mode(0, 0, true), mode(1e-3, 0, true), mode(0, 0.1, true), mode(1e-3, 0.1, true)]).toEqual(['Pre', 'Pre+RR', 'Pre+Ort', 'Pre+RR+Ort']);
    expect(MODES).toEqual(expect.arrayContaining(['Pre', 'Pre+RR', 'Pre+Ort', 'Pre+RR+Ort']));
  });
});
