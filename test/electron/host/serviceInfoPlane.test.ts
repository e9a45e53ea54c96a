// The engine service's side of Pre and information planes: presets.list
// offers the Pre presets, runs.infoPlane serves what the runs recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { RunStore } from '../../../electron/engine/store/runStore';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { call } from '../../helpers/contract';
import { smallConfig } from '../../export/helpers';

let service: EngineService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('engine service: Pre and information planes', () => {
  it('presets.list has peak_Pre and MNIST_Pre with their pretraining', async () => {
    service = createEngineService({ workspace: tempDir(), mode: 'browser' });
    const { presets } = await call(service, 'presets.list', {});
    for (const id of ['peak_Pre', 'MNIST_Pre']) expect(presets.find((p) => p.id === id)?.config.training?.pretrain?.stepsPerLayer).toBeGreaterThan(0);
  });

  it("runs.infoPlane: each run's evaluations with an information plane, in the order asked; none for a run without; unknown runs named", async () => {
    const workspace = tempDir();
    const store = new RunStore(workspace);
    const c = smallConfig('ip');
    const withPlanes = await trainToEnd({ ...c, training: { ...c.training, steps: 20, infoPlane: { bins: 5, samples: 6 } } }, { store });
    const without = await trainToEnd({ ...c, training: { ...c.training, steps: 10 } }, { store });
    service = createEngineService({ workspace, mode: 'browser' });
    const r = await call(service, 'runs.infoPlane', { ids: [without.id, withPlanes.id] });
    expect(r.runs.map((x) => x.id)).toEqual([without.id, withPlanes.id]);
    expect(r.runs[0]!.evaluations).toEqual([]);
    const recorded = store.readMetrics(withPlanes.id).map((m) => ({ step: m.step, ...m.infoPlane! }));
    expect(r.runs[1]!.evaluations).toEqual(recorded);
    expect(recorded.map((e) => [e.step, e.bins, e.samples, e.forward.length, e.reverse.length])).toEqual([
      [0, 5, 6, 2, 2],
      [10, 5, 6, 2, 2],
      [20, 5, 6, 2, 2],
    ]);
    await expect(call(service, 'runs.infoPlane', { ids: ['no-such-run'] })).rejects.toThrow(/no-such-run/);
    await expect(call(service, 'runs.infoPlane', { ids: [] })).rejects.toThrow(/runs.infoPlane: ids: ask for at least one run/);
  });
});
