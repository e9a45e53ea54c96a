// The app's one window and what keeps every webContents locked down: the
// session's CSP, no network, one permission, no navigation away from the app,
// no popups, no <webview>.
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { oneLine } from '../contract/oneLine';
import { ELECTRON_CSP, externalLinkToOpen, isAllowedNavigation, isBlockedRequest } from './policy';

export const PRODUCT_NAME = 'Racecar Workbench';

export function hardenSession(): void {
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

/** Every webContents (including any created later): no navigation away from the app, no popups, no <webview>. */
export function guardWebContents(indexUrl: string): void {
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
}

/** The main window, sandboxed, on the app scheme; shown once it has painted. */
export function createMainWindow(o: { indexUrl: string; preloadPath: string; rendererDir: string; devTools: boolean }): BrowserWindow {
  const w = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: PRODUCT_NAME,
    backgroundColor: '#16181d',
    webPreferences: {
      preload: o.preloadPath,
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
      devTools: o.devTools,
    },
  });
  w.once('ready-to-show', () => w.show());
  w.loadURL(o.indexUrl).catch((e: unknown) => {
    dialog.showErrorBox('Cannot load the user interface', `${oneLine(e)}\n${o.rendererDir}\nRun npm run build first.`);
  });
  return w;
}

/** Brings a window back to the front (second instance, a notification clicked). */
export function focusWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.focus();
}
