// Worker-thread entry for a sweep's results: the SVD alignment score of every
// completed point (computed once per run, then cached) must not stall the
// process that serves the UI.
import { parentPort, workerData } from 'node:worker_threads';
import { RunStore } from '../engine/store/runStore';
import { sweepResults } from '../engine/sweep/results';
import type { SweepStatus } from '../engine/sweep/sweepStore';
import { errorMessage } from '../engine/util/errorMessage';

const { workspace, status } = workerData as { workspace: string; status: SweepStatus };
try {
  parentPort!.postMessage({ ok: true, results: sweepResults(new RunStore(workspace), status) });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: errorMessage(e) });
}
