// Transport choice: inside Electron the preload exposes window.racecar (IPC);
// in browser mode the page was served with ?token=… and talks over /ws.
import type { EngineApi } from '../../../electron/contract/contract';
import { findBridge, ipcApi } from '../../../electron/preload/ipcClient';
import type { MenuAction } from '../../../electron/preload/bridge';
import { connectWebSocketApi } from '../../../electron/server/wsClient';

export interface Connection {
  api: EngineApi;
  mode: 'electron' | 'browser';
  /** Electron menu actions (new run, workspace changed); absent in browser mode. */
  onMenu?: (listener: (action: MenuAction) => void) => () => void;
  /** Browser mode: told once when the WebSocket closes. */
  onClose?: (listener: (info: { code: number; reason: string }) => void) => () => void;
}

export function webSocketUrl(loc: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws?token=${encodeURIComponent(token)}`;
}

export async function connectEngine(): Promise<Connection> {
  const bridge = findBridge(window);
  if (bridge) return { api: ipcApi(bridge), mode: 'electron', onMenu: (l) => bridge.onMenu(l) };
  const ws = await connectWebSocketApi(webSocketUrl(window.location));
  return { api: ws, mode: 'browser', onClose: (l) => ws.onClose(l) };
}
