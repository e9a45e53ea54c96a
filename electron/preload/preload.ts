// Preload for the sandboxed renderer: exposes window.racecar with one typed
// function per contract channel plus event/menu subscriptions, never raw
// ipcRenderer or the IPC event object (whose .sender is ipcRenderer).
//
// A sandboxed preload can only require('electron'), so this file must compile
// to a single CommonJS file: every other import is `import type` (erased), and
// the channel list and IPC names are literals here rather than imports.
// test/electron/preload/preload.test.ts runs the compiled file with a require
// that only knows 'electron' and checks these literals against the contract.
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { Channel, EngineEvent } from '../contract/contract';
import type { MenuAction } from './bridge';

export const PRELOAD_CHANNELS = [
  'app.info',
  'presets.list',
  'runs.list',
  'runs.get',
  'runs.start',
  'runs.validate',
  'data.shape',
  'runs.cancel',
  'reproduce.start',
  'runs.rename',
  'runs.delete',
  'runs.annotate',
  'runs.resume',
  'runs.duplicate',
  'runs.backward',
  'runs.infoPlane',
  'svd.get',
  'svd.vectors',
  'svd.scores',
  'workspace.set',
  'ui.load',
  'ui.save',
  'export.defaults',
  'export.bundle',
  'export.cancel',
  'sweeps.list',
  'sweeps.get',
  'sweeps.validate',
  'sweeps.start',
  'sweeps.resume',
  'sweeps.cancel',
  'engine.restart',
] as const satisfies readonly Channel[];

/** Compile-time half of the parity check: fails to typecheck when the contract gains a channel missing above. */
type AssertNever<T extends never> = T;
export type PreloadChannelsComplete = AssertNever<Exclude<Channel, (typeof PRELOAD_CHANNELS)[number]>>;

export const IPC_PREFIX = 'racecar:';
export const IPC_EVENT = 'racecar:event';
export const IPC_MENU = 'racecar:menu';
export const MENU_ACTIONS: readonly MenuAction[] = ['new-run', 'workspace-changed'];

const methodName = (channel: string) => channel.replace(/\.([a-z])/g, (_, ch: string) => ch.toUpperCase());

const api: Record<string, unknown> = {};
for (const channel of PRELOAD_CHANNELS) {
  api[methodName(channel)] = (payload?: unknown) => ipcRenderer.invoke(IPC_PREFIX + channel, payload ?? {});
}

api.onEvent = (listener: (e: EngineEvent) => void): (() => void) => {
  if (typeof listener !== 'function') throw new TypeError('onEvent: listener must be a function');
  const l = (_e: IpcRendererEvent, event: EngineEvent) => listener(event);
  ipcRenderer.on(IPC_EVENT, l);
  return () => void ipcRenderer.removeListener(IPC_EVENT, l);
};

api.onMenu = (listener: (action: MenuAction) => void): (() => void) => {
  if (typeof listener !== 'function') throw new TypeError('onMenu: listener must be a function');
  const l = (_e: IpcRendererEvent, action: unknown) => {
    if (MENU_ACTIONS.includes(action as MenuAction)) listener(action as MenuAction);
  };
  ipcRenderer.on(IPC_MENU, l);
  return () => void ipcRenderer.removeListener(IPC_MENU, l);
};

// Shape: RacecarBridge in ./bridge.ts (checked by the preload test).
contextBridge.exposeInMainWorld('racecar', Object.freeze(api));
