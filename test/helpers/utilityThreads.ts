// Electron's utilityProcess and MessageChannelMain, stood in for by worker
// threads and worker_threads message ports (the Electron binary is not
// installed for the tests): main's side of the desktop app's process layout,
// with real message passing and port transfer between threads.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { UtilityProcess } from 'electron';
import type { MessagePortLike } from '../../electron/host/messagePort';
import type { PortPair, UtilityFork } from '../../electron/main/utilityChild';

const { electronPort, rawPort } = require('./electronPort.cjs') as {
  electronPort: (raw: MessagePort) => MessagePortLike;
  rawPort: (p: MessagePortLike) => MessagePort;
};

const BOOT = path.join(__dirname, 'utilityThreadBoot.cjs');

class ThreadUtilityProcess extends EventEmitter {
  readonly pid = process.pid;
  readonly stderr;
  private readonly worker: Worker;
  constructor(script: string) {
    super();
    this.worker = new Worker(BOOT, { workerData: { script }, stderr: true });
    this.stderr = this.worker.stderr;
    this.worker.on('message', (m) => this.emit('message', m));
    this.worker.on('error', (e) => this.emit('error', 'uncaught exception', String(e)));
    this.worker.on('exit', (code) => this.emit('exit', code));
  }
  postMessage(data: unknown, transfer: MessagePortLike[] = []): void {
    const ports = transfer.map(rawPort);
    this.worker.postMessage({ data, ports }, ports);
  }
  kill(): boolean {
    void this.worker.terminate();
    return true;
  }
}

/** utilityProcess.fork: the script in a worker thread. */
export const threadFork: UtilityFork = (modulePath) => new ThreadUtilityProcess(modulePath) as unknown as UtilityProcess;

/** new MessageChannelMain(). */
export const threadPorts: PortPair = () => {
  const { port1, port2 } = new MessageChannel();
  return { port1: electronPort(port1), port2: electronPort(port2) };
};
