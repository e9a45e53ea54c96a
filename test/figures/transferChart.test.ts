// The transfer study's chart spec: a mean marker per mode and side, the 95%
// interval as a vertical segment from mean − ci to mean + ci.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../electron/engine/stats/summary';
import type { StudyCell } from '../../electron/engine/study/transferStudy';
import { transferStudyChart } from '../../electron/figures/transferChart';

const cell = (mode: StudyCell['mode'], frozen: boolean, values: number[]): StudyCell => ({
  mode,
  frozen,
  runs: [],
  sources: [],
  accuracy: summarize(values),
  vsStd: null,
});

describe('transferStudyChart', () => {
  it('draws each mode trained and frozen, mean with its 95% interval', () => {
    const cells = [cell('Std', false, [0.1, 0.9]), cell('Std', true, [0.7, 0.72, 0.74]), cell('RR', false, [0.85]), cell('RR', true, [0.9, 0.94])];
    const spec = transferStudyChart(cells);
    expect(spec.xTicks).toEqual(['Std', 'RR']);
    const [trained, trainedBars, frozen, frozenBars] = spec.series;
    expect(trained!.points.map((p) => [p.x, p.y])).toEqual([
      [-0.12, cells[0]!.accuracy.mean],
      [0.88, 0.85],
    ]);
    expect(frozen!.points.map((p) => p.x)).toEqual([0.12, 1.12]);
    const a = cells[1]!.accuracy;
    expect(frozenBars!.points.slice(0, 3).map((p) => p.y)).toEqual([a.mean - a.ci95, a.mean + a.ci95, null]);
    // Within 0..1: Std trained's interval (two seeds, wide) is cut at the axis ends.
    expect(trainedBars!.points.slice(0, 2).map((p) => p.y)).toEqual([0, 1]);
    expect([spec.yMin, spec.yMax]).toEqual([0, 1]);
    // One seed: no interval to draw.
    expect(trainedBars!.points).toHaveLength(3);
    expect(spec.series.filter((s) => s.legend !== false).map((s) => s.label)).toEqual(['first layer trained', 'first layer frozen']);
  });
});
