// Electron main process: app lifecycle, one locked-down window served from
// the app's own scheme, the menu, and the relay between IPC and the engine
// process. The engine (data, training, SVD, exports, workspace IO) lives in a
// utilityProcess of its own, and its training processes in utilityProcesses
// that main starts for it; this file stays thin.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, session, shell } from 'electron';
import { parseRequest, type EngineHandler, type Results } from '../contract/contract';
import { IPC_MENU, type MenuAction } from '../preload/bridge';
import { oneLine } from '../contract/oneLine';
import { forwardEvents, registerIpc, trustedSenderCheck } from './ipc';
import { ELECTRON_CSP, externalLinkToOpen, isAllowedNavigation, isBlockedRequest, menuTemplate } from './policy';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, INDEX_URL, appProtocolResponse } from './appProtocol';
import { compiledScript } from '../engine/util/compiled';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { startEngineClient } from '../host/startEngine';
import type { FromEngine, ToEngine } from '../host/engineProtocol';
import { spawnUtilityChild, spawnUtilityTraining } from './utilityChild';
import { notifyRunEnds } from './runNotices';

export type EngineService = EngineHandler & { close(): Promise<void>; readonly workspace: string };

/** Starts the engine for a workspace; rejects when the workspace cannot be opened. */
export type ServiceFactory = (opts: { workspace: string }) => Promise<EngineService>;

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

