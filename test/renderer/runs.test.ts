// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { flushSync, tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RUNS_PAGE, type RunSummary } from '../../electron/contract/contract';
import { RunConfigSchema, type RunConfigInput } from '../../electron/engine/config/schema';
import type { EvalRecord, RunRecord, RunStatus } from '../../electron/engine/types';
import RunsView from '../../renderer/src/components/RunsView.svelte';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
import { fakeApi, type FakeApi } from './fakeApi';

// jsdom has no canvas: the chart controllers keep their data and draw nothing.
vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);

function run(id: string, status: RunStatus, config: Partial<RunConfigInput> & { lambda?: number }): RunRecord {
  const lambda = config.lambda ?? 0;
  const c = RunConfigSchema.parse({
    name: id,
    network: {
      layers: [
        { units: 32, lambda },
        { units: 2, activation: 'linear', lambda },
      ],
    },
    training: { steps: 200 },
    loss: config.loss,
  });
  return {
    id,
    name: id,
    status,
    config: c,
    totalSteps: 200,
    backend: 'cpu',
    versions: {},
    createdAt: `2025-01-0${id.length % 9}T00:00:00Z`,
    lastStep: 200,
    backwardSteps: [100, 200],
    checkpointSteps: [200],
  };
}

const rec = (step: number, acc: number): EvalRecord => ({
  step,
  epoch: 0,
  elapsed: step / 100,
  stepsPerSec: 100,
  loss: { total: 1 / step, ce: 1 / step, rr: [0, 0], ort: 0 },
  trainAccuracy: acc,
  testAccuracy: acc,
  testRecon: [1, 1],
});

let summaries: RunSummary[];
let api: FakeApi;
let app: AppStore;

beforeEach(async () => {
  summaries = [
    { run: run('std', 'completed', {}), last: rec(200, 0.9) },
    { run: run('rr', 'interrupted', { lambda: 1e-6 }), last: rec(100, 0.5) },
    { run: run('ort-run', 'failed', { loss: { lambdaOrt: 0.1 } }), last: null },
  ];
  api = fakeApi({
    'runs.list': () => ({ runs: summaries, total: summaries.length, problems: [], queue: [] }),
    'runs.get': ({ id }) => ({ run: summaries.find((s) => s.run.id === id)!.run, metrics: [rec(100, 0.5), rec(200, 0.9)] }),
    'runs.rename': ({ id, name }) => {
      const s = summaries.find((x) => x.run.id === id)!;
      s.run = { ...s.run, name };
      return { run: s.run };
    },
    'runs.delete': ({ id }) => {
      summaries = summaries.filter((s) => s.run.id !== id);
      return { id };
    },
    'runs.duplicate': ({ id }) => ({ config: { ...summaries.find((s) => s.run.id === id)!.run.config, name: `${id} copy` } }),
  });
  app = new AppStore(api);
  await app.runs.refresh();
});

