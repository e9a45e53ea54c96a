// Messages between the engine service and its training process.
import type { TrainEvent } from '../engine/types';

export type ToWorker = { type: 'train'; workspace: string; runId: string; config: unknown } | { type: 'cancel' };
export type FromWorker = { type: 'event'; event: TrainEvent } | { type: 'done' } | { type: 'error'; message: string };

/** What the service needs of a training process: child_process.fork in browser mode, utilityProcess in Electron. */
export interface WorkerHandle {
  send(msg: ToWorker): void;
  onMessage(cb: (msg: FromWorker) => void): void;
  /** Called once when the process ends; `detail` carries the exit code/signal and the tail of its stderr. */
  onExit(cb: (detail: string) => void): void;
  kill(): void;
}

export type SpawnWorker = () => WorkerHandle;
