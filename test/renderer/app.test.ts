// @vitest-environment jsdom
// The app shell: view navigation by keyboard, the shortcuts overlay, and the
// Backward view's keys whichever element has the focus.
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { RunRecord } from '../../electron/engine/types';
import App from '../../renderer/src/App.svelte';
import { fakeApi, type Handlers } from './fakeApi';

vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);
HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
  this.setAttribute('open', '');
};

const png = 'data:image/png;base64,iVBORw0KGgo=';
function runRec(id: string, backwardSteps: number[]): RunRecord {
  return {
    id,
    name: id,
    status: 'completed',
    config: RunConfigSchema.parse({ name: id, network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] }, training: { steps: 40 } }),
    totalSteps: 40,
    backend: 'cpu',
    versions: {},
    createdAt: `2025-01-0${id.length}T00:00:00Z`,
    lastStep: 40,
    backwardSteps,
    checkpointSteps: [],
    dataInfo: { name: 'peak', height: 28, width: 28, classNames: ['a', 'b'], trainCount: 4, testCount: 2 },
  };
}

function mount(runs: RunSummary[], more: Handlers = {}) {
  const api = fakeApi({
    ...more,
    'app.info': () => ({ version: '0', backend: 'cpu', backends: ['cpu'], workspace: '/w', platform: 'x', mode: 'browser' }),
    'presets.list': () => ({ presets: [] }),
    'runs.list': () => ({ runs, total: runs.length, problems: [], queue: [] }),
    'runs.get': ({ id }) => ({ run: runs.find((r) => r.run.id === id)!.run, metrics: [] }),
    'runs.backward': ({ id, step }) => ({
      step,
      steps: runs.find((r) => r.run.id === id)!.run.backwardSteps,
      inputs: [png, png],
      outputs: [png, png],
      features: [],
    }),
  });
  render(App, { props: { connection: { api, mode: 'browser', fileUrl: (ref) => ref } } });
  return api;
}

const stepText = () => screen.getByTestId('backward-step').textContent;

