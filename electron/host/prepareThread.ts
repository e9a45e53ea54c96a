// Worker-thread entry for checking a run config the way runs.start does
// (schema, data set, memory): a folder of 10,000 images per class takes
// seconds to check, and the engine process's message loop must not wait.
import { parentPort, workerData } from 'node:worker_threads';
import type { RunConfig } from '../engine/config/schema';
import { prepareRun } from '../engine/train/trainer';
import { errorMessage } from '../engine/util/errorMessage';

export type PrepareThreadResult = { ok: true; config: RunConfig; totalSteps: number } | { ok: false; error: string };

let reply: PrepareThreadResult;
try {
  const p = prepareRun((workerData as { config: unknown }).config);
  reply = { ok: true, config: p.config, totalSteps: p.totalSteps };
} catch (e) {
  reply = { ok: false, error: errorMessage(e) };
}
parentPort!.postMessage(reply);
