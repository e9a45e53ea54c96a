// @vitest-environment jsdom
// The Sweep form and the Sweeps view's store against a fake engine: the
// number of runs and the first problem before starting, the spec sent, the
// figure choice kept valid across sweeps, and the sweep export request.
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ResultOf } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { SweepResults } from '../../electron/engine/sweep/metrics';
import { defaultSweepForm, fitLayers, sweepSpecOf } from '../../renderer/src/lib/sweepForm';
import SweepsView from '../../renderer/src/components/SweepsView.svelte';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
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

describe('Sweep export and points', () => {
  const detail = () =>
    ({
      sweep: { id: '20250101-000000-s-abcd', name: 's', spec: {} },
      points: results().points.map((p) => ({
        index: p.index,
        key: p.key,
        values: p.values,
        state: 'done',
        runId: p.runId,
        runIds: [p.runId],
        lastStep: 50,
        totalSteps: 50,
      })),
      counts: { done: 4, running: 0, queued: 0, failed: 0, cancelled: 0, interrupted: 0, pending: 0 },
      complete: true,
      executor: 'app',
      results: results(),
      notes: [],
    }) as unknown as ResultOf<'sweeps.get'>;

  it('gives each export a fresh default path, sends the replace choice, and keeps a path the user typed', async () => {
    let n = 0;
    const api = fakeApi({
      'export.defaults': () => ({ out: `/w/exports/${++n}.zip`, figures: [] }),
      'sweeps.get': detail,
      'sweeps.list': () => ({ sweeps: [], problems: [] }),
      'export.bundle': ({ out }) => ({ out, files: ['a'], notes: [] }),
    });
    const s = new SweepsStore(api);
    await s.prepareExport();
    await s.select('20250101-000000-s-abcd');
    expect(s.exportOut).toBe('/w/exports/1.zip');
    await s.exportFigures();
    // The first bundle exists now: the next export goes elsewhere ("already exists" the second time before).
    expect(s.exportOut).toBe('/w/exports/2.zip');
    s.exportReplace = true;
    await s.exportFigures();
    const sent = api.calls.filter((c) => c.channel === 'export.bundle').map((c) => c.payload as { out: string; overwrite?: boolean });
    expect(sent.map((p) => [p.out, p.overwrite])).toEqual([
      ['/w/exports/1.zip', undefined],
      ['/w/exports/2.zip', true],
    ]);
    s.exportOut = '/mine/s.zip';
    await s.exportFigures();
    expect(s.exportOut).toBe('/mine/s.zip');
  });

  it('shows each point’s metrics in the points table, and the replace choice', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);
    const api = fakeApi({
      'export.defaults': () => ({ out: '/w/exports/1.zip', figures: [] }),
      'sweeps.get': detail,
      'sweeps.list': () => ({
        sweeps: [
          {
            id: '20250101-000000-s-abcd',
            name: 's',
            createdAt: '2025-01-01T00:00:00Z',
            mode: 'grid',
            axes: results().axes,
            points: 4,
            counts: detail().counts,
            executor: 'app',
          },
        ],
        problems: [],
      }),
      'presets.list': () => ({ presets: [] }),
    });
    const app = new AppStore(api);
    await app.sweeps.select('20250101-000000-s-abcd');
    render(SweepsView, { props: { app } });
    const row = await screen.findByTestId('sweep-point-2');
    expect(row.querySelector('[data-testid="point-alignment"]')!.textContent).toBe('0.4');
    expect(row.querySelector('[data-testid="point-recon"]')!.textContent).toBe('1');
    expect(screen.getByTestId('sweep-export-replace')).toBeTruthy();
    // Statistics of the completed points' runs, asked of the engine on request.
    await fireEvent.click(within(screen.getByTestId('stats-panel')).getByTestId('stats-compute'));
    await vi.waitFor(() => expect(api.calls.some((c) => c.channel === 'runs.stats')).toBe(true));
    expect(api.calls.find((c) => c.channel === 'runs.stats')!.payload).toEqual({ ids: results().points.map((p) => p.runId) });
  });
});
