// Sweep specs: grid and list expansion into complete run configs, and the
// one-line errors for bad specs.
import { describe, expect, it } from 'vitest';
import { countPoints, expandSweep, parseSeedList, parseSweepSpec, sweepPoint, sweepPointKeys } from '../../../electron/engine/sweep/spec';
import type { DenseLayer } from '../../../electron/engine/config/schema';
import { findReferenceRun } from '../../../electron/engine/presets';

const base = findReferenceRun('peak_RR')!.config as Record<string, unknown>;

describe('sweep spec', () => {
  it('expands a grid, last axis fastest, into validated run configs', () => {
    const spec = parseSweepSpec({
      name: 'peak',
      base,
      axes: [
        { param: 'lambda', values: [0, 1e-7, 1e-6, 1e-5] },
        { param: 'seed', values: [0, 1, 2] },
      ],
    });
    expect(countPoints(spec)).toBe(12);
    const pts = expandSweep(spec);
    expect(pts).toHaveLength(12);
    expect(pts.map((p) => p.key).slice(0, 4)).toEqual(['lambda=0 seed=0', 'lambda=0 seed=1', 'lambda=0 seed=2', 'lambda=1e-7 seed=0']);
    const p = pts[10]!;
    expect(p.index).toBe(10);
    expect(p.values).toEqual({ lambda: 1e-5, seed: 1 });
    expect(p.config.seed).toBe(1);
    expect(p.config.network.layers.map((l) => l.lambda)).toEqual([1e-5, 1e-5]);
    // Everything else is the base's: the reference quirks, data, steps.
    expect(p.config.loss.referenceQuirks).toBe(true);
    expect(p.config.training.steps).toBe(5000);
    expect(p.config.name).toBe('peak lambda=1e-5 seed=1');
  });

  it('sets one layer, lambda Ort, learning rate and layer sizes; layers apply before per-layer lambdas', () => {
    const pts = expandSweep(
      parseSweepSpec({
        base,
        axes: [
          {
            param: 'layers',
            values: [
              [64, 2],
              [256, 32, 2],
            ],
          },
          { param: 'lambda2', values: [1e-3] },
          { param: 'lambdaOrt', values: [0.1] },
          { param: 'lr', values: [3e-4] },
        ],
      }),
    );
    expect(pts).toHaveLength(2);
    const [a, b] = pts;
    expect(a!.config.network.layers.map((l) => [(l as DenseLayer).units, l.lambda, (l as DenseLayer).batchNorm])).toEqual([
      [64, 1e-6, true],
      [2, 1e-3, true],
    ]);
    // A deeper net: the extra hidden layer copies the first hidden layer.
    expect(b!.config.network.layers.map((l) => [(l as DenseLayer).units, l.lambda, (l as DenseLayer).activation])).toEqual([
      [256, 1e-6, 'relu'],
      [32, 1e-3, 'relu'],
      [2, 1e-6, 'relu'],
    ]);
    expect(a!.config.loss.lambdaOrt).toBe(0.1);
    expect(a!.config.training.optimizer.learningRate).toBe(3e-4);
  });

  it('takes an explicit list of points', () => {
    const spec = parseSweepSpec({ base, mode: 'list', points: [{ lambda: 0, seed: 3 }, { lambda: 1e-6 }] });
    const pts = expandSweep(spec);
    expect(pts.map((p) => p.key)).toEqual(['lambda=0 seed=3', 'lambda=1e-6']);
    expect(pts[1]!.config.seed).toBe(0);
  });

  it('builds one point alone, the same as the whole expansion (the app builds a point when it starts it)', () => {
    const grid = parseSweepSpec({
      base,
      axes: [
        {
          param: 'layers',
          values: [
            [8, 2],
            [16, 4, 2],
          ],
        },
        { param: 'lambda2', values: [0, 1e-3] },
        { param: 'seed', values: [0, 1, 2] },
      ],
    });
    const list = parseSweepSpec({ base, mode: 'list', points: [{ seed: 3, lambda: 0 }, { lambda: 1e-6 }] });
    for (const spec of [grid, list]) {
      const all = expandSweep(spec);
      expect(all.map((p) => sweepPoint(spec, p.index))).toEqual(all);
      expect(sweepPointKeys(spec)).toEqual(all.map(({ index, values, key }) => ({ index, values, key })));
    }
    expect(() => sweepPoint(grid, 12)).toThrow('sweep point 12: the sweep has points 0 to 11');
  });

  it('rejects bad specs with one line naming the field', () => {
    const err = (s: unknown) => {
      try {
        expandSweep(parseSweepSpec(s));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ base, axes: [{ param: 'momentum', values: [1] }] })).toMatch(
      /^sweep axes\.0\.param: unknown axis 'momentum': use lambda, lambdaOrt, lr, layers, seed/,
    );
    expect(err({ base, axes: [{ param: 'seed', values: [] }] })).toBe('sweep axes.0.values: an axis needs at least one value');
    expect(
      err({
        base,
        axes: [
          { param: 'seed', values: [1] },
          { param: 'seed', values: [2] },
        ],
      }),
    ).toMatch(/axis 'seed' is given twice/);
    expect(err({ base, axes: [{ param: 'lambda', values: [-1] }] })).toBe(
      'sweep point 0 (lambda=-1): network.layers.0.lambda: lambda must be 0 or more (got a negative value)',
    );
    expect(err({ base, axes: [{ param: 'lambda3', values: [1] }] })).toBe(
      'sweep point 0 (lambda3=1): sweep axis lambda3: the network has 2 layers: use lambda1 to lambda2',
    );
    expect(err({ base, mode: 'list' })).toMatch(/^sweep points: mode 'list' needs points/);
    expect(err({ axes: [] })).toMatch(/^sweep base: /);
    expect(
      err({
        base,
        axes: [
          { param: 'seed', values: Array.from({ length: 200 }, (_, i) => i) },
          { param: 'lr', values: Array.from({ length: 60 }, (_, i) => i + 1) },
        ],
      }),
    ).toBe('sweep has 12000 points: at most 10000; use fewer axis values');
  });

  it('reads seed lists and ranges', () => {
    expect(parseSeedList('0-4')).toEqual([0, 1, 2, 3, 4]);
    expect(parseSeedList('0-2,7,1')).toEqual([0, 1, 2, 7]);
    expect(() => parseSeedList('4-0')).toThrow("--seeds: range '4-0' runs backwards: use 0-4");
    expect(() => parseSeedList('a')).toThrow("--seeds: 'a' is not a seed or range: use e.g. 0-4 or 0,1,2");
  });
});
