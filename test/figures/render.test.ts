// Node rendering of figures: chart.js on @napi-rs/canvas (PNG at a dpi, SVG),
// image grids and the GIF.
import { describe, expect, it } from 'vitest';
import { accuracyChart, lossChart, spectrumChart } from '../../electron/figures/chartSpecs';
import { figureTheme, renderChartPng, renderChartSvg } from '../../electron/figures/renderChart';
import { FigureSizeError, figureFontFamily, resolveFigureSize } from '../../electron/figures/canvas';
import { GridLayoutError, renderGridPng, renderGridSvg, vectorImage, type GridFigure, type RgbaImage } from '../../electron/figures/imageGrids';
import { backwardGif } from '../../electron/figures/gif';
import { bestPerRow, comparisonFigure, evenlySpaced, type RunVectors } from '../../electron/figures/runFigures';
import { runColor } from '../../electron/figures/runColors';
import { PNG } from 'pngjs';
import type { EvalRecord } from '../../electron/engine/types';
import { parseSvg, pngInfo } from '../export/helpers';

const metrics: EvalRecord[] = [0, 10, 20, 30, 40].map((step) => ({
  step,
  epoch: step,
  elapsed: step / 50,
  stepsPerSec: 50,
  loss: { total: 3 / (step + 1), ce: 1 / (step + 1), rr: [2 / (step + 1), 0.001], ort: 0 },
  trainAccuracy: Math.min(1, 0.5 + step / 50),
  testAccuracy: Math.min(1, 0.4 + step / 60),
  testRecon: [5000 / (step + 1), 10],
}));

const white = () => figureTheme('white');
const size4x3 = resolveFigureSize({ width: 4, height: 3, unit: 'in', dpi: 300 });

function grey(n: number, f: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8Array(n * n * 4);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const v = f(x, y);
      data.set([v, v, v, 255], 4 * (y * n + x));
    }
  return { width: n, height: n, data };
}

describe('figure sizes', () => {
  it('PNG pixels are inches x dpi; layout in CSS px at 96 per inch', () => {
    expect(size4x3).toMatchObject({ widthPx: 1200, heightPx: 900, cssWidth: 384, cssHeight: 288, dpi: 300 });
    expect(resolveFigureSize({ width: 8, height: 6, unit: 'cm', dpi: 300 })).toMatchObject({ widthPx: 945, heightPx: 709 });
    expect(resolveFigureSize({ width: 1000, height: 800, unit: 'px', dpi: 200 })).toMatchObject({ widthPx: 1000, heightPx: 800, widthIn: 5, heightIn: 4 });
  });

  it('rejects sizes that cannot make a readable figure, with the fix', () => {
    expect(() => resolveFigureSize({ width: 1, height: 3, unit: 'in', dpi: 300 })).toThrow(FigureSizeError);
    expect(() => resolveFigureSize({ width: 1, height: 3, unit: 'in', dpi: 300 })).toThrow(/too small .*at least 1.5 in/);
    expect(() => resolveFigureSize({ width: 4, height: 3, unit: 'in', dpi: 5000 })).toThrow(/dpi 5000 is out of range: use 50 to 1200/);
    expect(() => resolveFigureSize({ width: 100, height: 3, unit: 'in', dpi: 300 })).toThrow(/too large/);
    expect(() => resolveFigureSize({ width: -4, height: 3, unit: 'in', dpi: 300 })).toThrow(/positive number/);
  });

  it('a font is available for figure text', () => {
    expect(figureFontFamily()).toMatch(/^'[^']+'/);
  });
});

describe('charts on @napi-rs/canvas', () => {
  it('PNG: exact size, dpi in pHYs, drawn (not blank)', () => {
    const info = pngInfo(renderChartPng(lossChart(metrics), size4x3, white()));
    expect([info.width, info.height]).toEqual([1200, 900]);
    expect(info.phys).toEqual({ x: Math.round(300 / 0.0254), y: Math.round(300 / 0.0254), unit: 1 });
    expect(info.variance).toBeGreaterThan(0);
    expect(info.nonBackground).toBeGreaterThan(0.01);
    expect(info.transparent).toBe(0);
  });

  it('odd pixel sizes come out exact', () => {
    const size = resolveFigureSize({ width: 1234, height: 777, unit: 'px', dpi: 300 });
    const info = pngInfo(renderChartPng(spectrumChart([3, 2, 1.5, 1]), size, white()));
    expect([info.width, info.height]).toEqual([1234, 777]);
  });

  it('transparent background', () => {
    const info = pngInfo(renderChartPng(accuracyChart(metrics), size4x3, figureTheme('transparent')));
    expect(info.transparent).toBeGreaterThan(0.5);
    expect(info.transparent).toBeLessThan(1);
  });

  it('SVG: well-formed, physical size in inches, text as paths', () => {
    const svg = renderChartSvg(lossChart(metrics), size4x3, white());
    const p = parseSvg(svg);
    expect(p.root).toBe('svg');
    expect(p.attrs).toMatchObject({ width: '4in', height: '3in', viewBox: '0 0 384 288' });
    expect(p.elements).toBeGreaterThan(20);
    expect(svg).not.toMatch(/<text\b/);
  });

  it('the strict SVG check rejects broken XML', () => {
    expect(() => parseSvg('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')).toThrow();
  });
});

