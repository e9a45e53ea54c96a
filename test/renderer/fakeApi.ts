// An in-memory EngineApi for renderer tests: records calls, answers from handlers.
import type { Channel, EngineApi, EngineEvent, RequestOf, ResultOf } from '../../electron/contract/contract';

export type Handlers = { [C in Channel]?: (payload: RequestOf<C>) => ResultOf<C> | Promise<ResultOf<C>> };

export interface FakeApi extends EngineApi {
  calls: { channel: Channel; payload: unknown }[];
  emit(e: EngineEvent): void;
}

export function fakeApi(handlers: Handlers = {}): FakeApi {
  const listeners = new Set<(e: EngineEvent) => void>();
  const calls: FakeApi['calls'] = [];
  return {
    calls,
    async call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<ResultOf<C>> {
      calls.push({ channel, payload: JSON.parse(JSON.stringify(payload ?? {})) });
      const h = handlers[channel] as ((p: RequestOf<C>) => ResultOf<C> | Promise<ResultOf<C>>) | undefined;
      if (!h) throw new Error(`${channel}: not handled by the fake`);
      return h(payload);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
  };
}
