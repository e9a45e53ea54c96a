// What a parent needs of a child process it talks to by messages, whichever
// way the child was started: child_process.fork (browser mode, the CLI, tests)
// or Electron's utilityProcess (the desktop app).
import { fork } from 'node:child_process';
import type { MessagePortLike } from './messagePort';

export interface ChildHandle<Send, Receive> {
  readonly pid: number | undefined;
  send(msg: Send): void;
  /** Sends a message with message ports in its transfer list: a utilityProcess can, a fork cannot (absent). */
  sendPorts?(msg: Send, ports: MessagePortLike[]): void;
  onMessage(cb: (msg: Receive) => void): void;
  /** Called once when the process ends; `detail` carries the exit code/signal and the tail of its stderr. Called at once if it has already ended. */
  onExit(cb: (detail: string) => void): void;
  kill(): void;
}

const STDERR_TAIL = 4000;

/**
 * child_process.fork of a compiled script, with its stderr kept for crash
 * reports. Structured-clone serialisation, as utilityProcess uses, so both
 * kinds of child see the same messages (NaN stays NaN).
 */
export function forkChild<Send, Receive>(script: string, args: string[] = []): ChildHandle<Send, Receive> {
  const child = fork(script, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
  // A send racing the child's exit fails with EPIPE/ERR_IPC_CHANNEL_CLOSED: the exit is reported through onExit.
  child.on('error', () => {});
  let exitDetail: string | null = null;
  child.once('exit', (code, signal) => (exitDetail = `exit ${signal ?? code}${stderr.trim() ? `; stderr: ${stderr.trim()}` : ''}`));
  return {
    pid: child.pid,
    send: (msg) => {
      if (exitDetail === null && child.connected) child.send(msg as object);
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as Receive)),
    onExit: (cb) => {
      if (exitDetail !== null) queueMicrotask(() => cb(exitDetail!));
      else child.once('exit', () => cb(exitDetail!));
    },
    kill: () => {
      if (exitDetail === null) child.kill('SIGKILL');
    },
  };
}
