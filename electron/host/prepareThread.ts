// Worker-thread entry for checking a run config the way runs.start does
// (schema, data set, memory, a transfer's source run and shapes): a folder of
// 10,000 images per class takes seconds to check, and the engine process's
// message loop must not wait.
import { parentPort, workerData } from 'node:worker_threads';
import type { RunConfig } from '../engine/config/schema';
import { imageShape } from '../engine/data/dataset';
import { RunStore } from '../engine/store/runStore';
import { prepareRun } from '../engine/train/trainer';
import { transferredParams } from '../engine/train/transfer';
import { errorMessage } from '../engine/util/errorMessage';

export type PrepareThreadResult = { ok: true; config: RunConfig; totalSteps: number } | { ok: false; error: string };

const { config, workspace } = workerData as { config: unknown; workspace: string };
let reply: PrepareThreadResult;
try {
  const p = prepareRun(config);
  let checked = p.config;
  if (checked.init) {
    // The source, its checkpoint and the layer shapes, as training will find them; the step taken is recorded at once.
    const t = transferredParams(new RunStore(workspace), checked, imageShape(p.data));
    checked = { ...checked, init: { ...checked.init, step: t.step } };
  }
  reply = { ok: true, config: checked, totalSteps: p.totalSteps };
} catch (e) {
  reply = { ok: false, error: errorMessage(e) };
}
parentPort!.postMessage(reply);
