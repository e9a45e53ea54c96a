import { compiledScript } from '../engine/util/compiled';
import { forkChild } from './childHandle';
import { EngineClient } from './engineClient';
import type { FromEngine, ToEngine } from './engineProtocol';

/** Browser mode (and tests): the engine process forked from this process; it forks its own training processes. */
export async function startEngine(o: { workspace: string; mode: 'browser' | 'electron' }): Promise<EngineClient> {
  const script = compiledScript(__dirname, 'engineProcess.js');
  const client = new EngineClient({ workspace: o.workspace, mode: o.mode, spawnEngine: () => forkChild<ToEngine, FromEngine>(script) });
  try {
    await client.start();
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}
