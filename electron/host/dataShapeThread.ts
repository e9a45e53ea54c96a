// Worker-thread entry for reading a data source's image shape (the layer
// editor's input shape for an image folder): loading a large folder takes
// seconds, and the engine process's message loop must not wait.
import { parentPort, workerData } from 'node:worker_threads';
import type { DataSource } from '../engine/config/schema';
import { imageShape } from '../engine/data/dataset';
import { loadDataset } from '../engine/data/load';
import { errorMessage } from '../engine/util/errorMessage';

export type DataShapeThreadResult = { ok: true; shape: [number, number, number]; classes: number } | { ok: false; error: string };

let reply: DataShapeThreadResult;
try {
  const d = loadDataset((workerData as { source: DataSource }).source);
  reply = { ok: true, shape: imageShape(d), classes: d.classNames.length };
} catch (e) {
  reply = { ok: false, error: errorMessage(e) };
}
parentPort!.postMessage(reply);
