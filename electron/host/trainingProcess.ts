// The training process. It owns the tfjs backend and runs one run, streaming
// its events to the engine service, so a crash here cannot take down the
// engine. While it trains it is the only writer of the run's run.json: the
// user's edits (rename, ...) arrive as messages and are applied here, between
// two training steps. If the engine that started it goes away, the run stops
// and is recorded as interrupted, with its last state checkpointed.
import { RunStore } from '../engine/store/runStore';
import { trainRun } from '../engine/train/trainer';
import { oneLine } from '../contract/oneLine';
import { engineChannel } from './trainingPort';
import type { ToTraining } from './trainingProtocol';
import { errorMessage } from '../engine/util/errorMessage';

/** The engine process: over the fork's IPC channel, or (desktop app) the port main hands over. */
const parent = engineChannel();
const abort = new AbortController();
let store: RunStore | null = null;
let started = false;
/** Edits that arrive before the training loop has taken over run.json (it rewrites the record as it starts) wait for it. */
let waitingEdits: Extract<ToTraining, { type: 'edit' }>[] | null = [];

function applyEdit(msg: Extract<ToTraining, { type: 'edit' }>): void {
  try {
    if (!store) throw new Error('the run has not started yet');
    parent.post({ type: 'edited', requestId: msg.requestId, run: store.applyEdit(msg.runId, msg.edit) });
  } catch (e) {
    parent.post({ type: 'edited', requestId: msg.requestId, error: oneLine(e) });
  }
}

function flushEdits(): void {
  const edits = waitingEdits ?? [];
  waitingEdits = null;
  edits.forEach(applyEdit);
}

parent.onMessage((msg) => {
  if (msg.type === 'cancel') abort.abort(msg.reason);
  else if (msg.type === 'edit') {
    // The training loop yields to the event loop every few ms, so an edit lands between two of its own writes.
    if (waitingEdits) waitingEdits.push(msg);
    else applyEdit(msg);
  } else if (msg.type === 'train' && !started) {
    started = true;
    store = new RunStore(msg.workspace);
    void run(store, msg);
  }
});
parent.onDisconnect(() => {
  if (started) abort.abort('interrupted');
  else process.exit(0);
});

async function run(store: RunStore, msg: Extract<ToTraining, { type: 'train' }>): Promise<void> {
  try {
    // The config as the engine parsed and stored it.
    const { config } = store.get(msg.runId);
    for await (const event of trainRun(config, { store, runId: msg.runId, signal: abort.signal, ...(msg.resume ? { resume: true } : {}) })) {
      parent.post({ type: 'event', event });
      if (event.type === 'started') flushEdits();
    }
    parent.post({ type: 'done' });
  } catch (e) {
    parent.post({ type: 'error', message: errorMessage(e) });
  }
  flushEdits();
  // Let the last messages flush before leaving; edits that arrive meanwhile are still answered.
  setTimeout(() => process.exit(0), 50);
}
