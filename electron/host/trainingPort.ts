// Both ends of the direct channel between the engine process and a training
// process in the desktop app, where main starts training processes (a
// utilityProcess is main-only) and hands each of them one end of a
// MessageChannelMain, the engine process the other: their messages never pass
// through main. Main only sees the process start and end.
import type { MessagePortLike } from './messagePort';
import { parentChannel, type ParentChannel } from './parentChannel';
import type { FromTraining, ToTraining, TrainingHandle } from './trainingProtocol';

/**
 * The engine process's handle of a training process its parent started: its
 * messages go over the port once it has arrived (sends before that wait), its
 * end and kill go through the parent, which owns the process.
 */
export class TrainingOverPort implements TrainingHandle {
  readonly pid = undefined;
  private port: MessagePortLike | null = null;
  private waiting: ToTraining[] = [];
  private readonly receivers: ((m: FromTraining) => void)[] = [];
  private readonly exitListeners: ((detail: string) => void)[] = [];
  private exitDetail: string | null = null;

  /** `kill`: asks the parent to end the process. */
  constructor(private readonly killProcess: () => void) {}

  /** The engine's end of the channel, handed over by the parent. */
  connect(port: MessagePortLike): void {
    if (this.port || this.exitDetail !== null) return port.close();
    this.port = port;
    port.on('message', (e) => {
      for (const cb of this.receivers) cb(e.data as FromTraining);
    });
    port.start();
    for (const m of this.waiting) port.postMessage(m);
    this.waiting = [];
  }

  /** The parent saw the process end. */
  exited(detail: string): void {
    if (this.exitDetail !== null) return;
    this.exitDetail = detail;
    this.port?.close();
    this.waiting = [];
    for (const cb of this.exitListeners.splice(0)) cb(detail);
  }

  send(msg: ToTraining): void {
    if (this.exitDetail !== null) return;
    if (this.port) this.port.postMessage(msg);
    else this.waiting.push(msg);
  }

  onMessage(cb: (msg: FromTraining) => void): void {
    this.receivers.push(cb);
  }

  onExit(cb: (detail: string) => void): void {
    const detail = this.exitDetail;
    if (detail !== null) queueMicrotask(() => cb(detail));
    else this.exitListeners.push(cb);
  }

  kill(): void {
    if (this.exitDetail === null) this.killProcess();
  }
}

/**
 * The training process's channel to the engine process. Forked by the engine
 * process: the fork's IPC channel. A utility process started by main: the
 * port main hands over in an 'engine.port' message (what is posted before it
 * arrives waits), and main's own messages (a cancel when the engine process
 * is gone); the port closing means the engine process is gone.
 */
export function engineChannel(parent: ParentChannel<ToTraining, FromTraining> = parentChannel()): ParentChannel<ToTraining, FromTraining> {
  if (parent.kind === 'fork') return parent;
  let port: MessagePortLike | null = null;
  let waiting: FromTraining[] = [];
  const receivers: ((m: ToTraining) => void)[] = [];
  const disconnects: (() => void)[] = [];
  parent.onMessage((m, ports) => {
    if (m.type !== 'engine.port') {
      for (const cb of receivers) cb(m);
      return;
    }
    if (port || !ports[0]) return;
    port = ports[0];
    port.on('message', (e) => {
      for (const cb of receivers) cb(e.data as ToTraining);
    });
    port.on('close', () => {
      for (const cb of disconnects) cb();
    });
    port.start();
    for (const w of waiting) port.postMessage(w);
    waiting = [];
  });
  return {
    kind: parent.kind,
    post(msg) {
      if (port) port.postMessage(msg);
      else waiting.push(msg);
    },
    onMessage(cb) {
      receivers.push((m) => cb(m, []));
    },
    onDisconnect(cb) {
      disconnects.push(cb);
    },
  };
}
