// The child's side of a ChildHandle: Electron's utilityProcess talks through
// process.parentPort, child_process.fork through process.send.
interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

export interface ParentChannel<Receive, Send> {
  post(msg: Send): void;
  onMessage(cb: (msg: Receive) => void): void;
  /** The parent is gone (fork: the IPC channel closed). A utility process is ended by Electron with its parent instead. */
  onDisconnect(cb: () => void): void;
}

export function parentChannel<Receive, Send>(): ParentChannel<Receive, Send> {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  return {
    post(msg) {
      if (port) port.postMessage(msg);
      // The parent may be gone before 'disconnect' is seen: without a callback, a failed send is an uncaught error that kills the process.
      else if (process.connected) process.send?.(msg, undefined, undefined, () => {});
    },
    onMessage(cb) {
      if (port) port.on('message', (e) => cb(e.data as Receive));
      else process.on('message', (m) => cb(m as Receive));
    },
    onDisconnect(cb) {
      if (!port) process.once('disconnect', cb);
    },
  };
}
