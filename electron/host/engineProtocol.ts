// Messages between a transport's process (Electron main, the browser-mode
// server) and the engine process that hosts the engine service. Plain JSON
// data only: utilityProcess structured-clones messages where child_process.fork
// JSON-serialises them, and both must mean the same thing.
import type { Channel, ContractError, EngineEvent } from '../contract/contract';
import type { FromWorker, ToWorker } from './workerProtocol';

/** How the engine process starts training processes: fork them itself, or ask its parent (Electron: utilityProcess is main-only). */
export type TrainerSpawn = 'fork' | 'parent';

export interface EngineInit {
  type: 'init';
  workspace: string;
  mode: 'electron' | 'browser';
  trainers: TrainerSpawn;
}

/** Parent → engine. */
export type ToEngine =
  | EngineInit
  | { type: 'request'; id: number; channel: Channel; payload: unknown }
  | { type: 'shutdown' }
  /** A training process the parent started for us (trainers: 'parent'). */
  | { type: 'trainer.message'; key: number; msg: FromWorker }
  | { type: 'trainer.exit'; key: number; detail: string };

/** Engine → parent. */
export type FromEngine =
  | { type: 'ready'; workspace: string; pid: number }
  /** The service could not start (e.g. the workspace cannot be opened): the client reports it and does not retry. */
  | { type: 'failed'; message: string }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ContractError }
  /** The workspace the engine now serves (after workspace.set): the parent serves its files. */
  | { type: 'workspace'; workspace: string }
  | { type: 'event'; event: EngineEvent }
  | { type: 'closed' }
  | { type: 'trainer.spawn'; key: number }
  | { type: 'trainer.send'; key: number; msg: ToWorker }
  | { type: 'trainer.kill'; key: number };