const PRODUCT_NAME = 'Racecar Workbench';
/** How long quitting waits for the service (it stops training processes) before exiting anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

export function startApp(deps: { createService: ServiceFactory }): void {
  // Two instances would both write the same workspace: the second one only focuses the first.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  // Before 'ready': the renderer's origin is racecar://app, a standard secure scheme.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

  const isDev = !app.isPackaged;
  const isMac = process.platform === 'darwin';
  // dist/electron/main → dist/renderer and dist/electron/preload.
  const rendererDir = path.join(__dirname, '..', '..', 'renderer');
  const indexUrl = INDEX_URL;
  const preloadPath = path.join(__dirname, '..', 'preload', 'preload.js');
  const settingsFile = () => path.join(app.getPath('userData'), 'settings.json');
  const defaultWorkspace = () => path.join(app.getPath('userData'), 'workspace');

  let win: BrowserWindow | null = null;
  let service: EngineService | null = null;
  let handler: EngineHandler | null = null;
  let workspace = '';
  let detach: (() => void)[] = [];

  const readSavedWorkspace = (): string | null => {
    try {
      const saved = (JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as { workspace?: unknown }).workspace;
      return typeof saved === 'string' && path.isAbsolute(saved) ? saved : null;
    } catch {
      return null;
    }
  };
  const saveWorkspace = (ws: string) => {
    workspace = ws;
    try {
      writeFileAtomic(settingsFile(), JSON.stringify({ workspace: ws }, null, 2));
    } catch {
      // Not remembering the choice is not worth interrupting the user: it applies for this session anyway.
    }
  };

  /** The service, plus: a successful workspace.set (from the renderer or the menu) is remembered for the next start. */
  const remembering = (inner: EngineService): EngineHandler => ({
    async handle(channel, payload) {
      const result = await inner.handle(channel, payload);
      if (channel === 'workspace.set') saveWorkspace((result as Results['workspace.set']).workspace);
      return result;
    },
    onEvent: (listener) => inner.onEvent(listener),
  });

  const sendMenu = (action: MenuAction) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_MENU, action);
  };

  async function openWorkspace(): Promise<void> {
    if (!win || !handler) return;
    const r = await dialog.showOpenDialog(win, {
      title: 'Open workspace',
      defaultPath: workspace || undefined,
      properties: ['openDirectory', 'createDirectory'],
    });
    const dir = r.filePaths[0];
    if (r.canceled || !dir) return;
    const parsed = parseRequest<'workspace.set'>('workspace.set', { path: dir });
    try {
      if (!parsed.ok) throw new Error(parsed.error);
      await handler.handle('workspace.set', parsed.payload);
      sendMenu('workspace-changed');
    } catch (e) {
      dialog.showErrorBox('Cannot open workspace', oneLine(e));
    }
  }

  function showAbout(): void {
    const detail = [`Electron ${process.versions.electron}, Node ${process.versions.node}`, `Workspace: ${workspace}`].join('\n');
    const opts = { type: 'info' as const, title: `About ${PRODUCT_NAME}`, message: `${PRODUCT_NAME} ${app.getVersion()}`, detail };
    void (win ? dialog.showMessageBox(win, opts) : dialog.showMessageBox(opts));
  }

  function hardenSession(): void {
    const ses = session.defaultSession;
    ses.webRequest.onHeadersReceived((details, callback) => {
      const headers = Object.fromEntries(Object.entries(details.responseHeaders ?? {}).filter(([k]) => k.toLowerCase() !== 'content-security-policy'));
      callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [ELECTRON_CSP] } });
    });
    // The app is offline by design: nothing in a window may reach the network.
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: isBlockedRequest(details.url) }));
    // Copying text/images is the only browser permission the UI uses.
    ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
    ses.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
  }

  function createWindow(): void {
    const w = new BrowserWindow({
      width: 1400,
      height: 900,
      minWidth: 900,
      minHeight: 600,
      show: false,
      title: PRODUCT_NAME,
      backgroundColor: '#16181d',
      webPreferences: {
        preload: preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        devTools: isDev,
      },
    });
    win = w;
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      if (win === w) win = null;
    });
    w.loadURL(indexUrl).catch((e: unknown) => {
      dialog.showErrorBox('Cannot load the user interface', `${oneLine(e)}\n${rendererDir}\nRun npm run build first.`);
    });
  }

  async function createService(): Promise<EngineService> {
    const fromEnv = process.env.RACECAR_WORKSPACE;
    if (fromEnv) {
      // Same override as the CLI, so both can be pointed at one workspace.
      workspace = path.resolve(fromEnv);
      return deps.createService({ workspace });
    }
    const saved = readSavedWorkspace();
    if (saved && saved !== defaultWorkspace()) {
      try {
        workspace = saved;
        return await deps.createService({ workspace });
      } catch (e) {
        dialog.showErrorBox('Workspace unavailable', `${saved}: ${oneLine(e)}\nUsing the default workspace instead.`);
      }
    }
    workspace = defaultWorkspace();
    return deps.createService({ workspace });
  }

  // Every webContents (including any created later): no navigation away from the app, no popups, no <webview>.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url, indexUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const external = externalLinkToOpen(url);
      if (external) void shell.openExternal(external);
      return { action: 'deny' };
    });
  });

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.on('window-all-closed', () => {
    if (!isMac) app.quit();
  });

  app.on('activate', () => {
    if (!win && handler) createWindow();
  });

  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting || !service) return;
    event.preventDefault();
    quitting = true;
    for (const d of detach) d();
    detach = [];
    const timer = setTimeout(() => app.exit(0), CLOSE_TIMEOUT_MS);
    service
      .close()
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        app.quit();
      });
  });

  app
    .whenReady()
    .then(async () => {
      hardenSession();
      protocol.handle(APP_SCHEME, (request) => appProtocolResponse(request, { rendererDir, workspace: () => service?.workspace ?? workspace }));
      service = await createService();
      handler = remembering(service);
      const isTrusted = trustedSenderCheck(indexUrl, () => (win && !win.isDestroyed() ? win.webContents.mainFrame : null));
      detach.push(registerIpc(ipcMain, handler, isTrusted));
      detach.push(forwardEvents(handler, () => (win && !win.isDestroyed() ? [win.webContents] : [])));
      // A run that ends while the researcher is in another window: a native notification.
      detach.push(
        notifyRunEnds(handler, {
          isSupported: () => Notification.isSupported(),
          create: (options) => new Notification(options),
          windowFocused: () => !!win && !win.isDestroyed() && win.isFocused(),
          focusWindow: () => {
            if (!win || win.isDestroyed()) return;
            if (win.isMinimized()) win.restore();
            win.focus();
          },
        }),
      );
      const menu = menuTemplate(
        { isMac, isDev, appName: PRODUCT_NAME },
        { newRun: () => sendMenu('new-run'), openWorkspace: () => void openWorkspace(), about: showAbout },
      );
      Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
      createWindow();
    })
    .catch((e: unknown) => {
      dialog.showErrorBox(`${PRODUCT_NAME} failed to start`, oneLine(e));
      app.exit(1);
    });
}
