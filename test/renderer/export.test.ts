// @vitest-environment jsdom
// The Export dialog of the Runs view against a fake engine: prefilled from
// export.defaults, sends the chosen settings, shows progress events, the
// result or the error inline, cancels, and closes on Escape.
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestOf, ResultOf, RunSummary } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import { FIGURE_NAMES } from '../../electron/export/options';
import type { RunRecord } from '../../electron/engine/types';
import RunsView from '../../renderer/src/components/RunsView.svelte';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
import { fakeApi, type FakeApi } from './fakeApi';

vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);

function run(id: string): RunRecord {
  return {
    id,
    name: `${id} run`,
    status: 'completed',
    config: RunConfigSchema.parse({ name: id, network: { layers: [{ units: 8 }, { units: 2, activation: 'linear' }] } }),
    totalSteps: 100,
    backend: 'cpu',
    versions: {},
    createdAt: '2025-01-01T00:00:00Z',
    lastStep: 100,
    backwardSteps: [100],
    checkpointSteps: [100],
  };
}

const DEFAULT_OUT = '/ws/exports/20250101-120000.zip';
const summaries: RunSummary[] = [
  { run: run('rr'), last: null },
  { run: run('std'), last: null },
];

let api: FakeApi;
let app: AppStore;
/** The pending export: resolve or reject it from the test. */
let pending: { payload: RequestOf<'export.bundle'>; resolve: (r: ResultOf<'export.bundle'>) => void; reject: (e: Error) => void } | null;

beforeEach(async () => {
  pending = null;
  api = fakeApi({
    'runs.list': () => ({ runs: summaries, total: summaries.length, problems: [], queue: [] }),
    'runs.get': ({ id }) => ({ run: summaries.find((s) => s.run.id === id)!.run, metrics: [] }),
    'export.defaults': () => ({ out: DEFAULT_OUT, figures: [...FIGURE_NAMES] }),
    'export.bundle': (payload) => new Promise((resolve, reject) => (pending = { payload, resolve, reject })),
    'export.cancel': () => {
      pending?.reject(new Error('export cancelled: nothing was written'));
      return { cancelled: true };
    },
  });
  app = new AppStore(api);
  await app.runs.refresh();
  app.compareRunIds = ['rr', 'std'];
});

async function openDialog(): Promise<HTMLDialogElement> {
  render(RunsView, { props: { app } });
  await fireEvent.click(screen.getByTestId('export-open'));
  const dialog = (await screen.findByTestId('export-dialog')) as HTMLDialogElement;
  await vi.waitFor(() => expect((screen.getByTestId('export-out') as HTMLInputElement).value).toBe(DEFAULT_OUT));
  return dialog;
}

const checkbox = (testid: string) => screen.getByTestId(testid) as HTMLInputElement;

