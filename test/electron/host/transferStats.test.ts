// The engine service's transfer checks and statistics over runs, with real
// training processes: runs.validate / runs.start refuse a transfer that
// cannot work in the engine's one line before a run exists, record the step
// taken, and runs.stats groups runs by mode with the export's tables.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../../electron/engine/config/schema';
import { summarize, welch } from '../../../electron/engine/stats/summary';
import { RunStore } from '../../../electron/engine/store/runStore';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { call } from '../../helpers/contract';
import { tempDir } from '../../helpers/tmp';

const config = (name: string, seed: number, lambda: number, out = 2, init?: RunConfigInput['init']): RunConfigInput => ({
  name,
  seed,
  data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3 } },
  network: {
    layers: [
      { units: 12, activation: 'relu', batchNorm: true, lambda },
      { units: out, activation: 'linear', lambda },
    ],
  },
  training: { steps: 40, evalEvery: 20, checkpointEvery: 20, backwardSamples: 2, optimizer: { kind: 'adam', learningRate: 1e-3 } },
  ...(init ? { init } : {}),
});

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

function finished(s: EngineService, id: string): Promise<string> {
  return new Promise((resolve) => {
    s.onEvent((e) => e.type === 'train' && e.event.type === 'finished' && e.event.runId === id && resolve(e.event.status));
  });
}

async function train(s: EngineService, c: RunConfigInput): Promise<string> {
  const { id } = await call(s, 'runs.start', { config: c });
  const done = finished(s, id);
  const st = new RunStore(s.workspace).get(id).status;
  if (st !== 'completed') expect(await done).toBe('completed');
  return id;
}

describe('transfer through the engine service', () => {
  it('refuses a transfer that cannot work in one line, writing nothing, and records the step a started one takes', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const source = await train(service, config('source', 1, 0));
    const runs = () => fs.readdirSync(path.join(service!.workspace, 'runs')).sort();
    const before = runs();
    const validate = async (init: RunConfigInput['init'], out = 3) => call(service!, 'runs.validate', { config: config('t', 1, 0, out, init) as never });
    expect(await validate({ fromRun: 'nope' })).toEqual({
      ok: false,
      error: 'init.fromRun: there is no run "nope" in this workspace (racecar runs lists them)',
    });
    expect(await validate({ fromRun: source, step: 7 })).toEqual({
      ok: false,
      error: `init.step: run "${source}" has no checkpoint at step 7 (it has 20, 40)`,
    });
    expect(await validate({ fromRun: source, layers: [1, 2] })).toEqual({
      ok: false,
      error: `init.layers: layer 2 is 12x3 here and 12x2 in run "${source}": leave it out of init.layers`,
    });
    await expect(call(service, 'runs.start', { config: config('t', 1, 0, 3, { fromRun: source, freeze: [2] }) })).rejects.toThrow(
      `init.freeze: layer 2 is not transferred (its shape differs in run "${source}"), so it cannot be frozen`,
    );
    expect(runs()).toEqual(before);
    // Without a step: the source's last checkpoint, recorded in the queued run's config at once.
    const ok = await validate({ fromRun: source, freeze: [1] });
    expect(ok.ok && ok.config.init).toEqual({ fromRun: source, step: 40, freeze: [1] });
    const id = await train(service, config('fine-tune', 1, 0, 3, { fromRun: source, step: 20, layers: [1], freeze: [1] }));
    expect(new RunStore(service.workspace).get(id).config.init).toEqual({ fromRun: source, step: 20, layers: [1], freeze: [1] });
  }, 120_000);
});

describe('runs.stats', () => {
  it('groups the runs by mode over their seeds, tests the modes, and gives the CSV and LaTeX tables', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const ids = { Std: [] as string[], RR: [] as string[] };
    for (const seed of [1, 2, 3]) {
      ids.Std.push(await train(service, config(`std-${seed}`, seed, 0)));
      ids.RR.push(await train(service, config(`rr-${seed}`, seed, 1e-3)));
    }
    const store = new RunStore(service.workspace);
    const acc = (list: string[]) => list.map((id) => store.readMetrics(id).at(-1)!.testAccuracy);
    const recon = (list: string[]) => list.map((id) => store.readMetrics(id).at(-1)!.testRecon[0]);
    const s = await call(service, 'runs.stats', { ids: [...ids.RR, ...ids.Std] });
    expect(s.groups.map((g) => [g.mode, g.runs.length])).toEqual([
      ['Std', 3],
      ['RR', 3],
    ]);
    const std = s.groups[0].metrics;
    expect(std.testAccuracy.mean).toBeCloseTo(summarize(acc(ids.Std)).mean, 12);
    expect(std.recon.ci95).toBeCloseTo(summarize(recon(ids.Std)).ci95, 12);
    // Every run has a checkpoint: the alignment score is there for all six.
    expect(s.groups.map((g) => g.metrics.alignment.n)).toEqual([3, 3]);
    const t = s.tests.find((x) => x.metric === 'recon')!;
    expect([t.a, t.b]).toEqual(['Std', 'RR']);
    expect(t.test.p).toBeCloseTo(welch(recon(ids.Std), recon(ids.RR))!.p, 12);
    const csv = s.csv.trim().split('\n');
    expect(csv[0]).toBe('kind,mode,versus,metric,n,mean,sd,ci95_low,ci95_high,t,df,p');
    expect(csv.filter((l) => l.startsWith('summary,'))).toHaveLength(6);
    expect(csv.filter((l) => l.startsWith('welch,Std,RR,'))).toHaveLength(3);
    expect(s.latex).toContain('\\toprule');
    expect(s.latex).toMatch(/^Std & 3 & \$/m);
    await expect(call(service, 'runs.stats', { ids: ['no-such-run'] })).rejects.toThrow(/no-such-run/);
    await expect(call(service, 'runs.stats', { ids: [] })).rejects.toThrow('runs.stats: ids: select at least one run');
  }, 180_000);
});