describe('keyboard', () => {
  it('←/→ step the Backward images even with the focus on the view list, which moves with ↑/↓ only', async () => {
    mount([{ run: runRec('a', [0, 10, 20]), last: null }]);
    const tab = await screen.findByTestId('nav-backward');
    await fireEvent.click(tab);
    tab.focus();
    await vi.waitFor(() => expect(stepText()).toMatch(/^step 20 /));
    await fireEvent.keyDown(tab, { key: 'ArrowLeft' });
    expect(screen.getByTestId('backward-view')).toBeTruthy();
    expect(stepText()).toMatch(/^step 10 /);
    await fireEvent.keyDown(tab, { key: 'ArrowRight' });
    expect(stepText()).toMatch(/^step 20 /);
    await fireEvent.keyDown(tab, { key: 'ArrowDown' });
    expect(screen.getByTestId('svd-view')).toBeTruthy();
  });

  it('names the run of the Backward images when it shows one run alone', async () => {
    mount([{ run: runRec('alone', [0, 10]), last: null }]);
    await fireEvent.click(await screen.findByTestId('nav-backward'));
    await vi.waitFor(() => expect(screen.getAllByTestId('backward-run-frames')).toHaveLength(1));
    expect(screen.getByTestId('backward-run-title').textContent).toContain('alone');
  });

  it('closes the "Runs shown" popovers of Live and Backward on Escape and on a click outside', async () => {
    mount([{ run: runRec('a', [0, 10]), last: null }]);
    for (const [view, id] of [
      ['nav-live', 'live-picker'],
      ['nav-backward', 'backward-picker'],
    ] as const) {
      await fireEvent.click(await screen.findByTestId(view));
      const picker = (await screen.findByTestId(id)) as HTMLDetailsElement;
      picker.open = true;
      await fireEvent.keyDown(picker.querySelector('input') ?? picker, { key: 'Escape' });
      expect(picker.open, `${id} after Escape`).toBe(false);
      expect(document.activeElement).toBe(picker.querySelector('summary'));
      picker.open = true;
      await fireEvent.click(picker.querySelector('fieldset') ?? picker);
      expect(picker.open, `${id} after a click inside`).toBe(true);
      await fireEvent.click(document.body);
      expect(picker.open, `${id} after a click outside`).toBe(false);
    }
  });

  it('shows several runs side by side at one step (each at its latest step before it)', async () => {
    mount([
      { run: runRec('a', [0, 10, 20]), last: null },
      { run: runRec('bb', [0, 15]), last: null },
    ]);
    await fireEvent.click(await screen.findByTestId('nav-backward'));
    // The newest run is shown by default; tick the other one too.
    await vi.waitFor(() => expect((screen.getByTestId('backward-pick-bb') as HTMLInputElement).checked).toBe(true));
    await fireEvent.click(screen.getByTestId('backward-pick-a'));
    await vi.waitFor(() => expect(screen.getAllByTestId('backward-run-frames')).toHaveLength(2));
    // Steps of both runs: 0, 10, 15, 20; at 20, run bb shows its step 15.
    await vi.waitFor(() => expect(stepText()).toBe('step 20 (4/4)'));
    const bb = screen.getAllByTestId('backward-run-frames').find((s) => s.dataset.run === 'bb')!;
    await vi.waitFor(() => expect(within(bb).getAllByTestId('backward-output')[0]!.getAttribute('alt')).toBe('reconstruction of test input 1 at step 15'));
    expect(bb.textContent).toContain('(at step 15, its latest before 20)');
    expect(screen.getByTestId('intensity-scale').textContent).toMatch(/black 0, white 255/);
  });

  it('? shows the shortcuts, digits go to a view, and neither acts while typing', async () => {
    mount([]);
    await screen.findByTestId('experiment-panel');
    await fireEvent.keyDown(document.body, { key: '?' });
    await tick();
    expect(screen.getByTestId('shortcuts-dialog').textContent).toMatch(/← →.*previous \/ next evaluation step/s);
    // Every digit that opens a view is listed (6 opens Sweeps; the list said 1 … 5).
    expect(screen.getByTestId('shortcuts-dialog').textContent).toContain('1 … 7go to Experiment, Live, Backward, SVD, Runs, Sweeps, Info plane');
    await fireEvent.keyDown(document.body, { key: '?' });
    await tick();
    expect(screen.queryByTestId('shortcuts-dialog')).toBeNull();
    await fireEvent.keyDown(document.body, { key: '5' });
    expect(await screen.findByTestId('runs-view')).toBeTruthy();
    await fireEvent.keyDown(screen.getByTestId('runs-filter'), { key: '2' });
    expect(screen.getByTestId('runs-view')).toBeTruthy();
    await fireEvent.keyDown(document.body, { key: '6' });
    expect(await screen.findByTestId('sweeps-view')).toBeTruthy();
    await fireEvent.keyDown(document.body, { key: '7' });
    expect(await screen.findByTestId('infoplane-view')).toBeTruthy();
  });
});

describe('reproduce from the app', () => {
  it('queues the six reference runs with one click, shows them together in Live, and ends in the SVD comparison', async () => {
    const ids = ['MNIST_Std', 'MNIST_Ort', 'MNIST_RR', 'peak_Std', 'peak_Ort', 'peak_RR'].map((n) => `20260101-00000${n.length % 10}-${n}-0000`);
    const runs: RunSummary[] = [];
    const api = fakeApi({
      'app.info': () => ({ version: '0', backend: 'cpu', backends: ['cpu'], workspace: '/w', platform: 'x', mode: 'browser' }),
      'presets.list': () => ({ presets: [{ id: 'MNIST_Std', label: 'MNIST Std', description: '', config: runRec('MNIST_Std', []).config }] }),
      'runs.list': () => ({ runs, total: runs.length, problems: [], queue: [] }),
      'runs.get': ({ id }) => ({ run: runs.find((r) => r.run.id === id)!.run, metrics: [] }),
      'reproduce.start': () => {
        for (const id of ids) runs.push({ run: { ...runRec(id, []), status: 'queued' }, last: null });
        return { ids };
      },
      'svd.get': () => new Promise(() => {}),
    });
    render(App, { props: { connection: { api, mode: 'browser', fileUrl: (ref) => ref } } });
    await fireEvent.click(await screen.findByTestId('reproduce'));
    await vi.waitFor(() => expect(screen.getAllByTestId('live-row').map((r) => r.dataset.run)).toEqual(ids));
    expect(screen.queryByTestId('reproduce')).toBeNull(); // in Live now
    // They end (two at a time in the engine): the last one opens the comparison.
    for (const [i, id] of ids.entries()) {
      runs[i]!.run.status = 'completed';
      api.emit({ type: 'train', event: { type: 'finished', runId: id, status: 'completed' } });
      await tick();
      if (i < ids.length - 1) expect(screen.queryByTestId('svd-view')).toBeNull();
    }
    await screen.findByTestId('svd-view');
    await vi.waitFor(() => expect(screen.getAllByTestId('svd-grid-row').map((r) => r.dataset.run)).toEqual(ids));
    expect(api.calls.filter((c) => c.channel === 'reproduce.start')).toHaveLength(1);
  });
});

