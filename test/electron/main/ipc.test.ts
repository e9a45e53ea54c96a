import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type EngineEvent, type EngineHandler } from '../../../electron/contract/contract';
import {
  forwardEvents,
  registerIpc,
  trustedSenderCheck,
  type FrameLike,
  type InvokeEventLike,
  type IpcMainLike,
  type WebContentsLike,
} from '../../../electron/main/ipc';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/** ipcMain as far as the adapter uses it; invoke() plays ipcRenderer.invoke. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
}

const INDEX = 'racecar://app/index.html';
const frame = (url: string, over: Partial<FrameLike> = {}): FrameLike => ({ url, parent: null, processId: 4, routingId: 1, ...over });

function setup(handle?: (channel: string, payload: unknown) => unknown) {
  const ipc = new FakeIpcMain();
  const calls: { channel: string; payload: unknown }[] = [];
  const listeners = new Set<(e: EngineEvent) => void>();
  const handler: EngineHandler = {
    handle: (async (channel: string, payload: unknown) => {
      calls.push({ channel, payload });
      return handle ? handle(channel, payload) : { echoed: payload };
    }) as EngineHandler['handle'],
    onEvent: (l) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
  const main = frame(INDEX);
  const isTrusted = trustedSenderCheck(INDEX, () => main);
  const unregister = registerIpc(ipc, handler, isTrusted);
  const ev = (f: FrameLike | null = main): InvokeEventLike => ({ senderFrame: f });
  return { ipc, calls, listeners, main, ev, unregister };
}

describe('registerIpc', () => {
  it('registers one racecar:<channel> handler per contract channel and can remove them', () => {
    const { ipc, unregister } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(CHANNELS.map((c) => `racecar:${c}`).sort());
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });

  it('passes a valid payload from the trusted frame to the handler', async () => {
    const { ipc, calls, ev } = setup();
    expect(await ipc.invoke('racecar:runs.rename', ev(), { id: 'r1', name: 'Better name' })).toEqual({
      ok: true,
      result: { echoed: { id: 'r1', name: 'Better name' } },
    });
    expect(calls).toEqual([{ channel: 'runs.rename', payload: { id: 'r1', name: 'Better name' } }]);
    // A missing payload counts as {} for channels without fields.
    expect(await ipc.invoke('racecar:runs.list', ev())).toEqual({ ok: true, result: { echoed: {} } });
  });

  it('accepts the index page with a hash route or query', () => {
    for (const url of [`${INDEX}#/runs/abc`, `${INDEX}?x=1`]) {
      const main = frame(url);
      expect(trustedSenderCheck(INDEX, () => main)(main)).toBe(true);
    }
  });

  it('refuses untrusted senders before looking at the payload', async () => {
    const { ipc, calls, main, ev } = setup();
    const untrusted: (FrameLike | null)[] = [
      null,
      // another page (navigated away, or a different file)
      frame('file:///tmp/evil.html'),
      frame('racecar://evil/index.html'),
      frame('file:///opt/racecar/dist/renderer/index.html'),
      frame('https://evil.example/index.html'),
      frame(INDEX.replace('index.html', 'other.html')),
      // a subframe showing our page
      frame(INDEX, { parent: main, routingId: 2 }),
      // the right URL in another window/process
      frame(INDEX, { processId: 9 }),
      frame(INDEX, { routingId: 3 }),
    ];
    for (const f of untrusted) {
      const reply = (await ipc.invoke('racecar:runs.rename', ev(f), { id: 'r1', name: 'n' })) as { ok: boolean; error: { message: string } };
      expect(reply).toEqual({ ok: false, error: { message: 'runs.rename: request refused: untrusted sender' } });
    }
    expect(calls).toEqual([]);
  });

  it('refuses everything while the window is gone', async () => {
    const ipc = new FakeIpcMain();
    const handle = vi.fn();
    registerIpc(
      ipc,
      { handle, onEvent: () => () => {} } as unknown as EngineHandler,
      trustedSenderCheck(INDEX, () => null),
    );
    expect(await ipc.invoke('racecar:app.info', { senderFrame: frame(INDEX) }, {})).toMatchObject({ ok: false });
    expect(handle).not.toHaveBeenCalled();
  });

  it('treats a throwing sender check as untrusted', async () => {
    const ipc = new FakeIpcMain();
    const handle = vi.fn();
    registerIpc(ipc, { handle, onEvent: () => () => {} } as unknown as EngineHandler, () => {
      throw new Error('frame destroyed');
    });
    expect(await ipc.invoke('racecar:app.info', { senderFrame: frame(INDEX) }, {})).toEqual({
      ok: false,
      error: { message: 'app.info: request refused: untrusted sender' },
    });
    expect(handle).not.toHaveBeenCalled();
  });

  it('rejects bad payloads with one line naming the field', async () => {
    const { ipc, calls, ev } = setup();
    const cases: [string, unknown, RegExp][] = [
      ['racecar:runs.get', { id: 5 }, /^runs\.get: id: /],
      ['racecar:runs.get', {}, /^runs\.get: id: /],
      ['racecar:runs.rename', { id: 'r1' }, /^runs\.rename: name: /],
      ['racecar:runs.rename', { id: 'r1', name: '' }, /^runs\.rename: name: name must not be empty$/],
      ['racecar:runs.backward', { id: 'r1', step: 1.5 }, /^runs\.backward: step: /],
      ['racecar:svd.get', { id: 'r1', layer: 65 }, /^svd\.get: layer: /],
      ['racecar:runs.list', { sneaky: true }, /^runs\.list: /],
      ['racecar:runs.get', 'r1', /^runs\.get: payload: /],
      ['racecar:workspace.set', { path: '' }, /^workspace\.set: path: path must not be empty$/],
    ];
    for (const [channel, payload, match] of cases) {
      const reply = (await ipc.invoke(channel, ev(), payload)) as { ok: boolean; error: { message: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error.message).toMatch(match);
      expect(reply.error.message).not.toContain('\n');
    }
    expect(calls).toEqual([]);
  });

  it('returns handler errors as {ok:false} with the first line of the message, never throwing', async () => {
    const { ipc, ev } = setup((channel) => {
      if (channel === 'runs.delete') throw new Error('run r1 is running: cancel it first\n    at RunStore.delete (store.ts:1:1)');
      if (channel === 'runs.cancel') throw 'plain string failure';
      return {};
    });
    await expect(ipc.invoke('racecar:runs.delete', ev(), { id: 'r1' })).resolves.toEqual({
      ok: false,
      error: { message: 'run r1 is running: cancel it first' },
    });
    await expect(ipc.invoke('racecar:runs.cancel', ev(), { id: 'r1' })).resolves.toEqual({ ok: false, error: { message: 'plain string failure' } });
  });
});

describe('trustedSenderCheck', () => {
  it('needs the app-scheme index URL', () => {
    expect(() => trustedSenderCheck('http://127.0.0.1:3000/index.html', () => null)).toThrow(/racecar:\/\//);
    expect(() => trustedSenderCheck('file:///opt/racecar/dist/renderer/index.html', () => null)).toThrow(/racecar:\/\//);
  });

  it('accepts the window main frame by ids when the wrapper object differs', () => {
    const main = frame(INDEX);
    const check = trustedSenderCheck(INDEX, () => main);
    expect(check({ ...main })).toBe(true);
    expect(check(frame('not a url'))).toBe(false);
  });
});

describe('forwardEvents', () => {
  it('sends every engine event to live windows as racecar:event and stops on unsubscribe', () => {
    const { listeners } = setup();
    const sent: unknown[][] = [];
    const live: WebContentsLike = { send: (...a) => void sent.push(a), isDestroyed: () => false };
    const dead: WebContentsLike = { send: () => expect.unreachable('sent to a destroyed window'), isDestroyed: () => true };
    const broken: WebContentsLike = {
      send: () => {
        throw new Error('Render frame was disposed');
      },
      isDestroyed: () => false,
    };
    const handler = {
      onEvent: (l: (e: EngineEvent) => void) => {
        listeners.add(l);
        return () => void listeners.delete(l);
      },
    } as EngineHandler;
    const off = forwardEvents(handler, () => [dead, broken, live]);
    const e: EngineEvent = { type: 'runs.changed' };
    for (const l of listeners) l(e);
    expect(sent).toEqual([['racecar:event', e]]);
    off();
    for (const l of listeners) l(e);
    expect(sent).toHaveLength(1);
  });
});
