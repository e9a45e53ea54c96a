// @vitest-environment jsdom
// The Sweep form and the Sweeps view's store against a fake engine: the
// number of runs and the first problem before starting, the spec sent, the
// figure choice kept valid across sweeps, and the sweep export request.
import { describe, expect, it } from 'vitest';
import type { ResultOf } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { SweepResults } from '../../electron/engine/sweep/metrics';
import { defaultSweepForm, fitLayers, sweepSpecOf } from '../../renderer/src/lib/sweepForm';
import { SweepsStore } from '../../renderer/src/lib/stores/sweeps.svelte';
import { fakeApi } from './fakeApi';

const base = RunConfigSchema.parse({ name: 'base', network: { layers: [{ units: 8 }, { units: 2, activation: 'linear' }] }, training: { steps: 50 } });

describe('Sweep form', () => {
  it('counts the runs of the chosen axes and names the first problem', () => {
    const form = defaultSweepForm(2);
    let r = sweepSpecOf(form, base);
    expect(r).toMatchObject({ ok: true, points: 12 });
    form.axes.find((a) => a.param === 'lambda2')!.on = true;
    form.axes.find((a) => a.param === 'layers')!.on = true;
    r = sweepSpecOf(form, base);
    expect(r.ok && r.points).toBe(48);
    form.axes.find((a) => a.param === 'layers')!.text = '128,2; 0,2';
    expect(sweepSpecOf(form, base)).toEqual({ ok: false, error: "layer sizes: '0,2' is not a list of layer sizes like 128,2" });
    form.axes.find((a) => a.param === 'layers')!.on = false;
    form.axes.find((a) => a.param === 'lambda')!.text = '0, -1';
    expect(sweepSpecOf(form, base)).toMatchObject({ ok: false, error: expect.stringMatching(/^sweep point \d+ \(lambda=-1 .*lambda must be 0 or more/) });
    expect(sweepSpecOf(form, null)).toMatchObject({ ok: false, error: expect.stringMatching(/base settings/) });
    for (const a of form.axes) a.on = false;
    expect(sweepSpecOf(form, base)).toEqual({ ok: false, error: 'choose at least one axis' });
  });

  it('follows the base network depth with one lambda axis per layer', () => {
    const form = defaultSweepForm(2);
    form.axes.find((a) => a.param === 'lambda2')!.text = '5';
    fitLayers(form, 3);
    expect(form.axes.map((a) => a.param)).toEqual(['lambda', 'lambda1', 'lambda2', 'lambda3', 'lambdaOrt', 'lr', 'layers', 'seed']);
    expect(form.axes.find((a) => a.param === 'lambda2')!.text).toBe('5');
  });
});

const results = (): SweepResults => ({
  id: '20250101-000000-s-abcd',
  name: 's',
  axes: [
    { param: 'lambda', label: 'λ', values: [0, 1e-6] },
    { param: 'seed', label: 'seed', values: [0, 1] },
  ],
  points: [0, 1, 2, 3].map((i) => ({
    index: i,
    key: `k${i}`,
    values: { lambda: i < 2 ? 0 : 1e-6, seed: i % 2 },
    state: 'done' as const,
    runId: `20250101-000000-r${i}-abcd`,
    metrics: { alignment: 0.1 + 0.3 * Math.floor(i / 2), recon: 1, testAccuracy: 1, finalLoss: 1 },
  })),
  notes: [],
});

describe('Sweeps store', () => {
  it('starts the form spec, picks the first non-seed axis, draws lines or a heatmap, and exports the chosen figure', async () => {
    const detail = {
      sweep: { id: '20250101-000000-s-abcd' },
      points: [],
      counts: { done: 4, running: 0, queued: 0, failed: 0, cancelled: 0, interrupted: 0, pending: 0 },
      complete: true,
      executor: 'app',
      results: results(),
      notes: [],
    } as unknown as ResultOf<'sweeps.get'>;
    const api = fakeApi({
      'sweeps.start': () => ({ id: '20250101-000000-s-abcd', points: 4 }),
      'sweeps.list': () => ({ sweeps: [], problems: [] }),
      'sweeps.get': () => detail,
      'export.bundle': () => ({ out: '/x/s.zip', files: ['a', 'b'], notes: [] }),
    });
    const s = new SweepsStore(api);
    s.setBase(base);
    s.form.axes.find((a) => a.param === 'lambda')!.text = '0, 1e-6';
    s.form.axes.find((a) => a.param === 'seed')!.text = '0-1';
    expect(s.checked).toMatchObject({ ok: true, points: 4 });
    expect(await s.start()).toBe('20250101-000000-s-abcd');
    const sent = api.calls.find((c) => c.channel === 'sweeps.start')!.payload as { spec: { axes: unknown; base: { name?: string } } };
    expect(sent.spec.axes).toEqual([
      { param: 'lambda', values: [0, 1e-6] },
      { param: 'seed', values: [0, 1] },
    ]);
    expect(sent.spec.base.name).toBeUndefined();
    expect(s.choice.x).toBe('lambda');
    expect(s.figure.fig?.kind).toBe('line');
    s.choice.y = 'seed';
    expect(s.figure.fig?.kind).toBe('heatmap');
    s.exportOut = '/x/s.zip';
    await s.exportFigures();
    expect(api.calls.find((c) => c.channel === 'export.bundle')!.payload).toEqual({
      ids: [],
      out: '/x/s.zip',
      figures: [],
      sweep: { id: '20250101-000000-s-abcd', x: 'lambda', y: 'seed', kind: 'heatmap' },
    });
    expect(s.exportResult).toBe('/x/s.zip (2 files)');
  });
});
