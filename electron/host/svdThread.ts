// Worker-thread entry for SVD requests from the engine service: a 784x512
// decomposition must not stall the engine process's message loop. It answers
// a layer's SVD (cached, images stay files) or some of its singular vectors
// as numbers.
import { parentPort, workerData } from 'node:worker_threads';
import type { SvdVectorsView } from '../contract/contract';
import { RunStore } from '../engine/store/runStore';
import { layerSvdMeta, layerVectors, type LayerSvdMeta } from '../engine/svd/runSvd';
import { toSvdVectorsView } from './svdView';
import { errorMessage } from '../engine/util/errorMessage';

export type SvdThreadData = { workspace: string; id: string; layer: number; step?: number } & ({ kind: 'get' } | { kind: 'vectors'; indices: number[] });

export type SvdThreadResult = { ok: true; svd: LayerSvdMeta } | { ok: true; vectors: SvdVectorsView } | { ok: false; error: string };

const d = workerData as SvdThreadData;
let reply: SvdThreadResult;
try {
  const store = new RunStore(d.workspace);
  reply =
    d.kind === 'vectors'
      ? { ok: true, vectors: toSvdVectorsView(layerVectors(store, d.id, d.layer, d.step, d.indices)) }
      : { ok: true, svd: layerSvdMeta(store, d.id, d.layer, d.step) };
} catch (e) {
  reply = { ok: false, error: errorMessage(e) };
}
parentPort!.postMessage(reply);
