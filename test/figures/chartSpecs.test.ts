// The shared chart definitions: pure (importable by the renderer), the same
// palette and series as the app, and a chart.js configuration for any theme.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  OVERLAY_METRICS,
  PALETTE,
  PRINT_THEME,
  accuracyChart,
  accuracyChartDef,
  colorAt,
  lossChart,
  lossChartDef,
  metricChart,
  overlayChart,
  overlayChartDef,
  reconChart,
  reconChartDef,
  spectrumChart,
  spectrumOverlayChart,
  spectrumWantsLog,
  toChartJsConfig,
} from '../../electron/figures/chartSpecs';
import { runColor, runStyles } from '../../electron/figures/runColors';
import { makeRunId } from '../../electron/engine/store/layout';
import { parseRunConfig } from '../../electron/engine/config/schema';
import type { EvalRecord } from '../../electron/engine/types';

const ROOT = path.resolve(__dirname, '../..');

const rec = (step: number, over: Partial<EvalRecord> = {}): EvalRecord => ({
  step,
  epoch: step / 4,
  elapsed: step / 100,
  stepsPerSec: 100,
  loss: { total: 2 / (step + 1), ce: 1 / (step + 1), rr: [0.5 / (step + 1), 0], ort: 0.01 },
  trainAccuracy: Math.min(1, 0.5 + step / 100),
  testAccuracy: Math.min(1, 0.4 + step / 100),
  testRecon: [100 / (step + 1), 3],
  ...over,
});
const metrics = [0, 10, 20, 30].map((s) => rec(s));
const config = (lambda: number, lambdaOrt: number) =>
  parseRunConfig({
    network: {
      layers: [
        { units: 16, lambda },
        { units: 2, activation: 'linear', lambda: 0 },
      ],
    },
    loss: { lambdaOrt },
  });

