// Electron IPC adapter over the contract: one ipcMain.handle per channel.
// Every invocation is checked twice before it reaches the engine: the sender
// (our window's main frame showing our index.html) and the payload
// (parseRequest). Replies are Reply values, never thrown errors, because
// Electron mangles thrown errors ("Error invoking remote method …").
//
// Written against structural interfaces so it is unit-testable without the
// Electron binary; only types come from 'electron'.
import { CHANNELS, parseRequest, type EngineEvent, type EngineHandler, type Reply } from '../contract/contract';
import { IPC_EVENT, IPC_PREFIX } from '../preload/bridge';
import { oneLine } from '../contract/oneLine';
import { APP_SCHEME } from './appProtocol';

/** The parts of Electron's WebFrameMain used for the sender check. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}

export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** Registers every contract channel; returns a function that removes the handlers again. */
export function registerIpc(ipcMain: IpcMainLike, handler: EngineHandler, isTrustedSender: (frame: FrameLike | null) => boolean): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(IPC_PREFIX + channel, async (event: InvokeEventLike, payload: unknown): Promise<Reply> => {
      try {
        let trusted = false;
        try {
          trusted = isTrustedSender(event?.senderFrame ?? null);
        } catch {
          trusted = false;
        }
        if (!trusted) return { ok: false, error: { message: `${channel}: request refused: untrusted sender` } };
        const parsed = parseRequest(channel, payload);
        if (!parsed.ok) return { ok: false, error: { message: parsed.error } };
        const result = await handler.handle(parsed.channel, parsed.payload);
        return { ok: true, result } as Reply;
      } catch (e) {
        return { ok: false, error: { message: oneLine(e) } };
      }
    });
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(IPC_PREFIX + channel);
  };
}

/** Forwards engine events to the window(s) returned by `targets`; returns the unsubscribe function. */
export function forwardEvents(handler: EngineHandler, targets: () => Iterable<WebContentsLike>): () => void {
  return handler.onEvent((e: EngineEvent) => {
    for (const wc of targets()) {
      if (wc.isDestroyed()) continue;
      try {
        wc.send(IPC_EVENT, e);
      } catch {
        // A window closing mid-send must not break delivery to the others or the engine's emitter.
      }
    }
  });
}

/** URL without query and fragment, so hash routing inside the app still counts as the app. */
function documentUrl(url: string): string | null {
  try {
    const u = new URL(url);
    u.hash = '';
    u.search = '';
    return u.href;
  } catch {
    return null;
  }
}

/**
 * The sender check for registerIpc: the frame must be the top-level frame of
 * our window (not an iframe, not another window) and must show our
 * racecar://app/index.html (not a page it navigated to).
 */
export function trustedSenderCheck(indexUrl: string, mainFrame: () => FrameLike | null): (frame: FrameLike | null) => boolean {
  const expected = documentUrl(indexUrl);
  if (!expected || !expected.startsWith(`${APP_SCHEME}:`)) throw new Error(`index URL must be a ${APP_SCHEME}:// URL: ${indexUrl}`);
  return (frame) => {
    if (!frame || frame.parent !== null) return false;
    const main = mainFrame();
    if (!main) return false;
    if (frame !== main && (frame.processId !== main.processId || frame.routingId !== main.routingId)) return false;
    return documentUrl(frame.url) === expected;
  };
}
