import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type EngineEvent } from '../../../electron/contract/contract';
import { bridgeMethod, IPC_EVENT, IPC_MENU, IPC_PREFIX, MENU_ACTIONS, type RacecarBridge } from '../../../electron/preload/bridge';
import { findBridge, ipcApi } from '../../../electron/preload/ipcClient';

const root = path.resolve(__dirname, '..', '..', '..');

/** preload.ts as tsc emits it for this project (CommonJS). */
function compiledPreload(): string {
  const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const source = fs.readFileSync(path.join(root, 'electron', 'preload', 'preload.ts'), 'utf8');
  return ts.transpileModule(source, { compilerOptions: { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false } }).outputText;
}

type IpcListener = (event: unknown, ...args: unknown[]) => void;

/**
 * Runs the compiled preload the way Electron's sandboxed renderer does: wrapped
 * in a function whose `require` knows only 'electron'. Any other require (a
 * sibling file, a Node module) fails here just as it would in the app.
 */
function loadPreload() {
  const exposed: { key: string; api: Record<string, unknown> }[] = [];
  const listeners = new Map<string, Set<IpcListener>>();
  const invoke = vi.fn(async (channel: string, payload: unknown) => ({ ok: true, result: { channel, payload } }));
  const ipcRenderer = {
    invoke,
    on(channel: string, l: IpcListener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
      return ipcRenderer;
    },
    removeListener(channel: string, l: IpcListener) {
      listeners.get(channel)?.delete(l);
      return ipcRenderer;
    },
  };
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push({ key, api }) },
    ipcRenderer,
  };
  const required: string[] = [];
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`module not found: ${id}`);
  };
  const wrapper = vm.runInThisContext(`(function (require, process, exports, module) {\n${compiledPreload()}\n})`) as (
    r: typeof sandboxRequire,
    p: unknown,
    e: Record<string, unknown>,
    m: { exports: Record<string, unknown> },
  ) => void;
  const module = { exports: {} as Record<string, unknown> };
  wrapper(sandboxRequire, {}, module.exports, module);
  /** What main's webContents.send(channel, ...args) would deliver. */
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: ipcRenderer, senderId: 0 }, ...args);
  };
  return { exports: module.exports, exposed, invoke, listeners, emit, required };
}

