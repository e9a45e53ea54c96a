// Phase markers: where each phase of a run with layer-wise pretraining starts,
// on its charts (one definition for the app and the figures), and drawn.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { parseRunConfig } from '../../electron/engine/config/schema';
import type { EvalRecord } from '../../electron/engine/types';
import { accuracyChart, lossChart, metricChart, overlayChart, reconChartDef } from '../../electron/figures/chartSpecs';
import { phaseBoundaries, resolveMarkers } from '../../electron/figures/phaseMarkers';
import { figureTheme, renderChartPng } from '../../electron/figures/renderChart';
import { resolveFigureSize } from '../../electron/figures/canvas';

const layers = [
  { units: 6, activation: 'relu' as const },
  { units: 4, activation: 'relu' as const },
  { units: 2, activation: 'linear' as const },
];
const pre = parseRunConfig({ network: { layers }, training: { steps: 60, pretrain: { stepsPerLayer: 20 } } });
const plain = parseRunConfig({ network: { layers }, training: { steps: 60 } });
const metrics: EvalRecord[] = [10, 20, 30, 40, 50, 60].map((step) => ({
  step,
  epoch: step / 10,
  elapsed: step / 4,
  stepsPerSec: 4,
  loss: { total: 3 / step, ce: 1 / step, rr: [0, 0, 0], ort: 0 },
  trainAccuracy: 0.5,
  testAccuracy: 0.4 + step / 200,
  testRecon: [5 / step, 1, 1],
}));

describe('phase markers', () => {
  it('a Pre run has a boundary before each phase (after 0, 20, 40 steps); a run of one phase has none', () => {
    expect(phaseBoundaries(pre, 60)).toEqual([
      { step: 0, label: 'pretraining layer 1' },
      { step: 20, label: 'pretraining layer 2' },
      { step: 40, label: 'task' },
    ]);
    expect(phaseBoundaries(plain, 60)).toEqual([]);
    expect(phaseBoundaries(null)).toEqual([]);
  });

  it('on a step axis at the boundary; on epochs and seconds interpolated between evaluations; not past the last evaluation', () => {
    const b = phaseBoundaries(pre, 60);
    expect(
      resolveMarkers(b, [
        { step: 10, x: 10 },
        { step: 30, x: 30 },
      ]),
    ).toEqual([
      { x: 0, label: 'pretraining layer 1' },
      { x: 20, label: 'pretraining layer 2' },
    ]);
    expect(
      resolveMarkers(b, [
        { step: 10, x: 2 },
        { step: 30, x: 3 },
        { step: 50, x: 7 },
      ]).map((m) => m.x),
    ).toEqual([0, 2.5, 5]);
  });

  it("the run's loss, accuracy and reconstruction charts carry them (any x axis); overlays of several runs do not", () => {
    expect(lossChart(metrics, pre).markers).toEqual([
      { x: 0, label: 'pretraining layer 1' },
      { x: 20, label: 'pretraining layer 2' },
      { x: 40, label: 'task' },
    ]);
    expect(accuracyChart(metrics, {}, pre).markers?.map((m) => m.x)).toEqual([0, 20, 40]);
    expect(metricChart(reconChartDef(pre, undefined, { x: 'epoch' }), metrics).markers?.map((m) => m.x)).toEqual([0, 2, 4]);
    expect(lossChart(metrics, plain).markers).toBeUndefined();
    expect(overlayChart([{ id: 'a', label: 'a', metrics }], 'total').markers).toBeUndefined();
  });

  it('are drawn in an exported figure: a dashed vertical line at each boundary inside the axis', () => {
    const size = resolveFigureSize({ width: 4, height: 3, unit: 'in', dpi: 96 });
    const spec = accuracyChart(metrics, {}, pre);
    const withLines = PNG.sync.read(renderChartPng(spec, size, figureTheme('white')));
    const without = PNG.sync.read(renderChartPng({ ...spec, markers: [] }, size, figureTheme('white')));
    // Pixels that differ, per column: the lines are columns with many (the labels beside them add a few).
    const perColumn = new Array<number>(withLines.width).fill(0);
    for (let y = 0; y < withLines.height; y++)
      for (let x = 0; x < withLines.width; x++) {
        const i = 4 * (y * withLines.width + x);
        if (Math.abs(withLines.data[i]! - without.data[i]!) + Math.abs(withLines.data[i + 1]! - without.data[i + 1]!) > 60) perColumn[x]!++;
      }
    const lines = perColumn.flatMap((n, x) => (n > withLines.height / 4 ? [x] : []));
    // Boundaries at steps 20 and 40 are inside the axis (10..60); step 0 is left of it (its label stands at the start, no line).
    const groups = lines.filter((x, i) => i === 0 || x - lines[i - 1]! > 2);
    expect(groups).toHaveLength(2);
    // 20 steps apart on an axis of 50: well apart.
    expect(groups[1]! - groups[0]!).toBeGreaterThan(withLines.width / 6);
  });
});
