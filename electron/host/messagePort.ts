// Electron's MessagePortMain, as far as the host uses it: the direct channel
// between the engine process and a training process in the desktop app.
// Structural, so that host code loads without Electron (browser mode, the CLI).
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  /** The other end is gone (its process ended, or it closed the port). */
  on(event: 'close', listener: () => void): unknown;
  /** Messages are queued until the port is started. */
  start(): void;
  close(): void;
}
