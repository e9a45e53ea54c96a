// Worker-thread entry for SVD requests from the engine service: a layer's
// SVD (cached) or some of its singular vectors as numbers.
import { parentPort, workerData } from 'node:worker_threads';
import { RunStore } from '../engine/store/runStore';
import { computeLayerSvd, layerVectors } from '../engine/svd/runSvd';
import { toSvdVectorsView, toSvdView } from './svdView';

export type SvdThreadData = { workspace: string; id: string; layer: number; step?: number } & ({ kind: 'get' } | { kind: 'vectors'; indices: number[] });

const d = workerData as SvdThreadData;
try {
  const store = new RunStore(d.workspace);
  const view =
    d.kind === 'vectors' ? toSvdVectorsView(layerVectors(store, d.id, d.layer, d.step, d.indices)) : toSvdView(computeLayerSvd(store, d.id, d.layer, d.step));
  parentPort!.postMessage({ ok: true, view });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
