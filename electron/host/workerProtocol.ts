// Messages between the engine service and a training process. While a run
// trains, its training process is the only writer of its run.json: the
// user's edits reach it as 'edit' messages and are answered by 'edited'.
import type { RunEdit } from '../engine/store/runEdit';
import type { RunRecord, TrainEvent } from '../engine/types';
import type { ChildHandle } from './childHandle';

export type ToWorker =
  /** resume: continue the run from its last checkpoint (trainer resumePlan) instead of starting it. */
  | { type: 'train'; workspace: string; runId: string; config: unknown; resume?: boolean }
  /** 'interrupted': the engine that started the run is gone; stop and record the run as interrupted. */
  | { type: 'cancel'; reason?: 'interrupted' }
  | { type: 'edit'; requestId: number; runId: string; edit: RunEdit };

export type FromWorker =
  | { type: 'event'; event: TrainEvent }
  | { type: 'done' }
  | { type: 'error'; message: string }
  | { type: 'edited'; requestId: number; run: RunRecord }
  | { type: 'edited'; requestId: number; error: string };

/** What the service needs of a training process: child_process.fork in browser mode, utilityProcess in Electron. */
export type WorkerHandle = ChildHandle<ToWorker, FromWorker>;

export type SpawnWorker = () => WorkerHandle;
