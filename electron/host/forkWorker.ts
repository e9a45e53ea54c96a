import { compiledScript } from '../engine/util/compiled';
import { forkChild } from './childHandle';
import type { FromWorker, ToWorker, WorkerHandle } from './workerProtocol';

/** A training process: child_process.fork of the compiled worker. */
export function forkWorker(script = compiledScript(__dirname, 'worker.js')): WorkerHandle {
  return forkChild<ToWorker, FromWorker>(script);
}
