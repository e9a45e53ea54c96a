// Messages between the engine service and a training process. While a run
// trains, its training process is the only writer of its run.json: the
// user's edits reach it as 'edit' messages and are answered by 'edited'.
// In browser mode the engine process forks its training processes and talks
// over the fork's IPC channel; in the desktop app main starts them (a
// utilityProcess is main-only) and hands each end of a MessageChannelMain to
// the engine process and the training process, which then talk directly.
import type { RunEdit } from '../engine/store/runEdit';
import type { RunRecord, TrainEvent } from '../engine/types';
import type { ChildHandle } from './childHandle';

export type ToTraining =
  /** The run (queued in the store, with its config) to train; resume: continue it from its last checkpoint (trainer resumePlan) instead of starting it. */
  | { type: 'train'; workspace: string; runId: string; resume?: boolean }
  /** 'interrupted': the engine that started the run is gone; stop and record the run as interrupted. */
  | { type: 'cancel'; reason?: 'interrupted' }
  | { type: 'edit'; requestId: number; runId: string; edit: RunEdit }
  /** Desktop app, from main: the training process's end of its direct channel to the engine process, in the message's ports. */
  | { type: 'engine.port' };

export type FromTraining =
  | { type: 'event'; event: TrainEvent }
  | { type: 'done' }
  | { type: 'error'; message: string }
  | { type: 'edited'; requestId: number; run: RunRecord }
  | { type: 'edited'; requestId: number; error: string };

/** What the service needs of a training process: child_process.fork in browser mode, utilityProcess in Electron. */
export type TrainingHandle = ChildHandle<ToTraining, FromTraining>;

export type SpawnTraining = () => TrainingHandle;
