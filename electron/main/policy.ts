// Pure decisions of the main process (navigation, popups, CSP, menu layout),
// kept free of Electron runtime imports so they are unit-testable without the
// Electron binary.
import type { MenuItemConstructorOptions } from 'electron';

/** CSP for the Electron renderer (racecar://app; run images are racecar://app/files/…). The renderer's index.html repeats it as a meta tag. */
export const ELECTRON_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const withoutHash = (url: string): string | null => {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return null;
  }
};

/** In-app navigation is only allowed to our own index.html (hash routing changes only the fragment). */
export function isAllowedNavigation(target: string, indexFileUrl: string): boolean {
  const t = withoutHash(target);
  return t !== null && t === withoutHash(indexFileUrl);
}

/** window.open and target=_blank: never a new app window; https links go to the system browser. */
export function externalLinkToOpen(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Requests the offline app never needs to make from its windows: the network, and file:// (everything comes from racecar://app). */
export function isBlockedRequest(url: string): boolean {
  return /^(https?|wss?|ftp|file):/i.test(url);
}

export interface MenuHandlers {
  newRun(): void;
  openWorkspace(): void;
  about(): void;
}

export function menuTemplate(opts: { isMac: boolean; isDev: boolean; appName: string }, on: MenuHandlers): MenuItemConstructorOptions[] {
  const { isMac, isDev, appName } = opts;
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: '&File',
      submenu: [
        { label: 'New Run', accelerator: 'CmdOrCtrl+N', click: () => on.newRun() },
        { label: 'Open Workspace…', accelerator: 'CmdOrCtrl+O', click: () => on.openWorkspace() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        ...(isDev ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[]) : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: `About ${appName}`, click: () => on.about() }] },
  );
  return template;
}
