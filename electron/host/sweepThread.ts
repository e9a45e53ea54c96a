// Worker-thread entry for a sweep's results: the SVD alignment score of every
// completed point (computed once per run, then cached) must not stall the
// process that serves the UI.
import { parentPort, workerData } from 'node:worker_threads';
import { RunStore } from '../engine/store/runStore';
import { collectSweepResults } from '../engine/sweep/results';
import type { ExternalPointState } from '../engine/sweep/sweepStore';

const { workspace, id, external } = workerData as { workspace: string; id: string; external: [number, ExternalPointState][] };
try {
  parentPort!.postMessage({ ok: true, results: collectSweepResults(new RunStore(workspace), id, { external: new Map(external) }) });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
