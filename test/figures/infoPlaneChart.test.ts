// The information-plane chart: one trajectory per layer and run, points
// coloured by step, the same spec in the app and in figure bundles.
import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../electron/engine/types';
import { infoPlaneChart, infoPlaneEvaluations, type InfoPlaneRun } from '../../electron/figures/infoPlaneChart';
import { toChartJsConfig } from '../../electron/figures/chartSpecs';
import { viridis } from '../../electron/figures/sweepCharts';
import { runStyles } from '../../electron/figures/runColors';

const plane = (step: number) => ({
  bins: 30,
  samples: 100,
  forward: [
    { ixt: 5 + step / 100, ity: 0.5 + step / 1000 },
    { ixt: 3, ity: 0.9 },
  ],
  reverse: [
    { ixt: 6, ity: 0.7 },
    { ixt: 4, ity: 0.6 },
    { ixt: 2, ity: 0.4 },
  ],
});
const run = (id: string, steps: number[]): InfoPlaneRun => ({ id, label: id, evaluations: steps.map((step) => ({ step, ...plane(step) })) });

describe('information-plane chart', () => {
  it('reads the evaluations that recorded a plane', () => {
    const m = (step: number, ip?: ReturnType<typeof plane>) => ({ step, ...(ip ? { infoPlane: ip } : {}) }) as EvalRecord;
    expect(infoPlaneEvaluations([m(10, plane(10)), m(20), m(30, plane(30))]).map((e) => e.step)).toEqual([10, 30]);
  });

  it("one run: d1, d2 solid and d'0..d'2 dashed, x = I(X;T), y = I(T;Y), each point coloured by its step", () => {
    const spec = infoPlaneChart([run('a', [100, 200, 300])]);
    expect(spec.series.map((s) => s.label)).toEqual(['d1', 'd2', "d'0", "d'1", "d'2"]);
    expect(spec.series.map((s) => !!s.dash)).toEqual([false, false, true, true, true]);
    expect(spec.series[0]!.points.map((p) => [p.x, p.y, p.step])).toEqual([
      [6, 0.6, 100],
      [7, 0.7, 200],
      [8, 0.8, 300],
    ]);
    expect(spec.series[0]!.pointColors).toEqual([viridis(0), viridis(0.5), viridis(1)]);
    // d_k and its reconstruction d'_k share a colour; d'_0 (the input's) has its own.
    expect(spec.series[0]!.color).toBe(spec.series[3]!.color);
    expect(spec.series[1]!.color).toBe(spec.series[4]!.color);
    expect(new Set(spec.series.slice(0, 3).map((s) => s.color)).size).toBe(3);
    expect(spec).toMatchObject({ id: 'info-plane', xLabel: 'I(X;T) (bits)', yLabel: 'I(T;Y) (bits)', scatter: true });
    expect(spec.legendNote).toContain('dark 100 … yellow 300; 30 bins, 100 samples');
    expect(infoPlaneChart([run('a', [100])], { reverse: false }).series.map((s) => s.label)).toEqual(['d1', 'd2']);
    expect(infoPlaneChart([run('a', [100])], { forward: false }).series.map((s) => s.label)).toEqual(["d'0", "d'1", "d'2"]);
  });

  it('several runs: each in its own colour (as everywhere in the app), one step scale over all of them', () => {
    const spec = infoPlaneChart([run('a', [100, 200]), run('b', [300])], { workspace: ['a', 'b'] });
    expect(spec.id).toBe('overlay-info-plane');
    expect(spec.series).toHaveLength(10);
    const styles = runStyles(['a', 'b'], ['a', 'b']);
    expect(spec.series.filter((s) => s.group === 'a').every((s) => s.color === styles.get('a')!.color)).toBe(true);
    expect(spec.series.filter((s) => s.group === 'b').every((s) => s.color === styles.get('b')!.color)).toBe(true);
    expect(spec.series[0]!.label).toBe('a d1');
    expect(spec.series[0]!.pointColors).toEqual([viridis(0), viridis(0.5)]);
    expect(spec.series[5]!.pointColors).toEqual([viridis(1)]);
  });

  it('chart.js: per-point colours, nearest point in x and y, no decimation (a trajectory is not in x order)', () => {
    const spec = infoPlaneChart([run('a', [100, 200])]);
    const c = toChartJsConfig(spec, undefined, { interactive: true });
    expect(c.data.datasets[0]!.pointBackgroundColor).toEqual(spec.series[0]!.pointColors);
    expect(c.options!.interaction!.axis).toBe('xy');
    expect((c.options!.plugins as { decimation: { enabled: boolean } }).decimation.enabled).toBe(false);
  });
});
