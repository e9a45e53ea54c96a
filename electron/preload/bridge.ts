// The shape of window.racecar, shared (as types and constants) by the main
// process, the preload and the renderer. The preload itself may only import
// TYPES from here: a sandboxed preload cannot require sibling files, so it
// repeats the few literals below and a unit test keeps them in step.
import type { Channel, EngineEvent, Reply, RequestOf } from '../contract/contract';

/** ipcMain.handle channel of contract channel C is `racecar:${C}`. */
export const IPC_PREFIX = 'racecar:';
/** main → renderer: one EngineEvent. */
export const IPC_EVENT = 'racecar:event';
/** main → renderer: one MenuAction. */
export const IPC_MENU = 'racecar:menu';

/** Menu items whose work happens in the renderer. The main process handles the rest itself. */
export const MENU_ACTIONS = ['new-run', 'workspace-changed'] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];

/** 'runs.list' → 'runsList'. */
export type BridgeMethod<C extends string> = C extends `${infer A}.${infer B}` ? `${A}${Capitalize<BridgeMethod<B>>}` : C;

export function bridgeMethod<C extends Channel>(channel: C): BridgeMethod<C> {
  return channel.replace(/\.([a-z])/g, (_, ch: string) => ch.toUpperCase()) as BridgeMethod<C>;
}

/** Channels without required fields take an optional payload: racecar.runsList(). */
type BridgeFn<C extends Channel> =
  Record<never, never> extends RequestOf<C> ? (payload?: RequestOf<C>) => Promise<Reply<C>> : (payload: RequestOf<C>) => Promise<Reply<C>>;

/** What the preload exposes as window.racecar. Replies are values, never thrown errors, so messages survive IPC intact. */
export type RacecarBridge = { readonly [C in Channel as BridgeMethod<C>]: BridgeFn<C> } & {
  onEvent(listener: (e: EngineEvent) => void): () => void;
  onMenu(listener: (action: MenuAction) => void): () => void;
};
