// Worker-thread entry for SVD requests from the engine service.
import { parentPort, workerData } from 'node:worker_threads';
import { RunStore } from '../engine/store/runStore';
import { computeLayerSvd } from '../engine/svd/runSvd';
import { toSvdView } from './svdView';

const { workspace, id, layer, step } = workerData as { workspace: string; id: string; layer: number; step?: number };
try {
  const view = toSvdView(computeLayerSvd(new RunStore(workspace), id, layer, step));
  parentPort!.postMessage({ ok: true, view });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
