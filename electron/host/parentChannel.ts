// The child's side of a ChildHandle: Electron's utilityProcess talks through
// process.parentPort, child_process.fork through process.send.
import type { MessagePortLike } from './messagePort';

/** Electron's process.parentPort in a utility process. */
export interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown; ports?: MessagePortLike[] }) => void): void;
  postMessage(msg: unknown): void;
}

export interface ParentChannel<Receive, Send> {
  /** 'utility': an Electron utility process (messages may carry ports); 'fork': child_process.fork. */
  readonly kind: 'utility' | 'fork';
  post(msg: Send): void;
  /** `ports`: the message ports a utility process's parent sent with the message (none for a fork). */
  onMessage(cb: (msg: Receive, ports: MessagePortLike[]) => void): void;
  /** The parent is gone (fork: the IPC channel closed). A utility process is ended by Electron with its parent instead. */
  onDisconnect(cb: () => void): void;
}

export function parentChannel<Receive, Send>(port = (process as unknown as { parentPort?: ParentPort }).parentPort): ParentChannel<Receive, Send> {
  return {
    kind: port ? 'utility' : 'fork',
    post(msg) {
      if (port) port.postMessage(msg);
      // The parent may be gone before 'disconnect' is seen: without a callback, a failed send is an uncaught error that kills the process.
      else if (process.connected) process.send?.(msg, undefined, undefined, () => {});
    },
    onMessage(cb) {
      if (port) port.on('message', (e) => cb(e.data as Receive, e.ports ?? []));
      else process.on('message', (m) => cb(m as Receive, []));
    },
    onDisconnect(cb) {
      if (!port) process.once('disconnect', cb);
    },
  };
}
