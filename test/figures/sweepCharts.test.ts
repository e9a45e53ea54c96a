// Sweep figures: aggregation checked against a direct computation, the line
// and heatmap specs, their chart.js configs, and PNG/SVG drawn in Node.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { SweepResults } from '../../electron/engine/sweep/metrics';
import { aggregateSweep, heatPosition, sweepCsv, sweepFigure, sweepHeatmap, sweepLineChart, viridis } from '../../electron/figures/sweepCharts';
import { figureTheme, renderSweepPng, renderSweepSvg } from '../../electron/figures/renderChart';
import { resolveFigureSize } from '../../electron/figures/canvas';

const lambdas = [0, 1e-7, 1e-6, 1e-5];
const seeds = [0, 1, 2];
/** A made-up score that grows with lambda, plus a seed offset. */
const score = (li: number, s: number) => 0.1 + 0.2 * li + 0.01 * s;

function results(): SweepResults {
  const points = lambdas.flatMap((lambda, li) =>
    seeds.map((seed, si) => {
      const index = li * seeds.length + si;
      const done = !(li === 3 && seed === 2); // one point not done yet
      return {
        index,
        key: `lambda=${lambda} seed=${seed}`,
        values: { lambda, seed },
        state: done ? ('done' as const) : ('running' as const),
        runId: done ? `20250101-000000-p${index}-abcd` : null,
        metrics: { alignment: done ? score(li, seed) : null, recon: done ? 10 ** (3 - li) : null, testAccuracy: done ? 1 : null, finalLoss: done ? 0.5 : null },
      };
    }),
  );
  return {
    id: '20250101-000000-s-abcd',
    name: 's',
    axes: [
      { param: 'lambda', label: 'λ_RR (all layers)', values: lambdas },
      { param: 'seed', label: 'seed', values: seeds },
    ],
    points,
    notes: [],
  };
}

describe('sweep figures', () => {
  it('aggregates each lambda over the seeds: mean, sample sd, min, max and the runs', () => {
    const { cells } = aggregateSweep(results(), 'alignment', 'lambda');
    expect(cells).toHaveLength(4);
    for (const [li, c] of cells.entries()) {
      const vals = seeds.filter((s) => !(li === 3 && s === 2)).map((s) => score(li, s));
      const m = vals.reduce((a, b) => a + b) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1));
      expect(c.n).toBe(vals.length);
      expect(c.mean).toBeCloseTo(m, 12);
      expect(c.sd).toBeCloseTo(sd, 12);
      expect([c.min, c.max]).toEqual([Math.min(...vals), Math.max(...vals)]);
      expect(c.runs.map((r) => r.runId)).toHaveLength(vals.length);
    }
  });

  it('a line chart: categorical lambda ticks, band, mean, one dot per run and the Std level', () => {
    const spec = sweepLineChart(results(), 'alignment', 'lambda');
    expect(spec.xTicks).toEqual(['0', '1e-7', '1e-6', '1e-5']);
    expect(spec.series.map((s) => s.label)).toEqual(['mean − sd', 'mean ± sd', 'mean', 'mean runs', 'λ = 0 (Std) level']);
    const mean = spec.series[2]!;
    expect(mean.points.map((p) => p.y)).toEqual([0.11, 0.31, 0.51, 0.705].map((v) => expect.closeTo(v, 10) as unknown as number));
    expect(mean.points[0]!.info).toBe('λ_RR (all layers) 0: mean 0.11 ± 0.01 (n=3)');
    // The band's edges say what they are, with the sd they stand for (they read "mean ± sd: 0.12").
    expect(spec.series[1]!.points[0]!.info).toBe('λ_RR (all layers) 0: mean + sd = 0.12 (mean 0.11, sd 0.01, n=3)');
    expect(spec.series[0]!.points[0]!.info).toBe('λ_RR (all layers) 0: mean − sd = 0.1 (mean 0.11, sd 0.01, n=3)');
    const dots = spec.series[3]!;
    expect(dots.line).toBe(false);
    expect(dots.points).toHaveLength(11);
    expect(dots.points.every((p) => p.runId?.startsWith('20250101-000000-p'))).toBe(true);
    expect(spec.series[4]!.points.every((p) => Math.abs(p.y! - 0.11) < 1e-12)).toBe(true);
    expect([spec.yMin, spec.yMax, spec.log]).toEqual([0, 1, false]);
    // A log metric stays log.
    expect(sweepLineChart(results(), 'recon', 'lambda').log).toBe(true);
  });

  it('a heatmap of two axes: one cell per pair, the colour scale over the data, empty cells kept', () => {
    const h = sweepHeatmap(results(), 'recon', 'lambda', 'seed');
    expect(h.cells).toHaveLength(12);
    expect(h.log).toBe(true);
    expect([h.vMin, h.vMax]).toEqual([1, 1000]);
    const empty = h.cells.find((c) => c.x === 3 && c.y === 2)!;
    expect(empty).toMatchObject({ v: null, n: 0, info: 'λ_RR (all layers) 1e-5, seed 2: no completed run' });
    expect(heatPosition(h, 10)).toBeCloseTo(1 / 3, 12);
    expect(() => sweepFigure(results(), { metric: 'recon', x: 'lr' })).toThrow("sweep 20250101-000000-s-abcd has no axis 'lr': use lambda, seed");
  });

  it('draws both kinds as PNG at the dpi and as SVG; heatmap cells take viridis colours', () => {
    const size = resolveFigureSize({ width: 4, height: 3, unit: 'in', dpi: 100 });
    const theme = figureTheme('white');
    const line = PNG.sync.read(renderSweepPng(sweepFigure(results(), { metric: 'alignment', x: 'lambda' }), size, theme));
    expect([line.width, line.height]).toEqual([400, 300]);
    const heat = sweepFigure(results(), { metric: 'recon', x: 'lambda', y: 'seed' });
    const png = PNG.sync.read(renderSweepPng(heat, size, theme));
    // Count pixels of the extreme colours: the lowest cell (lambda 1e-5) is yellow, the highest (lambda 0) purple.
    const count = (hex: string) => {
      const [r, g, b] = viridis(hex === 'lo' ? 0 : 1)
        .match(/\d+/g)!
        .map(Number);
      let n = 0;
      for (let i = 0; i < png.data.length; i += 4)
        if (Math.abs(png.data[i]! - r!) < 3 && Math.abs(png.data[i + 1]! - g!) < 3 && Math.abs(png.data[i + 2]! - b!) < 3) n++;
      return n;
    };
    expect(count('hi')).toBeGreaterThan(2000); // recon 1000 at lambda 0: three cells
    expect(count('lo')).toBeGreaterThan(1000); // recon 1 at lambda 1e-5: two cells
    const svg = renderSweepSvg(heat, size, theme);
    expect(svg).toMatch(/^<\?xml|^<svg/);
    expect(svg).toContain('width="4in"');
  });

  it('writes every point, its run and metrics as CSV', () => {
    const csv = sweepCsv(results()).trim().split('\n');
    expect(csv[0]).toBe('point,lambda,seed,state,run_id,alignment,recon,testAccuracy,finalLoss');
    expect(csv).toHaveLength(13);
    expect(csv[12]).toBe('11,1e-5,2,running,,,,,');
  });
});
