// Worker-thread entry for checking run configs the way runs.start does
// (schema, data set, memory, a transfer's source run and shapes): a folder of
// 10,000 images per class takes seconds to check, and a sweep of 10,000 points
// is built and checked point by point; the engine process's message loop must
// not wait for either.
import { parentPort, workerData } from 'node:worker_threads';
import type { RunConfig } from '../engine/config/schema';
import { imageShape } from '../engine/data/dataset';
import { datasetLoader } from '../engine/data/load';
import { RunStore } from '../engine/store/runStore';
import { expandSweep, type SweepSpec } from '../engine/sweep/spec';
import { checkRun, prepareRun } from '../engine/train/trainer';
import { transferredParams } from '../engine/train/transfer';
import { errorMessage } from '../engine/util/errorMessage';

export type PrepareThreadResult = { ok: true; config: RunConfig; totalSteps: number } | { ok: false; error: string };
/** The configs of several runs (the reference runs of a reproduction): all checked, or the first error. */
export type PrepareManyResult = { ok: true; runs: { config: RunConfig; totalSteps: number }[] } | { ok: false; error: string };
/** A sweep's points: each one's total steps by index (the configs are built again, one at a time, as points start), and the first keys. */
export type PrepareSweepResult = { ok: true; totalSteps: number[]; keys: string[] } | { ok: false; error: string };

/** One config (with the workspace, to check a transfer's source), several, or a sweep's points. */
export type PrepareThreadData = { config: unknown; workspace?: string } | { configs: unknown[] } | { sweep: SweepSpec };

function answer(data: PrepareThreadData): PrepareThreadResult | PrepareManyResult | PrepareSweepResult {
  // Each data set is loaded once for all the configs that share it.
  const load = datasetLoader();
  if ('config' in data) {
    const p = prepareRun(data.config, load);
    let checked = p.config;
    if (checked.init && data.workspace) {
      // The source, its checkpoint and the layer shapes, as training will find them; the step taken is recorded at once.
      const t = transferredParams(new RunStore(data.workspace), checked, imageShape(p.data));
      checked = { ...checked, init: { ...checked.init, step: t.step } };
    }
    return { ok: true, config: checked, totalSteps: p.totalSteps };
  }
  if ('configs' in data) return { ok: true, runs: data.configs.map((c) => prepareRun(c, load)).map((p) => ({ config: p.config, totalSteps: p.totalSteps })) };
  const points = expandSweep(data.sweep);
  const totalSteps = points.map((point) => {
    try {
      return checkRun(point.config, load).totalSteps;
    } catch (e) {
      throw new Error(`sweep point ${point.index}${point.key ? ` (${point.key})` : ''}: ${errorMessage(e)}`);
    }
  });
  return { ok: true, totalSteps, keys: points.slice(0, 200).map((p) => p.key) };
}

let reply: PrepareThreadResult | PrepareManyResult | PrepareSweepResult;
try {
  reply = answer(workerData as PrepareThreadData);
} catch (e) {
  reply = { ok: false, error: errorMessage(e) };
}
parentPort!.postMessage(reply);
