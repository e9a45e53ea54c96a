// Messages between a transport's process (Electron main, the browser-mode
// server) and the engine process that hosts the engine service. Plain JSON
// data only (plus, in Electron, message ports in the transfer list):
// utilityProcess structured-clones messages where child_process.fork
// JSON-serialises them, and both must mean the same thing. Training processes'
// messages never pass through here: they talk to the engine process directly.
import type { Channel, ContractError, EngineEvent } from '../contract/contract';

/** How the engine process starts training processes: fork them itself, or ask its parent (Electron: utilityProcess is main-only). */
export type TrainingSpawn = 'fork' | 'parent';

export interface EngineInit {
  type: 'init';
  workspace: string;
  mode: 'electron' | 'browser';
  training: TrainingSpawn;
}

/** Parent → engine. */
export type ToEngine =
  | EngineInit
  | { type: 'request'; id: number; channel: Channel; payload: unknown }
  | { type: 'shutdown' }
  /** A training process the parent started for us (training: 'parent'): the engine's end of the direct channel to it, in the message's ports. */
  | { type: 'training.port'; key: number }
  /** That training process has ended (the parent sees its exit, the engine only loses the channel). */
  | { type: 'training.exit'; key: number; detail: string };

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
  | { type: 'training.spawn'; key: number }
  | { type: 'training.kill'; key: number };
