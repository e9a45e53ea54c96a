// Transport choice: inside Electron the preload exposes window.racecar (IPC);
// in browser mode the page was served with ?token=… and talks over /ws.
import type { EngineApi, FileRef } from '../../../electron/contract/contract';
import { findBridge, ipcApi } from '../../../electron/preload/ipcClient';
import type { MenuAction } from '../../../electron/preload/bridge';
import { connectWebSocketApi } from '../../../electron/server/wsClient';

export interface Connection {
  api: EngineApi;
  mode: 'electron' | 'browser';
  /** The URL of a workspace file (run images); data: URLs pass through. */
  fileUrl: (ref: FileRef) => string;
  /** Electron menu actions (new run, workspace changed); absent in browser mode. */
  onMenu?: (listener: (action: MenuAction) => void) => () => void;
  /** Browser mode: the URL of a server path that needs the session token (an exported bundle's download); absent in Electron. */
  downloadUrl?: (path: string) => string;
  /** Browser mode: told once when the WebSocket closes. */
  onClose?: (listener: (info: { code: number; reason: string }) => void) => () => void;
}

export function webSocketUrl(loc: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws?token=${encodeURIComponent(token)}`;
}

/**
 * Workspace files are served under /files/ of the page's own origin: the
 * racecar://app scheme in Electron, the loopback server in browser mode,
 * which also needs the session token.
 */
export function fileUrlFor(token: string | null): (ref: FileRef) => string {
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return (ref) => (ref.startsWith('data:') ? ref : `/files/${ref.split('/').map(encodeURIComponent).join('/')}${query}`);
}

export async function connectEngine(): Promise<Connection> {
  const bridge = findBridge(window);
  if (bridge) return { api: ipcApi(bridge), mode: 'electron', fileUrl: fileUrlFor(null), onMenu: (l) => bridge.onMenu(l) };
  const ws = await connectWebSocketApi(webSocketUrl(window.location));
  const token = new URLSearchParams(window.location.search).get('token');
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return { api: ws, mode: 'browser', fileUrl: fileUrlFor(token), downloadUrl: (p) => `${p}${query}`, onClose: (l) => ws.onClose(l) };
}
