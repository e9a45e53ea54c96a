// Worker-thread entry for SVD requests from the engine service: a 784x512
// decomposition must not stall the engine process's message loop.
import { parentPort, workerData } from 'node:worker_threads';
import { RunStore } from '../engine/store/runStore';
import { layerSvdMeta, type LayerSvdMeta } from '../engine/svd/runSvd';

export type SvdThreadResult = { ok: true; svd: LayerSvdMeta } | { ok: false; error: string };

const { workspace, id, layer, step } = workerData as { workspace: string; id: string; layer: number; step?: number };
let reply: SvdThreadResult;
try {
  reply = { ok: true, svd: layerSvdMeta(new RunStore(workspace), id, layer, step) };
} catch (e) {
  reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
}
parentPort!.postMessage(reply);