describe('Export dialog', () => {
  it('opens for the selected runs, prefilled from export.defaults, focus on the path', async () => {
    const dialog = await openDialog();
    expect(dialog.hasAttribute('open')).toBe(true);
    expect(dialog.getAttribute('aria-labelledby')).toBe('export-h');
    expect(screen.getByTestId('export-runs').textContent).toBe('rr run, std run');
    for (const f of FIGURE_NAMES) expect(checkbox(`export-figure-${f}`).checked).toBe(true);
    expect(checkbox('export-format-png').checked && checkbox('export-format-svg').checked).toBe(true);
    expect((screen.getByTestId('export-width') as HTMLInputElement).value).toBe('4');
    expect((screen.getByTestId('export-dpi') as HTMLInputElement).value).toBe('300');
    expect(screen.getByTestId('export-pixels').textContent).toBe('PNG 1200 × 900 px');
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('export-out')));
    expect(api.calls.filter((c) => c.channel === 'export.defaults')).toHaveLength(1);
  });

  it('sends the chosen settings, shows progress events, then the result with notes', async () => {
    await openDialog();
    await fireEvent.click(screen.getByTestId('export-figure-backward-gif'));
    await fireEvent.change(screen.getByTestId('export-unit'), { target: { value: 'cm' } });
    expect((screen.getByTestId('export-width') as HTMLInputElement).value).toBe('10.16');
    await fireEvent.input(screen.getByTestId('export-dpi'), { target: { value: '150' } });
    await fireEvent.change(screen.getByTestId('export-colormap'), { target: { value: 'grey' } });
    await fireEvent.change(screen.getByTestId('export-order'), { target: { value: 'alignment' } });
    await fireEvent.click(screen.getByTestId('export-format-svg'));
    await fireEvent.click(screen.getByTestId('export-start'));
    await vi.waitFor(() => expect(pending).not.toBeNull());
    expect(pending!.payload).toEqual({
      ids: ['rr', 'std'],
      out: DEFAULT_OUT,
      figures: FIGURE_NAMES.filter((f) => f !== 'backward-gif'),
      width: 10.16,
      height: 7.62,
      unit: 'cm',
      dpi: 150,
      colormap: 'grey',
      vectorOrder: 'alignment',
      background: 'white',
      formats: ['png'],
      overwrite: false,
    });
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('export-cancel') as HTMLButtonElement).disabled).toBe(false);
    api.emit({ type: 'export.progress', done: 3, total: 12, label: 'loss figure of rr run' });
    await tick();
    const bar = screen.getByTestId('export-progress') as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([3, 12]);
    expect(screen.getByTestId('export-progress-text').textContent).toContain('3 / 12 (25%) · loss figure of rr run');
    pending!.resolve({
      out: DEFAULT_OUT,
      files: ['README.md', 'figures/rr/loss.png', 'metrics.csv'],
      notes: ['vectors of std run (std) left out: no checkpoint'],
    });
    await vi.waitFor(() => expect(screen.getByTestId('export-result-count').textContent).toBe('3'));
    expect(screen.getByTestId('export-result-path').textContent).toBe(DEFAULT_OUT);
    expect(
      within(screen.getByTestId('export-notes'))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['vectors of std run (std) left out: no checkpoint']);
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows the engine’s error inline and checks the form before sending', async () => {
    await openDialog();
    await fireEvent.input(screen.getByTestId('export-out'), { target: { value: '  ' } });
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('export-dialog').textContent).toContain('give a .zip file or a folder to create');
    await fireEvent.input(screen.getByTestId('export-out'), { target: { value: '/tmp/b.zip' } });
    await fireEvent.click(screen.getByTestId('export-format-png'));
    await fireEvent.click(screen.getByTestId('export-format-svg'));
    expect(screen.getByTestId('export-dialog').textContent).toContain('choose png, svg or both');
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('export-format-png'));
    await fireEvent.click(screen.getByTestId('export-start'));
    await vi.waitFor(() => expect(pending).not.toBeNull());
    expect(pending!.payload.out).toBe('/tmp/b.zip');
    pending!.reject(new Error('/tmp/b.zip already exists: choose another target, or tick "replace it if it exists" to replace it'));
    await vi.waitFor(() => expect(screen.getByTestId('export-error').textContent).toMatch(/already exists/));
    expect(screen.getByTestId('export-error').getAttribute('role')).toBe('alert');
  });

  it('cancels the running export', async () => {
    await openDialog();
    await fireEvent.click(screen.getByTestId('export-start'));
    await vi.waitFor(() => expect(pending).not.toBeNull());
    await fireEvent.click(screen.getByTestId('export-cancel'));
    await vi.waitFor(() => expect(screen.getByTestId('export-error').textContent).toBe('export cancelled: nothing was written'));
    expect(api.calls.some((c) => c.channel === 'export.cancel')).toBe(true);
    expect((screen.getByTestId('export-cancel') as HTMLButtonElement).disabled).toBe(true);
  });

  it('cancels an export another window started; Export is disabled until it ends', async () => {
    await openDialog();
    expect((screen.getByTestId('export-cancel') as HTMLButtonElement).disabled).toBe(true);
    api.emit({ type: 'export.progress', done: 2, total: 10, label: 'loss figure of std run' });
    await tick();
    expect(screen.getByTestId('export-progress-text').textContent).toContain("another window's export: 2 / 10 (20%) · loss figure of std run");
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('export-cancel'));
    expect(api.calls.some((c) => c.channel === 'export.cancel')).toBe(true);
    api.emit({ type: 'export.ended' });
    await tick();
    expect(screen.queryByTestId('export-progress-box')).toBeNull();
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByTestId('export-cancel') as HTMLButtonElement).disabled).toBe(true);
  });

  it('closes on Escape and gives the focus back to the Export button; keeps Tab inside', async () => {
    const dialog = await openDialog();
    const close = screen.getByTestId('export-close');
    close.focus();
    await fireEvent.keyDown(close, { key: 'Tab' });
    expect(document.activeElement).toBe(screen.getByTestId('export-out'));
    await fireEvent.keyDown(screen.getByTestId('export-out'), { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(close);
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    await tick();
    expect(screen.queryByTestId('export-dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('export-open'));
  });
});