describe('Runs view', () => {
  it('lists runs with status (interrupted visible) and final metrics', async () => {
    render(RunsView, { props: { app } });
    const rows = screen.getAllByTestId('run-row');
    expect(rows).toHaveLength(3);
    const rr = rows.find((r) => r.dataset.run === 'rr')!;
    expect(within(rr).getByTestId('status-interrupted').textContent).toBe('interrupted');
    expect(within(rr).getByTestId('final-test-accuracy').textContent).toBe('50.0%');
    expect(rr.textContent).toContain('RR');
    const std = rows.find((r) => r.dataset.run === 'std')!;
    expect(within(std).getByTestId('final-test-accuracy').textContent).toBe('90.0%');
    expect(within(std).getByTestId('status-completed')).toBeTruthy();
  });

  it('shows a diverged run as such, with the step and the fix', async () => {
    const error = 'diverged at step 7: the weights became NaN (not a number): lower the learning rate (training.optimizer.learningRate is 30, or use adam)';
    summaries.push({ run: { ...run('sgd-run', 'diverged', {}), lastStep: 5, error }, last: rec(5, 0.5) });
    await app.runs.refresh();
    render(RunsView, { props: { app } });
    const row = screen.getAllByTestId('run-row').find((r) => r.dataset.run === 'sgd-run')!;
    expect(row.dataset.status).toBe('diverged');
    const badge = within(row).getByTestId('status-diverged');
    expect(badge.textContent).toBe('diverged');
    expect(badge.getAttribute('title')).toMatch(/NaN or infinite: lower the learning rate/);
    expect(row.textContent).toContain('diverged at step 7: the weights became NaN');
  });

  it('compares selected runs: only differing config keys', async () => {
    render(RunsView, { props: { app } });
    await fireEvent.click(screen.getByTestId('compare-std'));
    await fireEvent.click(screen.getByTestId('compare-ort-run'));
    flushSync();
    const diff = screen.getByTestId('config-diff');
    const keys = within(diff)
      .getAllByRole('rowheader')
      .map((th) => th.textContent);
    expect(keys).toEqual(['λ Ort (SRIP)']);
    await vi.waitFor(() => expect(api.calls.filter((c) => c.channel === 'runs.get').length).toBe(2));
  });

  it('renames inline', async () => {
    render(RunsView, { props: { app } });
    await fireEvent.click(screen.getByTestId('rename-std'));
    await tick();
    const input = screen.getByTestId('rename-input') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'baseline' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await vi.waitFor(() => expect(api.calls.some((c) => c.channel === 'runs.rename')).toBe(true));
    expect(api.calls.find((c) => c.channel === 'runs.rename')!.payload).toEqual({ id: 'std', name: 'baseline' });
    await vi.waitFor(() => expect(screen.getAllByTestId('run-name').map((e) => e.textContent)).toContain('baseline'));
  });

  it('deletes only after confirmation', async () => {
    render(RunsView, { props: { app } });
    await fireEvent.click(screen.getByTestId('delete-rr'));
    await tick();
    expect(screen.getByTestId('confirm-delete').hasAttribute('open')).toBe(true);
    await fireEvent.click(screen.getByTestId('confirm-delete-no'));
    expect(api.calls.some((c) => c.channel === 'runs.delete')).toBe(false);

    await fireEvent.click(screen.getByTestId('delete-rr'));
    await tick();
    await fireEvent.click(screen.getByTestId('confirm-delete-yes'));
    await vi.waitFor(() => expect(screen.getAllByTestId('run-row')).toHaveLength(2));
    expect(api.calls.find((c) => c.channel === 'runs.delete')!.payload).toEqual({ id: 'rr' });
  });

  it('duplicates into the Experiment panel', async () => {
    render(RunsView, { props: { app } });
    await fireEvent.click(screen.getByTestId('duplicate-rr'));
    await vi.waitFor(() => expect(app.view).toBe('experiment'));
    expect(app.experiment.form.name).toBe('rr copy');
    expect(app.experiment.form.layers.map((l) => l.lambda)).toEqual(['1e-6', '1e-6']);
    expect(app.experiment.validation.ok).toBe(true);
  });

  it('refreshes on runs.changed and patches status from train events', async () => {
    render(RunsView, { props: { app } });
    summaries.push({ run: { ...run('new', 'running', {}), createdAt: '2025-02-01T00:00:00Z' }, last: null });
    api.emit({ type: 'runs.changed' });
    await vi.waitFor(() => expect(screen.getAllByTestId('run-row')).toHaveLength(4));
    api.emit({ type: 'train', event: { type: 'finished', runId: 'new', status: 'cancelled' } });
    flushSync();
    const row = screen.getAllByTestId('run-row').find((r) => r.dataset.run === 'new')!;
    expect(row.dataset.status).toBe('cancelled');
  });

  it('shows each layer’s λ, not a summary', () => {
    render(RunsView, { props: { app } });
    const lambdas = (id: string) => within(screen.getAllByTestId('run-row').find((r) => r.dataset.run === id)!).getByTestId('run-lambdas').textContent;
    expect(lambdas('rr')).toBe('1e-6, 1e-6');
    expect(lambdas('std')).toBe('0, 0');
  });

  it('sorts by a column (clicking again reverses) and filters by text and status', async () => {
    render(RunsView, { props: { app } });
    const order = () => screen.queryAllByTestId('run-row').map((r) => r.dataset.run);
    await fireEvent.click(screen.getByTestId('sort-testAcc'));
    // Highest first; a run without evaluations last in either direction.
    expect(order()).toEqual(['std', 'rr', 'ort-run']);
    expect(screen.getByTestId('sort-testAcc').closest('th')!.getAttribute('aria-sort')).toBe('descending');
    await fireEvent.click(screen.getByTestId('sort-testAcc'));
    expect(order()).toEqual(['rr', 'std', 'ort-run']);
    await fireEvent.click(screen.getByTestId('sort-name'));
    expect(order()).toEqual(['ort-run', 'rr', 'std']);

    await fireEvent.input(screen.getByTestId('runs-filter'), { target: { value: 'rr 1e-6' } });
    expect(order()).toEqual(['rr']);
    expect(screen.getByTestId('runs-count').textContent).toBe('1 of 3 runs');
    await fireEvent.input(screen.getByTestId('runs-filter'), { target: { value: '' } });
    await fireEvent.change(screen.getByTestId('runs-status-filter'), { target: { value: 'failed' } });
    expect(order()).toEqual(['ort-run']);
    await fireEvent.change(screen.getByTestId('runs-status-filter'), { target: { value: 'running' } });
    expect(screen.queryAllByTestId('run-row')).toHaveLength(0);
    expect(screen.getByTestId('runs-none-match')).toBeTruthy();
  });

  it('shows the columns chosen: backend, duration, reconstruction error and the cached alignment score, computed on request', async () => {
    let computed = false;
    const handlers = {
      'svd.scores': ({ ids }: { ids: string[] }) => ({ scores: ids.map((id) => ({ id, step: 200, score: computed && id === 'std' ? 0.4321 : null })) }),
      'svd.get': () => {
        computed = true;
        return {} as never;
      },
    };
    const base = api.call.bind(api);
    api.call = (async (channel: string, payload: never) =>
      channel in handlers ? handlers[channel as keyof typeof handlers](payload) : base(channel as never, payload)) as typeof api.call;
    summaries[0]!.run = { ...summaries[0]!.run, startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:01:05Z' };
    render(RunsView, { props: { app } });
    expect(screen.queryByTestId('run-backend')).toBeNull();
    for (const c of ['backend', 'duration', 'recon', 'alignment']) await fireEvent.click(screen.getByTestId(`column-${c}`));
    const std = within(screen.getAllByTestId('run-row').find((r) => r.dataset.run === 'std')!);
    expect(std.getByTestId('run-backend').textContent).toBe('cpu');
    expect(std.getByTestId('run-duration').textContent).toBe('1 min 5 s');
    expect(std.getByTestId('run-recon').textContent).toBe('1');
    await vi.waitFor(() => expect(std.getByTestId('compute-alignment-std')).toBeTruthy());
    await fireEvent.click(std.getByTestId('compute-alignment-std'));
    await vi.waitFor(() => expect(std.getByTestId('run-alignment').textContent).toBe('0.432'));
    // Hidden again: the column goes.
    await fireEvent.click(screen.getByTestId('column-backend'));
    expect(screen.queryByTestId('run-backend')).toBeNull();
  });

  it('explains a near-zero MNIST accuracy under the reference quirks', async () => {
    const quirky = RunConfigSchema.parse({
      name: 'q',
      data: { source: { kind: 'mnist', digits: [0, 1] } },
      network: { layers: [{ units: 32 }, { units: 2, activation: 'relu', batchNorm: true }] },
      loss: { referenceQuirks: true },
      training: { steps: 200 },
    });
    summaries.push({ run: { ...run('quirky', 'completed', {}), config: quirky }, last: rec(200, 0) });
    summaries.push({ run: { ...run('normal', 'completed', {}), config: { ...quirky, loss: { ...quirky.loss, referenceQuirks: false } } }, last: rec(200, 0) });
    await app.runs.refresh();
    render(RunsView, { props: { app } });
    const row = (id: string) => within(screen.getAllByTestId('run-row').find((r) => r.dataset.run === id)!);
    expect(row('quirky').getByTestId('quirks-note').textContent).toMatch(/reference quirks.*saturate/s);
    // Names the checkbox by its label, not the config key.
    expect(row('quirky').getByTestId('quirks-note').textContent).toContain("Untick 'Reference quirks (compatibility)'");
    expect(row('quirky').getByTestId('quirks-note').textContent).not.toContain('loss.referenceQuirks');
    expect(row('normal').queryByTestId('quirks-note')).toBeNull();
    expect(row('std').queryByTestId('quirks-note')).toBeNull();
  });

  it('edits tags and notes in a dialog, shows them and filters by tag', async () => {
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    };
    const annotate = vi.fn(({ id, tags, notes }: { id: string; tags?: string[]; notes?: string }) => {
      if (tags?.some((t) => t.includes(';'))) throw new Error('tags: no semicolons here');
      const s = summaries.find((x) => x.run.id === id)!;
      s.run = { ...s.run, tags: tags!, notes: notes! };
      return { run: s.run };
    });
    const base = api.call.bind(api);
    api.call = (async (channel: string, payload: never) =>
      channel === 'runs.annotate' ? annotate(payload) : base(channel as never, payload)) as typeof api.call;
    render(RunsView, { props: { app } });
    await fireEvent.click(screen.getByTestId('annotate-rr'));
    await tick();
    await fireEvent.input(screen.getByTestId('annotate-tags'), { target: { value: 'a;b' } });
    await fireEvent.click(screen.getByTestId('annotate-save'));
    await vi.waitFor(() => expect(screen.getByTestId('annotate-error').textContent).toBe('tags: no semicolons here'));
    await fireEvent.input(screen.getByTestId('annotate-tags'), { target: { value: ' mnist ,  lambda sweep ,' } });
    await fireEvent.input(screen.getByTestId('annotate-notes'), { target: { value: 'first try at 1e-6' } });
    await fireEvent.click(screen.getByTestId('annotate-save'));
    await vi.waitFor(() => expect(screen.queryByTestId('annotate-dialog')).toBeNull());
    expect(annotate).toHaveBeenLastCalledWith({ id: 'rr', tags: ['mnist', 'lambda sweep'], notes: 'first try at 1e-6' });
    const row = () => within(screen.getAllByTestId('run-row').find((r) => r.dataset.run === 'rr')!);
    await vi.waitFor(() => expect(row().getByTestId('run-tags').textContent).toBe('mnistlambda sweep'));
    expect(row().getByTestId('run-notes').textContent).toBe('first try at 1e-6');
    await fireEvent.change(screen.getByTestId('runs-tag-filter'), { target: { value: 'mnist' } });
    expect(screen.getAllByTestId('run-row').map((r) => r.dataset.run)).toEqual(['rr']);
    await fireEvent.change(screen.getByTestId('runs-tag-filter'), { target: { value: '' } });
    await fireEvent.input(screen.getByTestId('runs-filter'), { target: { value: 'first try' } });
    expect(screen.getAllByTestId('run-row').map((r) => r.dataset.run)).toEqual(['rr']);
  });

  it('offers to resume a cancelled or interrupted run that stopped before its last step, and follows it in Live', async () => {
    summaries.push({ run: { ...run('stopped', 'cancelled', {}), lastStep: 120, checkpointSteps: [100, 120] }, last: rec(120, 0.6) });
    const resume = vi.fn(() => ({ id: 'stopped', step: 120, restored: ['weights and biases', 'Adam state (moments and step count)'], reset: [] }));
    const base = api.call.bind(api);
    api.call = (async (channel: string, payload: never) => (channel === 'runs.resume' ? resume() : base(channel as never, payload))) as typeof api.call;
    await app.runs.refresh();
    render(RunsView, { props: { app } });
    // rr (interrupted) has its checkpoint at its last step: nothing to resume.
    expect(screen.queryByTestId('resume-rr')).toBeNull();
    expect(screen.queryByTestId('resume-std')).toBeNull();
    expect(screen.getByTestId('resume-stopped').textContent).toBe('Resume from step 120');
    await fireEvent.click(screen.getByTestId('resume-stopped'));
    await vi.waitFor(() => expect(app.view).toBe('live'));
    expect(resume).toHaveBeenCalledTimes(1);
    expect(app.notices.at(-1)?.text).toBe('Resuming "stopped" from step 120: restores weights and biases, Adam state (moments and step count).');
    await vi.waitFor(() => expect(app.live.followedId).toBe('stopped'));
  });
});

describe('a large workspace', () => {
  it('loads the run list page by page, newest first, and has every run at the end', async () => {
    const many: RunSummary[] = Array.from({ length: 2 * RUNS_PAGE + 100 }, (_, i) => ({ run: { ...run(`r${i}`, 'completed', {}), id: `r${i}` }, last: null }));
    const pages = fakeApi({
      'runs.list': ({ offset = 0, limit = many.length }) => ({ runs: many.slice(offset, offset + limit), total: many.length, problems: [], queue: [] }),
    });
    const store = new AppStore(pages).runs;
    await store.refresh();
    expect(pages.calls.map((c) => c.payload)).toEqual([
      { offset: 0, limit: RUNS_PAGE },
      { offset: RUNS_PAGE, limit: RUNS_PAGE },
      { offset: 2 * RUNS_PAGE, limit: RUNS_PAGE },
    ]);
    expect(store.runs.map((s) => s.run.id)).toEqual(many.map((s) => s.run.id));
  });
});
