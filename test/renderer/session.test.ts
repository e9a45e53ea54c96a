// @vitest-environment jsdom
// The edited Experiment form, the runs picked in Backward and SVD and the
// sweep form come back after a reload (a new AppStore on the same engine):
// saved through ui.save, read through ui.load, per workspace on the engine side.
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { RunRecord } from '../../electron/engine/types';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
import { restore, sameShape } from '../../renderer/src/lib/stores/session.svelte';
import { defaultForm } from '../../renderer/src/lib/form';
import { fakeApi } from './fakeApi';

const run = (id: string): RunSummary => ({
  run: {
    id,
    name: id,
    status: 'completed',
    config: RunConfigSchema.parse({ name: id, network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] } }),
    totalSteps: 10,
    backend: 'cpu',
    versions: {},
    createdAt: '2025-01-01T00:00:00Z',
    lastStep: 10,
    backwardSteps: [10],
    checkpointSteps: [10],
  } as RunRecord,
  last: null,
});

/** An engine that keeps the saved state like the real one (in memory here; in the workspace there). */
function engine(runs: RunSummary[]) {
  let saved: Record<string, unknown> | null = null;
  const api = fakeApi({
    'app.info': () => ({ version: '0', backend: 'cpu', backends: ['cpu'], workspace: '/w', platform: 'x', mode: 'browser' }),
    'presets.list': () => ({ presets: [] }),
    'runs.list': () => ({ runs, total: runs.length, problems: [], queue: [] }),
    'ui.load': () => ({ state: saved }),
    'ui.save': ({ state }) => ((saved = state), {}),
  });
  return { api, saved: () => saved };
}

describe('the session of a workspace', () => {
  it('brings back the edited form, the Backward and SVD picks and the sweep form after a reload', async () => {
    const e = engine([run('a'), run('b')]);
    const first = new AppStore(e.api);
    await first.init();
    first.experiment.form.layers[0]!.units = '256';
    first.experiment.form.layers[1]!.lambda = '3e-7';
    first.experiment.form.name = 'my-rr-256-2';
    first.backwardRunIds = ['b', 'a'];
    first.svdRunIds = ['a'];
    first.sweeps.form.name = 'my sweep';
    flushSync();
    await vi.waitFor(() => expect((e.saved()?.form as { name?: string } | undefined)?.name).toBe('my-rr-256-2'));
    await vi.waitFor(() => expect(e.saved()?.svdRunIds).toEqual(['a']));
    first.destroy();

    const second = new AppStore(e.api);
    await second.init();
    expect(second.experiment.form.layers.map((l) => [l.units, l.lambda])).toEqual([
      ['256', first.experiment.form.layers[0]!.lambda],
      ['2', '3e-7'],
    ]);
    expect(second.experiment.form.name).toBe('my-rr-256-2');
    expect(second.experiment.validation.ok).toBe(true);
    expect(second.backwardRunIds).toEqual(['b', 'a']);
    expect(second.svdRunIds).toEqual(['a']);
    expect(second.sweeps.form.name).toBe('my sweep');
    second.destroy();
  });

  it('leaves out what does not have today’s shape, and runs that are gone', () => {
    const host = { experiment: { form: defaultForm() }, sweeps: { form: { name: 's', axes: [] } }, backwardRunIds: [] as string[], svdRunIds: [] as string[] };
    const before = host.experiment.form;
    restore(host, { v: 1, form: { name: 'old', layers: 'not a list' }, backwardRunIds: ['gone', 'a'], svdRunIds: [1] }, new Set(['a']));
    expect(host.experiment.form).toBe(before);
    expect(host.backwardRunIds).toEqual(['a']);
    expect(host.svdRunIds).toEqual([]);
    expect(sameShape({ a: [{ b: 1 }] }, { a: [{ b: 0 }] })).toBe(true);
    expect(sameShape({ a: [{ b: '1' }] }, { a: [{ b: 0 }] })).toBe(false);
  });
});