describe('Live explains a reference run', () => {
  it('says why a finished MNIST reference run is at 50% (the reference quirks), in Live itself', async () => {
    const run: RunRecord = {
      ...runRec('MNIST_RR', [10]),
      config: RunConfigSchema.parse({
        name: 'MNIST_RR',
        data: { source: { kind: 'mnist', digits: [0, 1], trainPerClass: 1, testPerClass: 1 } },
        network: { layers: [{ units: 4 }, { units: 2, activation: 'relu', batchNorm: true }] },
        loss: { referenceQuirks: true },
        training: { steps: 40 },
      }),
    };
    const last = {
      step: 40,
      epoch: 40,
      elapsed: 1,
      stepsPerSec: 40,
      loss: { total: 0.7, ce: 0.7, rr: [0, 0], ort: 0 },
      trainAccuracy: 0.5,
      testAccuracy: 0.5,
      testRecon: [1, 1],
    };
    const api = fakeApi({
      'app.info': () => ({ version: '0', backend: 'cpu', backends: ['cpu'], workspace: '/w', platform: 'x', mode: 'browser' }),
      'presets.list': () => ({ presets: [] }),
      'runs.list': () => ({ runs: [{ run, last }], total: 1, problems: [], queue: [] }),
      'runs.get': () => ({ run, metrics: [last] }),
    });
    render(App, { props: { connection: { api, mode: 'browser', fileUrl: (ref) => ref } } });
    await fireEvent.click(await screen.findByTestId('nav-live'));
    const note = await screen.findByTestId('live-quirks-note');
    expect(note.textContent).toMatch(/^Test accuracy 50\.0%: Expected with the reference quirks: .*Untick 'Reference quirks \(compatibility\)'/);
  });
});

describe('engine down', () => {
  it('offers "Restart engine" while the engine keeps failing, and restarts it through engine.restart', async () => {
    const api = mount([], { 'engine.restart': () => ({ pid: 42 }) });
    await screen.findByTestId('experiment-panel');
    expect(screen.queryByTestId('engine-restart')).toBeNull();
    api.emit({
      type: 'engine',
      state: 'stopped',
      message: 'the engine process stopped unexpectedly (exit 1); it keeps failing: the workbench starts it again in 4 s',
    });
    await fireEvent.click(await screen.findByTestId('engine-restart'));
    await vi.waitFor(() => expect(screen.queryByTestId('engine-restart')).toBeNull());
    expect(api.calls.filter((c) => c.channel === 'engine.restart')).toHaveLength(1);
    // The runs are read again from the new engine.
    expect(api.calls.filter((c) => c.channel === 'runs.list').length).toBeGreaterThanOrEqual(2);
  });

  it('takes the offer back when the workbench restarted the engine by itself', async () => {
    const api = mount([]);
    await screen.findByTestId('experiment-panel');
    api.emit({ type: 'engine', state: 'stopped', message: 'it keeps failing' });
    expect(await screen.findByTestId('engine-down')).toBeTruthy();
    api.emit({ type: 'engine', state: 'restarted', message: 'a new engine process has started after a pause' });
    await vi.waitFor(() => expect(screen.queryByTestId('engine-down')).toBeNull());
  });
});
