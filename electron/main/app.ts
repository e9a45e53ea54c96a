// Electron main process: app lifecycle, one locked-down window served from
// the app's own scheme (window.ts), the menu, and the relay between IPC and
// the engine process. The engine (data, training, SVD, exports, workspace IO)
// lives in a utilityProcess of its own, and its training processes in
// utilityProcesses that main starts for it and connects to it directly; this
// file stays thin.
import * as path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol } from 'electron';
import { parseRequest, type EngineHandler } from '../contract/contract';
import { IPC_MENU, type MenuAction } from '../preload/bridge';
import { oneLine } from '../contract/oneLine';
import { forwardEvents, registerIpc, trustedSenderCheck } from './ipc';
import { menuTemplate } from './policy';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, INDEX_URL, appProtocolResponse } from './appProtocol';
import { compiledScript } from '../engine/util/compiled';
import { startEngineClient } from '../host/startEngine';
import type { FromEngine, ToEngine } from '../host/engineProtocol';
import { spawnUtilityChild, spawnUtilityTraining } from './utilityChild';
import { notifyRunEnds } from './runNotices';
import { PRODUCT_NAME, createMainWindow, focusWindow, guardWebContents, hardenSession } from './window';
import { WorkspaceChoice, type EngineService, type ServiceFactory } from './workspaceChoice';

export type { EngineService, ServiceFactory } from './workspaceChoice';

/** The engine process and its training processes as utilityProcesses. */
export async function startUtilityEngine(opts: { workspace: string }): Promise<EngineService> {
  const host = path.join(__dirname, '..', 'host');
  const engineScript = compiledScript(host, 'engineProcess.js');
  const trainingScript = compiledScript(host, 'trainingProcess.js');
  return startEngineClient({
    workspace: opts.workspace,
    mode: 'electron',
    spawnEngine: () => spawnUtilityChild<ToEngine, FromEngine>(engineScript, 'Racecar engine'),
    spawnTrainingProcess: () => spawnUtilityTraining(trainingScript),
  });
}

/** How long quitting waits for the service (it stops training processes) before exiting anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

/** What main holds while it runs. */
interface AppState {
  win: BrowserWindow | null;
  service: EngineService | null;
  handler: EngineHandler | null;
  workspace: WorkspaceChoice;
  /** Unregisters the IPC relay, event forwarding and notices (before the service closes). */
  detach: (() => void)[];
}

const isMac = process.platform === 'darwin';
// dist/electron/main → dist/renderer and dist/electron/preload.
const rendererDir = path.join(__dirname, '..', '..', 'renderer');
const preloadPath = path.join(__dirname, '..', 'preload', 'preload.js');

export function startApp(deps: { createService: ServiceFactory }): void {
  // Two instances would both write the same workspace: the second one only focuses the first.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  // Before 'ready': the renderer's origin is racecar://app, a standard secure scheme.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  const state: AppState = { win: null, service: null, handler: null, workspace: new WorkspaceChoice(() => app.getPath('userData')), detach: [] };
  guardWebContents(INDEX_URL);
  followWindows(state);
  closeServiceOnQuit(state);
  app
    .whenReady()
    .then(() => onReady(state, deps.createService))
    .catch((e: unknown) => {
      dialog.showErrorBox(`${PRODUCT_NAME} failed to start`, oneLine(e));
      app.exit(1);
    });
}

const liveWindow = (state: AppState): BrowserWindow | null => (state.win && !state.win.isDestroyed() ? state.win : null);

function openWindow(state: AppState): void {
  const w = createMainWindow({ indexUrl: INDEX_URL, preloadPath, rendererDir, devTools: !app.isPackaged });
  state.win = w;
  w.on('closed', () => {
    if (state.win === w) state.win = null;
  });
}

/** A second instance focuses this one's window; closing the last window quits (not on macOS); the dock icon reopens it. */
function followWindows(state: AppState): void {
  app.on('second-instance', () => focusWindow(state.win));
  app.on('window-all-closed', () => {
    if (!isMac) app.quit();
  });
  app.on('activate', () => {
    if (!state.win && state.handler) openWindow(state);
  });
}

/** Quitting waits (at most CLOSE_TIMEOUT_MS) for the service to stop its training processes, which record their runs as interrupted. */
function closeServiceOnQuit(state: AppState): void {
  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting || !state.service) return;
    event.preventDefault();
    quitting = true;
    for (const d of state.detach.splice(0)) d();
    const timer = setTimeout(() => app.exit(0), CLOSE_TIMEOUT_MS);
    state.service
      .close()
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        app.quit();
      });
  });
}

async function onReady(state: AppState, createService: ServiceFactory): Promise<void> {
  hardenSession();
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(request, { rendererDir, workspace: () => state.service?.workspace ?? state.workspace.current }));
  const service = await state.workspace.open(createService, (saved, e) =>
    dialog.showErrorBox('Workspace unavailable', `${saved}: ${oneLine(e)}\nUsing the default workspace instead.`),
  );
  state.service = service;
  const handler = state.workspace.remembering(service);
  state.handler = handler;
  const isTrusted = trustedSenderCheck(INDEX_URL, () => liveWindow(state)?.webContents.mainFrame ?? null);
  state.detach.push(registerIpc(ipcMain, handler, isTrusted));
  state.detach.push(
    forwardEvents(handler, () => {
      const win = liveWindow(state);
      return win ? [win.webContents] : [];
    }),
  );
  // A run that ends while the researcher is in another window: a native notification.
  state.detach.push(
    notifyRunEnds(handler, {
      isSupported: () => Notification.isSupported(),
      create: (options) => new Notification(options),
      windowFocused: () => !!liveWindow(state)?.isFocused(),
      focusWindow: () => focusWindow(state.win),
    }),
  );
  const sendMenu = (action: MenuAction) => liveWindow(state)?.webContents.send(IPC_MENU, action);
  const menu = menuTemplate(
    { isMac, isDev: !app.isPackaged, appName: PRODUCT_NAME },
    { newRun: () => sendMenu('new-run'), openWorkspace: () => void openWorkspace(state, sendMenu), about: () => showAbout(state) },
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
  openWindow(state);
}

/** File > Open workspace: a folder chosen in the dialog, opened through the contract like the renderer's request. */
async function openWorkspace(state: AppState, sendMenu: (action: MenuAction) => void): Promise<void> {
  const win = liveWindow(state);
  if (!win || !state.handler) return;
  const r = await dialog.showOpenDialog(win, {
    title: 'Open workspace',
    defaultPath: state.workspace.current || undefined,
    properties: ['openDirectory', 'createDirectory'],
  });
  const dir = r.filePaths[0];
  if (r.canceled || !dir) return;
  const parsed = parseRequest<'workspace.set'>('workspace.set', { path: dir });
  try {
    if (!parsed.ok) throw new Error(parsed.error);
    await state.handler.handle('workspace.set', parsed.payload);
    sendMenu('workspace-changed');
  } catch (e) {
    dialog.showErrorBox('Cannot open workspace', oneLine(e));
  }
}

function showAbout(state: AppState): void {
  const detail = [`Electron ${process.versions.electron}, Node ${process.versions.node}`, `Workspace: ${state.workspace.current}`].join('\n');
  const opts = { type: 'info' as const, title: `About ${PRODUCT_NAME}`, message: `${PRODUCT_NAME} ${app.getVersion()}`, detail };
  const win = liveWindow(state);
  void (win ? dialog.showMessageBox(win, opts) : dialog.showMessageBox(opts));
}
