import { compiledScript } from '../engine/util/compiled';
import { forkChild } from './childHandle';
import { EngineClient, type EngineClientOptions } from './engineClient';
import type { FromEngine, ToEngine } from './engineProtocol';

/** An engine client whose engine process serves requests; if it cannot start, it is stopped and the error thrown. */
export async function startEngineClient(opts: EngineClientOptions): Promise<EngineClient> {
  const client = new EngineClient(opts);
  try {
    await client.start();
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}

/** Browser mode (and tests): the engine process forked from this process; it forks its own training processes. */
export function startEngine(o: { workspace: string; mode: 'browser' | 'electron' }): Promise<EngineClient> {
  const script = compiledScript(__dirname, 'engineProcess.js');
  return startEngineClient({ workspace: o.workspace, mode: o.mode, spawnEngine: () => forkChild<ToEngine, FromEngine>(script) });
}