describe('preload (compiled, in a sandbox-like loader)', () => {
  it("requires nothing but 'electron'", () => {
    const { required } = loadPreload();
    expect(required).toEqual(['electron']);
    expect(compiledPreload()).not.toMatch(/\brequire\(\s*(?!["']electron["']\s*\))/);
  });

  it('lists exactly the contract channels', () => {
    const { exports } = loadPreload();
    const list = exports.PRELOAD_CHANNELS as string[];
    expect([...list].sort()).toEqual([...CHANNELS].sort());
    expect(new Set(list).size).toBe(list.length);
  });

  it('repeats the IPC names and menu actions of bridge.ts', () => {
    const { exports } = loadPreload();
    expect(exports.IPC_PREFIX).toBe(IPC_PREFIX);
    expect(exports.IPC_EVENT).toBe(IPC_EVENT);
    expect(exports.IPC_MENU).toBe(IPC_MENU);
    expect(exports.MENU_ACTIONS).toEqual([...MENU_ACTIONS]);
  });

  it('exposes window.racecar once: one function per channel, onEvent and onMenu, nothing else', () => {
    const { exposed } = loadPreload();
    expect(exposed.map((e) => e.key)).toEqual(['racecar']);
    const api = exposed[0].api;
    expect(Object.keys(api).sort()).toEqual([...CHANNELS.map((c) => bridgeMethod(c)), 'onEvent', 'onMenu'].sort());
    expect(Object.isFrozen(api)).toBe(true);
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
  });

  it('maps each function to ipcRenderer.invoke(`racecar:${channel}`, payload)', async () => {
    const { exposed, invoke } = loadPreload();
    const api = exposed[0].api as Record<string, (p?: unknown) => Promise<unknown>>;
    for (const c of CHANNELS) {
      invoke.mockClear();
      await api[bridgeMethod(c)]({ probe: c });
      expect(invoke).toHaveBeenCalledExactlyOnceWith(`racecar:${c}`, { probe: c });
    }
    invoke.mockClear();
    await api.runsList();
    expect(invoke).toHaveBeenCalledWith('racecar:runs.list', {});
  });

  it('onEvent hands over the engine event only (never the IPC event) and unsubscribes', () => {
    const { exposed, emit, listeners } = loadPreload();
    const bridge = exposed[0].api as unknown as RacecarBridge;
    const got: unknown[][] = [];
    const off = bridge.onEvent((...args: unknown[]) => got.push(args));
    const e: EngineEvent = { type: 'log', runId: 'r', line: 'x' };
    emit('racecar:event', e);
    expect(got).toEqual([[e]]);
    off();
    emit('racecar:event', e);
    expect(got).toHaveLength(1);
    expect(listeners.get('racecar:event')?.size).toBe(0);
    expect(() => bridge.onEvent(5 as never)).toThrow(TypeError);
  });

  it('onMenu forwards known actions only', () => {
    const { exposed, emit } = loadPreload();
    const bridge = exposed[0].api as unknown as RacecarBridge;
    const got: unknown[] = [];
    const off = bridge.onMenu((a) => got.push(a));
    emit('racecar:menu', 'new-run');
    emit('racecar:menu', 'format-disk');
    emit('racecar:menu', { toString: () => 'new-run' });
    emit('racecar:menu', 'workspace-changed');
    expect(got).toEqual(['new-run', 'workspace-changed']);
    off();
    emit('racecar:menu', 'new-run');
    expect(got).toHaveLength(2);
  });
});

describe('bridgeMethod', () => {
  it('camel-cases channels', () => {
    expect(bridgeMethod('runs.list')).toBe('runsList');
    expect(bridgeMethod('app.info')).toBe('appInfo');
    expect(bridgeMethod('workspace.set')).toBe('workspaceSet');
    expect(new Set(CHANNELS.map((c) => bridgeMethod(c))).size).toBe(CHANNELS.length);
  });
});

describe('ipcApi (renderer side)', () => {
  const bridgeWith = (reply: (method: string, payload: unknown) => unknown) => {
    const b: Record<string, unknown> = { onEvent: vi.fn(() => () => {}), onMenu: vi.fn(() => () => {}) };
    for (const c of CHANNELS) b[bridgeMethod(c)] = vi.fn(async (p: unknown) => reply(bridgeMethod(c), p));
    return b as unknown as RacecarBridge & Record<string, ReturnType<typeof vi.fn>>;
  };

  it('calls the exposed function and resolves the result', async () => {
    const bridge = bridgeWith((method, payload) => ({ ok: true, result: { method, payload } }));
    const api = ipcApi(bridge);
    await expect(api.call('runs.get', { id: 'r1' })).resolves.toEqual({ method: 'runsGet', payload: { id: 'r1' } });
    expect(bridge.runsGet).toHaveBeenCalledWith({ id: 'r1' });
  });

  it('rejects with Error(message) on ok:false and on malformed replies', async () => {
    const api = ipcApi(bridgeWith(() => ({ ok: false, error: { message: 'runs.get: id: id must not be empty' } })));
    await expect(api.call('runs.get', { id: '' })).rejects.toThrow(new Error('runs.get: id: id must not be empty'));
    await expect(ipcApi(bridgeWith(() => undefined)).call('app.info', {})).rejects.toThrow(/malformed reply/);
  });

  it('passes transport failures through as errors', async () => {
    const bridge = bridgeWith(() => {
      throw new Error("Error invoking remote method 'racecar:app.info': boom");
    });
    await expect(ipcApi(bridge).call('app.info', {})).rejects.toThrow(/boom/);
  });

  it('fails clearly for a channel the preload does not expose', async () => {
    const bridge = bridgeWith(() => ({ ok: true, result: 1 }));
    delete (bridge as Record<string, unknown>).svdGet;
    await expect(ipcApi(bridge).call('svd.get', { id: 'r', layer: 0 })).rejects.toThrow(/svd\.get: not exposed/);
  });

  it('subscribes to events through the bridge', () => {
    const bridge = bridgeWith(() => null);
    const l = () => {};
    ipcApi(bridge).onEvent(l);
    expect(bridge.onEvent).toHaveBeenCalledWith(l);
  });

  it('findBridge finds window.racecar only when it looks like the bridge', () => {
    const bridge = bridgeWith(() => null);
    expect(findBridge({ racecar: bridge })).toBe(bridge);
    expect(findBridge({})).toBeNull();
    expect(findBridge({ racecar: 'x' })).toBeNull();
  });
});
