import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { ELECTRON_CSP, externalLinkToOpen, isAllowedNavigation, isBlockedRequest, menuTemplate } from '../../../electron/main/policy';

const INDEX = 'racecar://app/index.html';

describe('navigation and links', () => {
  it('allows only our index.html (any hash)', () => {
    expect(isAllowedNavigation(INDEX, INDEX)).toBe(true);
    expect(isAllowedNavigation(`${INDEX}#/runs`, INDEX)).toBe(true);
    expect(isAllowedNavigation('file:///etc/passwd', INDEX)).toBe(false);
    expect(isAllowedNavigation('racecar://app/files/runs/x/0.png', INDEX)).toBe(false);
    expect(isAllowedNavigation('https://example.org/', INDEX)).toBe(false);
    expect(isAllowedNavigation(`${INDEX}?x=1`, INDEX)).toBe(false);
    expect(isAllowedNavigation('not a url', INDEX)).toBe(false);
  });

  it('opens only https links externally', () => {
    expect(externalLinkToOpen('https://arxiv.org/abs/1')).toBe('https://arxiv.org/abs/1');
    for (const u of ['http://example.org', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'garbage'])
      expect(externalLinkToOpen(u)).toBeNull();
  });

  it('blocks network requests and file://, but not the app scheme, data, blobs or devtools', () => {
    for (const u of ['https://x.org/a.js', 'http://127.0.0.1:1/', 'ws://x', 'WSS://x', 'ftp://x', 'file:///etc/passwd', 'FILE:///x'])
      expect(isBlockedRequest(u)).toBe(true);
    for (const u of [INDEX, 'racecar://app/files/runs/x/0.png', 'data:image/png;base64,AA', 'devtools://devtools/bundled/x.html', 'blob:racecar://app/1'])
      expect(isBlockedRequest(u)).toBe(false);
  });

  it('has a strict CSP', () => {
    expect(ELECTRON_CSP).toContain("default-src 'self'");
    expect(ELECTRON_CSP).toContain("script-src 'self'");
    expect(ELECTRON_CSP).not.toContain('unsafe-eval');
  });
});

describe('menuTemplate', () => {
  const items = (t: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] => t.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])]);

  it('has New Run (CmdOrCtrl+N) and Open Workspace… wired to the handlers', () => {
    const on = { newRun: vi.fn(), openWorkspace: vi.fn(), about: vi.fn() };
    const all = items(menuTemplate({ isMac: false, isDev: false, appName: 'Racecar Workbench' }, on));
    const newRun = all.find((i) => i.label === 'New Run')!;
    expect(newRun.accelerator).toBe('CmdOrCtrl+N');
    (newRun.click as () => void)();
    expect(on.newRun).toHaveBeenCalled();
    (all.find((i) => i.label === 'Open Workspace…')!.click as () => void)();
    expect(on.openWorkspace).toHaveBeenCalled();
    (all.find((i) => i.label === 'About Racecar Workbench')!.click as () => void)();
    expect(on.about).toHaveBeenCalled();
    expect(all.some((i) => i.role === 'togglefullscreen')).toBe(true);
    expect(all.some((i) => i.role === 'editMenu')).toBe(true);
    expect(all.some((i) => i.role === 'windowMenu')).toBe(true);
  });

  it('offers reload and devtools in development only', () => {
    const on = { newRun: () => {}, openWorkspace: () => {}, about: () => {} };
    const roles = (isDev: boolean) => items(menuTemplate({ isMac: false, isDev, appName: 'x' }, on)).map((i) => i.role);
    expect(roles(true)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
    expect(roles(false)).not.toContain('reload');
    expect(roles(false)).not.toContain('toggleDevTools');
  });

  it('adds the app menu on macOS', () => {
    const on = { newRun: () => {}, openWorkspace: () => {}, about: () => {} };
    expect(menuTemplate({ isMac: true, isDev: false, appName: 'Racecar Workbench' }, on)[0].label).toBe('Racecar Workbench');
  });
});
