// The training process. It owns the tfjs backend and runs one run, streaming
// its events to the service, so a crash here cannot take down the UI.
import { RunStore } from '../engine/store/runStore';
import { trainRun } from '../engine/train/trainer';
import type { FromWorker, ToWorker } from './workerProtocol';

interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

// Electron's utilityProcess talks through process.parentPort, child_process.fork through process.send.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const post = (msg: FromWorker): void => {
  if (parentPort) parentPort.postMessage(msg);
  else process.send?.(msg);
};
const onMessage = (cb: (msg: ToWorker) => void): void => {
  if (parentPort) parentPort.on('message', (e) => cb(e.data as ToWorker));
  else process.on('message', (m) => cb(m as ToWorker));
};

const abort = new AbortController();
let started = false;

onMessage((msg) => {
  if (msg.type === 'cancel') abort.abort();
  else if (msg.type === 'train' && !started) {
    started = true;
    void run(msg);
  }
});

async function run(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  try {
    const store = new RunStore(msg.workspace);
    for await (const event of trainRun(msg.config, { store, runId: msg.runId, signal: abort.signal })) post({ type: 'event', event });
    post({ type: 'done' });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  // Let the last messages flush before leaving.
  setTimeout(() => process.exit(0), 50);
}
