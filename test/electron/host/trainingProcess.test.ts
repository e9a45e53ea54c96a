// The training process (compiled trainingProcess.js, forked; npm test builds
// first) is told a run id only: it trains the config the engine stored.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../electron/engine/config/schema';
import { RunStore } from '../../../electron/engine/store/runStore';
import { forkTrainingProcess } from '../../../electron/host/forkTrainingProcess';
import type { FromTraining } from '../../../electron/host/trainingProtocol';
import { tempDir } from '../../helpers/tmp';

describe('training process', () => {
  it('reads the stored config of the run it is told to train', async () => {
    const store = new RunStore(tempDir());
    const config = parseRunConfig({
      name: 'from the store',
      data: { source: { kind: 'peak', trainPerClass: 5, testPerClass: 2 } },
      network: { layers: [{ units: 6 }, { units: 2, activation: 'linear' }] },
      training: { steps: 7, evalEvery: 7, checkpointEvery: 0, backwardSamples: 0 },
    });
    const { id } = store.createRun(config, { totalSteps: 7, backend: null, versions: {} });
    store.updateRun(id, { status: 'queued' });
    const t = forkTrainingProcess();
    const got: FromTraining[] = [];
    t.onMessage((m) => got.push(m));
    const exited = new Promise<string>((resolve) => t.onExit(resolve));
    t.send({ type: 'train', workspace: store.workspace, runId: id });
    expect(await exited).toMatch(/^exit 0/);
    expect(got.filter((m) => m.type === 'error')).toEqual([]);
    expect(got.at(-1)).toEqual({ type: 'done' });
    expect(store.get(id)).toMatchObject({ status: 'completed', name: 'from the store', lastStep: 7, config });
  });
});
