// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { flushSync, tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../electron/contract/contract';
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
    'runs.list': () => ({ runs: summaries, problems: [], queue: [] }),
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
    expect(keys).toEqual(['loss.lambdaOrt']);
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
});