describe('image grids', () => {
  const fig: GridFigure = {
    title: 'a grid',
    rowLabels: ['test 1', 'test 2'],
    colLabels: ['input', '0', '10'],
    cells: [
      [grey(28, (x) => x * 9), grey(28, (x, y) => (x + y) * 4), null],
      [grey(28, (_, y) => y * 9), grey(28, () => 128), grey(28, () => 0)],
    ],
    captions: [
      ['a', 'b\nc', null],
      [null, null, 'd'],
    ],
    note: 'a note under the grid, long enough to be wrapped onto a second line when the figure is narrow, or shortened',
  };

  it('PNG of the requested size with the dpi; SVG well-formed with crisp images', () => {
    const info = pngInfo(renderGridPng(fig, size4x3, white()));
    expect([info.width, info.height]).toEqual([1200, 900]);
    expect(info.phys?.x).toBe(11811);
    expect(info.variance).toBeGreaterThan(0);
    const svg = renderGridSvg(fig, size4x3, white());
    expect(parseSvg(svg).attrs).toMatchObject({ width: '4in', height: '3in' });
    expect(svg).toMatch(/<image image-rendering="pixelated"/);
  });

  it('too many images for the size: a clear error', () => {
    const many: GridFigure = { rowLabels: [], colLabels: [], cells: [Array.from({ length: 200 }, () => grey(4, () => 0))] };
    expect(() => renderGridPng(many, size4x3, white())).toThrow(GridLayoutError);
    expect(() => renderGridPng(many, size4x3, white())).toThrow(/does not fit: make the figure larger/);
  });

  it('colour maps of signed vectors: diverging (white at zero) and grey (mid-grey at zero)', () => {
    const v = [-1, 0, 0.5, 1];
    const d = vectorImage(v, 2, 2, 'diverging').data;
    expect(Array.from(d.subarray(4, 7))).toEqual([0xf7, 0xf7, 0xf7]);
    expect(d[12]).toBeGreaterThan(d[14]!); // red positive
    expect(d[0]).toBeLessThan(d[2]!); // blue negative
    const g = vectorImage(v, 2, 2, 'grey').data;
    expect([g[0], g[4], g[12]]).toEqual([0, 128, 255]);
    expect(() => vectorImage(v, 3, 2, 'grey')).toThrow(/not 3x2/);
  });

  it('layout helpers', () => {
    expect(evenlySpaced([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 4)).toEqual([0, 30, 70, 100]);
    expect(evenlySpaced([1, 2], 8)).toEqual([1, 2]);
    expect(bestPerRow(16, 4 / 3)).toBe(6);
    expect(bestPerRow(1, 4 / 3)).toBe(1);
  });
});

describe('backward GIF', () => {
  it('an animated GIF with one frame per step, looping', () => {
    const frames = [0, 1, 2].map((k) => ({
      label: `step ${k * 10}`,
      inputs: [grey(28, (x) => x * 9), grey(28, (x, y) => y * 9)],
      outputs: [grey(28, () => k * 80), grey(28, () => 255 - k * 80)],
    }));
    const gif = backwardGif(frames, { title: 'run' });
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(gif.includes(Buffer.from('NETSCAPE2.0', 'latin1'))).toBe(true);
    // One graphic control extension (21 F9) per frame.
    let gce = 0;
    for (let i = 0; i + 1 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9) gce++;
    expect(gce).toBeGreaterThanOrEqual(3);
    expect(gif[gif.length - 1]).toBe(0x3b);
    expect(() => backwardGif([])).toThrow(/no frames/);
  });
});

describe('run colours in exported figures', () => {
  const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  /** Pixels of exactly this colour in a PNG. */
  function count(png: Buffer, color: string): number {
    const img = PNG.sync.read(png);
    const [r, g, b] = hex(color);
    let n = 0;
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) n++;
    return n;
  }
  const vectors = (runId: string): RunVectors => ({
    runId,
    step: 10,
    rows: 4,
    cols: 2,
    k: 2,
    image: { height: 2, width: 2 },
    s: [2, 1],
    u: Float64Array.from([0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, -0.5]),
    perVector: null,
  });

  it('the comparison figure marks each row with its run’s colour, whatever the order', () => {
    // Two ids of different colours.
    const ids = ['run-a', ...Array.from({ length: 50 }, (_, i) => `run-${i}`)];
    const a = ids[0]!;
    const b = ids.find((id) => runColor(id) !== runColor(a))!;
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const fig = comparisonFigure(
        order.map((id) => ({ label: id, v: vectors(id) })),
        { colormap: 'grey', order: 'sigma', topK: 2 },
      );
      expect(fig.rowColors).toEqual(order.map(runColor));
      const png = renderGridPng(fig, size4x3, white());
      for (const id of order) expect(count(png, runColor(id)), id).toBeGreaterThan(100);
    }
  });
});
