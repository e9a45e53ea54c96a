// @vitest-environment jsdom
// Runs shown together never share a colour (issue: peak_Ort and peak_RR were
// both #e15759 in the runs list, the overlays and the exports), and a run has
// the same colour in the list as where it is compared.
import { render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import { makeRunId } from '../../electron/engine/store/layout';
import type { RunRecord } from '../../electron/engine/types';
import { runColor } from '../../electron/figures/runColors';
import RunsView from '../../renderer/src/components/RunsView.svelte';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
import { fakeApi } from './fakeApi';

vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);

const config = RunConfigSchema.parse({ network: { layers: [{ units: 8 }, { units: 2, activation: 'linear' }] }, training: { steps: 10 } });
const record = (id: string, name: string, at: Date): RunRecord => ({
  id,
  name,
  status: 'completed',
  config: { ...config, name, network: { ...config.network, layers: config.network.layers.map((l) => ({ ...l, lambda: name.endsWith('RR') ? 1e-6 : 0 })) } },
  totalSteps: 10,
  backend: 'cpu',
  versions: {},
  createdAt: at.toISOString(),
  lastStep: 10,
  backwardSteps: [],
  checkpointSteps: [],
});

/** peak_Ort and then peak_RR a few seconds later whose ids hash to the same colour (as in the report). */
function twins(): RunRecord[] {
  for (let s = 0; ; s++) {
    const t1 = new Date(Date.UTC(2026, 11, 1, 10, 0, s));
    const t2 = new Date(t1.getTime() + 3000);
    const a = makeRunId('peak_Ort', t1, '0000');
    const b = makeRunId('peak_RR', t2, '0000');
    if (runColor(a) === runColor(b)) return [record(a, 'peak_Ort', t1), record(b, 'peak_RR', t2)];
  }
}

describe('run colours in the app', () => {
  it('differ between two runs whose ids hash to one colour, the same in the runs list and in Compare', async () => {
    const runs = twins();
    const summaries: RunSummary[] = runs.map((run) => ({ run, last: null }));
    const app = new AppStore(fakeApi({ 'runs.list': () => ({ runs: summaries, total: summaries.length, problems: [], queue: [] }) }));
    await app.runs.refresh();
    render(RunsView, { props: { app } });
    await tick();
    const listed = screen.getAllByTestId('run-row').map((row) => [row.dataset.run, within(row).getByTestId('run-swatch').dataset.color]);
    const colours = new Map(listed as [string, string][]);
    expect(colours.size).toBe(2);
    expect(new Set(colours.values()).size).toBe(2);
    app.compareRunIds = runs.map((r) => r.id);
    await tick();
    const compared = within(screen.getByTestId('compare-panel'))
      .getAllByTestId('run-swatch')
      .map((s) => s.dataset.color);
    expect(compared).toEqual(runs.map((r) => colours.get(r.id)));
  });
});
