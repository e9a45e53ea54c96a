// The information-plane estimator on cases with known answers, and on a real run.
import { describe, expect, it } from 'vitest';
import { binRows, infoPoint } from '../../../electron/engine/stats/infoPlane';
import { RunStore } from '../../../electron/engine/store/runStore';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import { smallPeak } from '../../helpers/configs';
import { tempDir } from '../../helpers/tmp';

const labels = Int32Array.from({ length: 8 }, (_, i) => i % 2); // H(Y) = 1 bit
const rows = (n: number, units: number, f: (r: number, u: number) => number) =>
  Float64Array.from({ length: n * units }, (_, i) => f(Math.floor(i / units), i % units));

describe('the binning estimator', () => {
  it('a deterministic invertible layer keeps everything: I(X;T) = log2 n, I(T;Y) = H(Y)', () => {
    const t = rows(8, 3, (r, u) => r * 10 + u); // distinct rows, far apart at 16 bins
    const p = infoPoint(t, labels, 16);
    expect(p.ixt).toBeCloseTo(3, 12);
    expect(p.ity).toBeCloseTo(1, 12);
  });

  it('constant activations carry nothing', () => {
    expect(
      infoPoint(
        rows(8, 4, () => 0.5),
        labels,
        30,
      ),
    ).toEqual({ ixt: 0, ity: 0 });
  });

  it('labels copied into a unit: I(T;Y) = I(X;T) = H(Y)', () => {
    const p = infoPoint(
      rows(8, 3, (r, u) => (u === 1 ? labels[r] : 7)),
      labels,
      30,
    );
    expect(p.ixt).toBeCloseTo(1, 12);
    expect(p.ity).toBeCloseTo(1, 12);
  });

  it('a unit that splits the sample across the classes knows nothing of the labels', () => {
    // Values 0,0,1,1,0,0,1,1 against labels 0,1,0,1,...: independent.
    const p = infoPoint(
      rows(8, 1, (r) => Math.floor(r / 2) % 2),
      labels,
      2,
    );
    expect(p.ixt).toBeCloseTo(1, 12);
    expect(p.ity).toBeCloseTo(0, 12);
  });

  it('coarser bins merge rows; fewer than 2 bins is refused', () => {
    const t = rows(8, 1, (r) => r);
    expect(new Set(binRows(t, 8, 2)).size).toBe(2);
    expect(new Set(binRows(t, 8, 8)).size).toBe(8);
    expect(() => binRows(t, 8, 1)).toThrow('bins must be a whole number of at least 2 (got 1)');
  });
});

describe('on a real run', () => {
  it('every evaluation records I(X;T) and I(T;Y) of each layer and reconstruction, within their bounds', async () => {
    const store = new RunStore(tempDir());
    const run = await trainToEnd(
      smallPeak({ training: { steps: 40, evalEvery: 20, checkpointEvery: 0, backwardSamples: 0, infoPlane: { bins: 12, samples: 6 } } }),
      {
        store,
      },
    );
    const evals = store.readMetrics(run.id);
    expect(evals.map((e) => e.step)).toEqual([0, 20, 40]);
    for (const e of evals) {
      expect(e.infoPlane).toMatchObject({ bins: 12, samples: 6 });
      expect(e.infoPlane!.forward).toHaveLength(2);
      expect(e.infoPlane!.reverse).toHaveLength(2);
      for (const p of [...e.infoPlane!.forward, ...e.infoPlane!.reverse]) {
        expect(p.ixt).toBeGreaterThanOrEqual(0);
        expect(p.ixt).toBeLessThanOrEqual(Math.log2(6) + 1e-9);
        expect(p.ity).toBeGreaterThanOrEqual(-1e-12);
        expect(p.ity).toBeLessThanOrEqual(p.ixt + 1e-9);
      }
    }
  });
});
