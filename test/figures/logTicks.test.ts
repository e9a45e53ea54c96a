// Every log axis shows at least three labelled ticks across its range (a
// reconstruction error between 4000 and 9000 was labelled "5000" only, a loss
// from 1e-5 to 2 not at all in the app), and tooltips keep a value's digits
// ("CE: 0" for 1e-5).
import { createCanvas } from '@napi-rs/canvas';
import type * as ChartJs from 'chart.js' with { 'resolution-mode': 'import' };
import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../electron/engine/types';
import { lossChart, reconChart, toChartJsConfig, type ChartSpec } from '../../electron/figures/chartSpecs';
import { logTickValues } from '../../electron/figures/logTicks';
import { fmt } from '../../electron/figures/numberFormat';

const { Chart, registerables } = require('chart.js') as typeof ChartJs;
Chart.register(...registerables);

const rec = (step: number, ce: number, recon: number): EvalRecord => ({
  step,
  epoch: 0,
  elapsed: step,
  stepsPerSec: 1,
  loss: { total: ce, ce, rr: [0], ort: 0 },
  trainAccuracy: 1,
  testAccuracy: 1,
  testRecon: [recon],
});

/** The y labels chart.js lays out for a spec, drawn for real (export path) on a figure-sized canvas. */
function yLabels(spec: ChartSpec, height = 260): string[] {
  const canvas = createCanvas(420, height);
  const chart = new Chart(canvas.getContext('2d') as never, toChartJsConfig(spec, undefined, { animation: false, responsive: false }) as never);
  try {
    return chart.scales.y!.ticks.map((t) => String(t.label ?? '')).filter((l) => l !== '');
  } finally {
    chart.destroy();
  }
}

describe('log axis ticks', () => {
  it('give at least three values for any range: many decades, a few, one, part of one', () => {
    for (const [lo, hi] of [
      [1e-5, 2],
      [1e-12, 1e3],
      [0.01, 0.5],
      [4000, 9000],
      [5000, 5800],
      [0.31, 0.33],
    ] as const) {
      const t = logTickValues(lo, hi);
      expect(t.length, `${lo}..${hi}`).toBeGreaterThanOrEqual(3);
      expect(t.length, `${lo}..${hi}`).toBeLessThanOrEqual(10);
      for (const v of t) expect(v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9), `${v} in ${lo}..${hi}`).toBe(true);
    }
    expect(logTickValues(1e-5, 1e1)).toEqual([1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10]);
  });

  it('label three or more ticks in an exported figure: the reconstruction error within one decade, the loss over many', () => {
    const metrics = [rec(100, 1.2, 9000), rec(200, 3e-3, 6000), rec(300, 1.1e-5, 4100)];
    const recon = yLabels(reconChart(metrics));
    expect(recon.length, recon.join(' ')).toBeGreaterThanOrEqual(3);
    const loss = yLabels(lossChart(metrics));
    expect(loss.length, loss.join(' ')).toBeGreaterThanOrEqual(3);
    expect(loss).toContain('1e-5');
  });

  it('show a value near 1e-5 in a tooltip as such, not rounded to 0', () => {
    const spec = lossChart([rec(100, 1.234e-5, 1)]);
    const cfg = toChartJsConfig(spec, undefined, { interactive: true });
    const label = cfg.options!.plugins!.tooltip!.callbacks!.label as (item: unknown) => string;
    const raw = spec.series[1]!.points[0]!;
    expect(label({ raw, dataset: { label: 'CE' }, formattedValue: '0' })).toBe('CE: 1.234e-5');
    expect(fmt(1.234e-5)).toBe('1.234e-5');
  });
});
