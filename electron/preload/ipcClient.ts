// Renderer-side transport for Electron: the EngineApi over window.racecar
// (exposed by the preload). No Node imports: the renderer bundles this.
import type { Channel, EngineApi, Reply, RequestOf, ResultOf } from '../contract/contract';
import { bridgeMethod, type RacecarBridge } from './bridge';

export function ipcApi(bridge: RacecarBridge): EngineApi {
  return {
    async call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<ResultOf<C>> {
      const fn = (bridge as unknown as Record<string, unknown>)[bridgeMethod(channel)];
      if (typeof fn !== 'function') throw new Error(`${channel}: not exposed by the preload`);
      const reply = (await (fn as (p: unknown) => Promise<Reply<C>>)(payload)) as Reply<C> | null | undefined;
      if (!reply || typeof reply !== 'object') throw new Error(`${channel}: malformed reply`);
      if (reply.ok) return reply.result;
      throw new Error(reply.error?.message ?? `${channel}: request failed`);
    },
    onEvent: (listener) => bridge.onEvent(listener),
  };
}

/** window.racecar when running inside the Electron app, else null (browser mode). */
export function findBridge(g: object = globalThis): RacecarBridge | null {
  const b = (g as { racecar?: unknown }).racecar;
  return b && typeof b === 'object' && typeof (b as { onEvent?: unknown }).onEvent === 'function' ? (b as RacecarBridge) : null;
}
