// Calls an engine handler as the engine process does: the payload parsed by
// the contract first (a bad one is refused with parseRequest's one line).
import { parseRequest, type Channel, type EngineHandler, type RequestOf, type ResultOf } from '../../electron/contract/contract';

export function call<C extends Channel>(handler: EngineHandler, channel: C, payload: RequestOf<C>): Promise<ResultOf<C>> {
  const parsed = parseRequest<C>(channel, payload);
  if (!parsed.ok) return Promise.reject(new Error(parsed.error));
  return handler.handle(channel, parsed.payload);
}