describe('chartSpecs module', () => {
  it('is pure: only type imports and the pure run colours, log ticks, number format and phase markers, no DOM or Node globals', () => {
    for (const file of [
      'chartSpecs.ts',
      'chartJsConfig.ts',
      'runColors.ts',
      'logTicks.ts',
      'numberFormat.ts',
      'phaseMarkers.ts',
      '../engine/train/phases.ts',
    ]) {
      const src = fs.readFileSync(path.join(ROOT, 'electron/figures', file), 'utf8');
      const imports = src.split('\n').filter((l) => /^\s*import\b/.test(l));
      for (const l of imports)
        expect(l, file).toMatch(/^import type |from '\.\/(runColors|logTicks|numberFormat|phaseMarkers)';$|from '\.\.\/engine\/train\/phases';$/);
      expect(src, file).not.toMatch(/^export \* from '(?!\.\/chartJsConfig')/m);
      expect(src, file).not.toMatch(/\b(document|window|require|process|Buffer)\b\s*[.(]/);
    }
  });

  it('is the only chart definition: the renderer imports it and defines no palette or series of its own', () => {
    const dir = path.join(ROOT, 'renderer/src');
    const sources = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && /\.(ts|svelte)$/.test(d.name))
      .map((d) => ({ file: path.relative(ROOT, path.join(d.parentPath, d.name)), text: fs.readFileSync(path.join(d.parentPath, d.name), 'utf8') }));
    for (const { file, text } of sources) {
      expect(text, file).not.toMatch(/\bPALETTE\s*=/);
      expect(text, file).not.toMatch(/['`](CE['`]|RR layer|train accuracy|test accuracy|input \(layer 1\))/);
      expect(text, file).not.toMatch(/OVERLAY_METRICS\s*[:=]/);
    }
    const users = sources.filter((s) => s.text.includes("electron/figures/chartSpecs'")).map((s) => s.file.split(path.sep).join('/'));
    expect(users).toEqual(
      expect.arrayContaining([
        'renderer/src/lib/charts.ts',
        'renderer/src/components/LiveView.svelte',
        'renderer/src/components/ComparePanel.svelte',
        'renderer/src/components/SvdRow.svelte',
      ]),
    );
    expect(colorAt(10)).toBe(PALETTE[0]);
    expect(colorAt(-1)).toBe(PALETTE[9]);
  });
});

describe('chart definitions (what the app draws live)', () => {
  it('read raw values per evaluation and give the same spec as the chart functions', () => {
    const c = config(1e-6, 0.1);
    const d = lossChartDef(c, metrics[0]);
    expect(d.series.map((s) => s.label)).toEqual(['total', 'CE', 'RR layer 1', 'Ort']);
    expect(d.series[2]!.value(metrics[1]!)).toBeCloseTo(0.5 / 11);
    expect(d.series[0]!.value(rec(5, { loss: { total: NaN, ce: 0, rr: [0, 0], ort: 0 } }))).toBeNull();
    expect(d.x(metrics[2]!)).toBe(20);
    expect(metricChart(d, metrics)).toEqual(lossChart(metrics, c));
    expect(metricChart(accuracyChartDef({ x: 'elapsed' }), metrics)).toEqual(accuracyChart(metrics, { x: 'elapsed' }));
    expect(metricChart(reconChartDef(c), metrics)).toEqual(reconChart(metrics, c));
    const runs = [
      { id: 'run-a', label: 'a', metrics },
      { id: 'run-b', label: 'b', metrics: metrics.slice(1) },
    ];
    expect(metricChart(overlayChartDef(runs, 'recon0'), (i) => runs[i]!.metrics)).toEqual(overlayChart(runs, 'recon0'));
  });
});

describe('chart specs from metrics', () => {
  it('loss: total and CE, RR only for layers with lambda > 0, Ort only with lambdaOrt > 0; log axis', () => {
    const rr = lossChart(metrics, config(1e-6, 0));
    expect(rr.series.map((s) => s.label)).toEqual(['total', 'CE', 'RR layer 1']);
    expect(rr.log).toBe(true);
    expect(rr.series[2]!.dash).toEqual([5, 3]);
    expect(rr.series[0]!.points).toEqual(metrics.map((m) => ({ x: m.step, y: m.loss.total })));
    const ort = lossChart(metrics, config(0, 0.1));
    expect(ort.series.map((s) => s.label)).toEqual(['total', 'CE', 'Ort']);
    expect(ort.series.map((s) => s.color)).toEqual([PALETTE[0], PALETTE[1], colorAt(2 + 2)]);
    // Without a config the metrics decide (the app shows runs whose config is not loaded yet).
    expect(lossChart(metrics).series.map((s) => s.label)).toEqual(['total', 'CE', 'RR layer 1', 'Ort']);
  });

  it('non-finite values are gaps; values <= 0 on a log axis sit on its floor, marked, with their value', () => {
    const m = [rec(0, { loss: { total: NaN, ce: 0, rr: [0, 0], ort: 0 } }), rec(10)];
    const spec = lossChart(m, config(1e-6, 0));
    expect(spec.series[0]!.points[0]).toEqual({ x: 0, y: null });
    // Smallest positive value: RR layer 1 at step 10, 0.5/11 = 0.045 -> the floor is the decade below, 0.01.
    expect(spec.logFloor).toBe(0.01);
    expect(spec.series[1]!.points[0]).toEqual({ x: 0, y: 0.01, clamped: true, value: 0 });
    expect(spec.series[1]!.points[1]).toEqual({ x: 10, y: 1 / 11 });
    const lin = lossChart(m, config(1e-6, 0), { log: false });
    expect(lin.series[1]!.points[0]).toEqual({ x: 0, y: 0 });
    expect(lin.logFloor).toBeUndefined();
  });

  it('a log axis never bridges zeros: 134, fourteen zeros, 0.04 is drawn down to the floor and back, not as one line', () => {
    const totals = [134, ...Array<number>(14).fill(0), 0.04];
    const m = totals.map((total, i) => rec(i * 10, { loss: { total, ce: 1, rr: [0, 0], ort: 0 } }));
    const spec = overlayChart([{ id: 'x', label: 'x', metrics: m }], 'total');
    const pts = spec.series[0]!.points;
    expect(spec.logFloor).toBe(0.01);
    expect(pts.filter((p) => p.clamped)).toHaveLength(14);
    expect(pts.every((p) => p.y !== null)).toBe(true);
    expect(pts.slice(1, 15).every((p) => p.y === 0.01 && p.value === 0)).toBe(true);
    const c = toChartJsConfig(spec);
    expect(c.options!.spanGaps).toBe(false);
    const y = (c.options!.scales as Record<string, { min?: number; type: string }>).y!;
    expect([y.type, y.min]).toEqual(['logarithmic', 0.01]);
    // Clamped points are marked (a downward triangle) and their segments dotted.
    const ds = c.data.datasets[0]!;
    const ctx = (i: number) => ({ raw: ds.data[i] }) as never;
    const style = ds.pointStyle as unknown as (c: never) => string;
    expect([style(ctx(0)), style(ctx(3))]).toEqual(['circle', 'triangle']);
    const dash = (ds.segment as { borderDash: (c: { p0DataIndex: number; p1DataIndex: number }) => number[] | undefined }).borderDash;
    expect(dash({ p0DataIndex: 0, p1DataIndex: 1 })).toEqual([2, 3]);
    expect(dash({ p0DataIndex: 15, p1DataIndex: 16 })).toBeUndefined();
  });

  it('accuracy: 0..1, train and test; x can be the epoch', () => {
    const spec = accuracyChart(metrics, { x: 'epoch' });
    expect(spec).toMatchObject({ id: 'accuracy', yMin: 0, yMax: 1, xLabel: 'epoch' });
    expect(spec.series.map((s) => s.label)).toEqual(['train accuracy', 'test accuracy']);
    expect(spec.series[1]!.points.map((p) => p.x)).toEqual(metrics.map((m) => m.epoch));
  });

  it('recon: one series per layer, named after the layer input', () => {
    const spec = reconChart(metrics, config(0, 0));
    expect(spec.series.map((s) => s.label)).toEqual(['input (layer 1)', 'layer 2 input']);
    expect(spec.series[1]!.points.map((p) => p.y)).toEqual([3, 3, 3, 3]);
  });

  it('spectrum: 1-based index, log axis only for wide spectra', () => {
    const s = spectrumChart([3, 2, 1]);
    expect(s.series[0]!.points).toEqual([
      { x: 1, y: 3 },
      { x: 2, y: 2 },
      { x: 3, y: 1 },
    ]);
    expect(s.log).toBe(false);
    expect(spectrumWantsLog([1000, 1, 0.5])).toBe(true);
    expect(spectrumChart([1000, 1, 0.5]).log).toBe(true);
  });

  it('overlays: each run in its own colour, whatever its position', () => {
    const std = { id: '20250101-120000-std-a1b2', label: 'Std', metrics };
    const rr = { id: '20250101-120500-rr-c3d4', label: 'RR', metrics: metrics.slice(0, 2) };
    for (const m of OVERLAY_METRICS) {
      const spec = overlayChart([std, rr], m.id);
      expect(spec.series.map((s) => [s.label, s.color, s.group])).toEqual([
        ['Std', runColor(std.id), std.id],
        ['RR', runColor(rr.id), rr.id],
      ]);
      // Ticked in the other order: the same colours.
      const swapped = overlayChart([rr, std], m.id);
      expect(swapped.series.map((s) => [s.label, s.color])).toEqual([
        ['RR', runColor(rr.id)],
        ['Std', runColor(std.id)],
      ]);
      expect(spec.log).toBe(m.log);
    }
    expect(() => overlayChart([std], 'nope')).toThrow(/unknown overlay metric 'nope'/);
    const sp = spectrumOverlayChart([
      { id: rr.id, label: 'a', s: [2, 1] },
      { id: std.id, label: 'b', s: [3, 1] },
    ]);
    expect(sp.series.map((s) => s.color)).toEqual([runColor(rr.id), runColor(std.id)]);
    expect(PALETTE).toContain(runColor(rr.id));
  });

  it('exported overlays never give two runs one colour (peak_Ort and peak_RR were both #e15759, one dashed), and say so past ten runs', () => {
    // Two ids made a few seconds apart whose hashes give one colour.
    let a = '';
    let b = '';
    for (let s = 0; !a; s++) {
      const x = makeRunId('peak_Ort', new Date(Date.UTC(2026, 11, 1, 10, 0, s)), '0000');
      const y = makeRunId('peak_RR', new Date(Date.UTC(2026, 11, 1, 10, 0, s + 4)), '0000');
      if (runColor(x) === runColor(y)) [a, b] = [x, y];
    }
    const runs = [
      { id: a, label: 'peak_Ort', metrics },
      { id: b, label: 'peak_RR', metrics },
    ];
    for (const spec of [overlayChart(runs, 'total'), spectrumOverlayChart(runs.map((r) => ({ ...r, s: [2, 1] })))]) {
      expect(new Set(spec.series.map((s) => s.color)).size).toBe(2);
      expect(spec.series.every((s) => s.dash === undefined)).toBe(true);
      expect(spec.legendNote).toBeUndefined();
    }
    // The colours a workspace gives them, as in the app.
    const ws = [a, b, '20261201-090000-other-0000'];
    expect(overlayChart(runs, 'total', { workspace: ws }).series.map((s) => s.color)).toEqual([a, b].map((id) => runStyles([a, b], ws).get(id)!.color));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `20261201-1000${String(i).padStart(2, '0')}-r-0000`, label: `r${i}`, metrics }));
    const many = overlayChart(eleven, 'total');
    expect(many.legendNote).toBe('11 runs, 10 colours: dashed lines repeat a colour');
    expect((toChartJsConfig(many).options!.plugins!.legend as { title?: { text?: string } }).title?.text).toBe(many.legendNote);
  });
});

describe('toChartJsConfig', () => {
  it('builds a line chart: scales, titles, dashes, no animation, fixed size', () => {
    const spec = lossChart(metrics, config(1e-6, 0.1));
    const c = toChartJsConfig(spec, PRINT_THEME, { animation: false, devicePixelRatio: 3 });
    expect(c.type).toBe('line');
    expect(c.options!.animation).toBe(false);
    expect(c.options!.responsive).toBe(false);
    expect(c.options!.devicePixelRatio).toBe(3);
    const scales = c.options!.scales as Record<string, { type: string; title: { text: string } }>;
    expect(scales.y!.type).toBe('logarithmic');
    expect(scales.x!.title.text).toBe('training step');
    expect(c.data.datasets.map((d) => d.label)).toEqual(['total', 'CE', 'RR layer 1', 'Ort']);
    expect((c.data.datasets[2] as { borderDash?: number[] }).borderDash).toEqual([5, 3]);
    // The spec's points are copied, not shared with chart.js (which may annotate them).
    expect(c.data.datasets[0]!.data[0]).not.toBe(spec.series[0]!.points[0]);
    expect(c.plugins!.map((p) => p.id)).toEqual(['racecarBackground']);
  });

  it('transparent theme: no background plugin; the app gets responsive charts with tooltips', () => {
    const c = toChartJsConfig(accuracyChart(metrics), { ...PRINT_THEME, background: null }, { responsive: true, interactive: true });
    expect(c.plugins).toEqual([]);
    expect(c.options!.responsive).toBe(true);
    expect(c.options!.plugins!.tooltip!.enabled).toBe(true);
    const y = (c.options!.scales as Record<string, { min?: number; max?: number }>).y!;
    expect([y.min, y.max]).toEqual([0, 1]);
  });
});
