// The live chart controller draws the shared chart definitions
// (electron/figures/chartSpecs.ts): same series as an exported figure, plus
// live appends, smoothing and the log toggle. jsdom has no canvas, so the
// controller keeps its data and draws nothing.
import { describe, expect, it, vi } from 'vitest';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { EvalRecord } from '../../electron/engine/types';
import { accuracyChartDef, lossChart, lossChartDef, overlayChartDef, reconChartDef } from '../../electron/figures/chartSpecs';
import { logTickValues } from '../../electron/figures/logTicks';
import { SeriesChart, tickLabel } from '../../renderer/src/lib/charts';

vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);

const config = RunConfigSchema.parse({
  network: {
    layers: [
      { units: 32, lambda: 1e-6 },
      { units: 2, activation: 'linear', lambda: 0 },
    ],
  },
  training: { steps: 300 },
});
const rec = (step: number, over: Partial<EvalRecord> = {}): EvalRecord => ({
  step,
  epoch: 0,
  elapsed: step / 10,
  stepsPerSec: 10,
  loss: { total: 2 / step, ce: 1 / step, rr: [1 / step, 0], ort: 0 },
  trainAccuracy: 0.5,
  testAccuracy: 0.5,
  testRecon: [3, 4],
  ...over,
});
const canvas = () => document.createElement('canvas');

describe('SeriesChart with the shared chart definitions', () => {
  it('draws what the export draws: same series, same points', () => {
    const metrics = [rec(100), rec(200), rec(300)];
    const chart = new SeriesChart(canvas());
    chart.setChart(lossChartDef(config, metrics[0]), metrics);
    const spec = lossChart(metrics, config);
    expect(chart.labels()).toEqual(spec.series.map((s) => s.label));
    expect(chart.labels()).toEqual(['total', 'CE', 'RR layer 1']);
    spec.series.forEach((s, i) => expect(chart.points(i)).toEqual(s.points));
    expect(chart.count(2)).toBe(3);
  });

  it('appends one evaluation to every series, once per step', () => {
    const chart = new SeriesChart(canvas());
    chart.setChart(reconChartDef(config), [rec(100)]);
    chart.append(rec(200));
    chart.append(rec(200)); // loaded and streamed: not twice
    chart.append(rec(150)); // older than the last point: ignored
    expect([chart.count(0), chart.count(1)]).toEqual([2, 2]);
    expect(chart.points(1)).toEqual([
      { x: 100, y: 4 },
      { x: 200, y: 4 },
    ]);
  });

  it('follows the definition’s axis type until toggled; log puts values <= 0 on the axis floor, marked, and back', () => {
    const zero = rec(200, { trainAccuracy: 0 });
    const acc = new SeriesChart(canvas());
    acc.setChart(accuracyChartDef(), [rec(100), zero]);
    expect(acc.points(0).map((p) => p.y)).toEqual([0.5, 0]); // linear by definition
    acc.setLog(true);
    expect(acc.points(0)).toEqual([
      { x: 100, y: 0.5 },
      { x: 200, y: 0.1, clamped: true, value: 0 },
    ]);
    acc.setLog(false);
    expect(acc.points(0).map((p) => p.y)).toEqual([0.5, 0]);
    const loss = new SeriesChart(canvas(), { log: false });
    loss.setChart(lossChartDef(config), [rec(100, { loss: { total: 0, ce: 1, rr: [1, 0], ort: 0 } })]);
    expect(loss.points(0)).toEqual([{ x: 100, y: 0 }]); // the override wins over the definition's log axis
  });

  it('smooths (EMA) without touching the raw points, which stay drawn faint behind', () => {
    const chart = new SeriesChart(canvas());
    chart.setChart(accuracyChartDef(), [rec(1, { trainAccuracy: 0 }), rec(2, { trainAccuracy: 1 })]);
    expect(chart.faintPoints(0)).toEqual([]);
    chart.setSmoothing(0.5);
    expect(chart.points(0).map((p) => p.y)).toEqual([0, 0.5]);
    expect(chart.faintPoints(0).map((p) => p.y)).toEqual([0, 1]);
    chart.append(rec(3, { trainAccuracy: 1 }));
    expect(chart.points(0).map((p) => p.y)).toEqual([0, 0.5, 0.75]);
    expect(chart.faintPoints(0).map((p) => p.y)).toEqual([0, 1, 1]);
    chart.setSmoothing(0);
    expect(chart.points(0).map((p) => p.y)).toEqual([0, 1, 1]);
    expect(chart.faintPoints(0)).toEqual([]);
  });

  it('overlays one series per run from each run’s own evaluations; appends go to their run only', () => {
    const chart = new SeriesChart(canvas());
    const runs = [[rec(10), rec(20)], [rec(10)]];
    chart.setChart(
      overlayChartDef(
        [
          { id: 'std', label: 'Std' },
          { id: 'rr', label: 'RR' },
        ],
        'testAccuracy',
      ),
      (i) => runs[i]!,
    );
    expect(chart.labels()).toEqual(['Std', 'RR']);
    expect([chart.count(0), chart.count(1)]).toEqual([2, 1]);
    chart.append(rec(20), 'rr');
    chart.append(rec(30), 'rr');
    expect([chart.count(0), chart.count(1)]).toEqual([2, 3]);
  });

  it('on the epoch axis keeps evaluations that share an x value (deduplicated by step)', () => {
    const chart = new SeriesChart(canvas());
    chart.setChart(accuracyChartDef({ x: 'epoch' }), [rec(10, { epoch: 1 })]);
    chart.append(rec(20, { epoch: 1 }));
    chart.append(rec(20, { epoch: 1 }));
    expect(chart.points(0).map((p) => p.x)).toEqual([1, 1]);
  });

  it('lowers the log floor as smaller values arrive, moving the clamped points with it', () => {
    const chart = new SeriesChart(canvas());
    const total = (step: number, t: number) => rec(step, { loss: { total: t, ce: 1, rr: [0, 0], ort: 0 } });
    chart.setChart(overlayChartDef([{ id: 'a', label: 'a' }], 'total'), [total(1, 134), total(2, 0)]);
    expect(chart.points(0).map((p) => p.y)).toEqual([134, 100]); // the decade below 134
    chart.append(total(3, 0.04), 'a');
    expect(chart.points(0)).toEqual([
      { x: 1, y: 134 },
      { x: 2, y: 0.01, clamped: true, value: 0 },
      { x: 3, y: 0.04 },
    ]);
    expect(chart.spec()!.series[0]!.points.map((p) => p.y)).toEqual([134, 0, 0.04]);
  });

  it('labels every tick of a log axis, three or more even within one decade (a reconstruction error of 4000..9000 read "5000" only)', () => {
    for (const [lo, hi] of [
      [4000, 9000],
      [1e-5, 2],
    ] as const) {
      const labels = logTickValues(lo, hi).map((v) => tickLabel(v, true));
      expect(labels.filter((l) => l !== '').length, labels.join(' ')).toBeGreaterThanOrEqual(3);
    }
    expect(tickLabel(1e-5, true)).toBe('1e-5');
  });
});
