// The engine process: hosts the engine service, so that data loading, PNG
// decoding, workspace IO, SVD and export threads and the training processes'
// messages never touch the process that serves the UI (Electron main, the
// browser-mode server). Started by EngineClient (engineClient.ts) as a
// utilityProcess in Electron and with child_process.fork in browser mode; it
// answers 'request' messages and forwards the service's events.
import { parseRequest } from '../contract/contract';
import { oneLine } from '../contract/oneLine';
import { createEngineService, type EngineService } from './service';
import type { FromEngine, ToEngine } from './engineProtocol';
import { parentChannel } from './parentChannel';
import { forkWorker } from './forkWorker';
import type { FromWorker, ToWorker, WorkerHandle } from './workerProtocol';

const parent = parentChannel<ToEngine, FromEngine>();
let service: EngineService | null = null;
let closing: Promise<void> | null = null;

/** Electron: utilityProcess can only be started from main, so main starts training processes for us and relays their messages. */
const trainers = new Map<number, { message: ((m: FromWorker) => void)[]; exit: ((d: string) => void)[]; exited: string | null }>();
let nextTrainer = 1;
function spawnThroughParent(): WorkerHandle {
  const key = nextTrainer++;
  const t = { message: [] as ((m: FromWorker) => void)[], exit: [] as ((d: string) => void)[], exited: null as string | null };
  trainers.set(key, t);
  parent.post({ type: 'trainer.spawn', key });
  return {
    pid: undefined,
    send: (msg: ToWorker) => {
      if (t.exited === null) parent.post({ type: 'trainer.send', key, msg });
    },
    onMessage: (cb) => void t.message.push(cb),
    onExit: (cb) => {
      if (t.exited !== null) queueMicrotask(() => cb(t.exited!));
      else t.exit.push(cb);
    },
    kill: () => parent.post({ type: 'trainer.kill', key }),
  };
}

function close(): Promise<void> {
  closing ??= (service?.close() ?? Promise.resolve()).catch(() => {});
  return closing;
}

parent.onMessage((m) => {
  switch (m.type) {
    case 'init': {
      if (service) return;
      try {
        service = createEngineService({ workspace: m.workspace, mode: m.mode, spawnWorker: m.trainers === 'parent' ? spawnThroughParent : () => forkWorker() });
      } catch (e) {
        parent.post({ type: 'failed', message: `cannot open workspace ${m.workspace}: ${oneLine(e)}` });
        return;
      }
      service.onEvent((event) => parent.post({ type: 'event', event }));
      parent.post({ type: 'ready', workspace: service.workspace, pid: process.pid });
      return;
    }
    case 'request':
      void answer(m.id, m.channel, m.payload);
      return;
    case 'shutdown':
      void close().then(() => {
        parent.post({ type: 'closed' });
        setTimeout(() => process.exit(0), 20);
      });
      return;
    case 'trainer.message':
      for (const cb of trainers.get(m.key)?.message ?? []) cb(m.msg);
      return;
    case 'trainer.exit': {
      const t = trainers.get(m.key);
      if (!t) return;
      t.exited = m.detail;
      trainers.delete(m.key);
      for (const cb of t.exit) cb(m.detail);
      return;
    }
  }
});

async function answer(id: number, channel: unknown, payload: unknown): Promise<void> {
  // The transport checked the request already; checked again, because this is where it takes effect.
  const parsed = parseRequest(channel, payload);
  if (!parsed.ok) return parent.post({ type: 'response', id, ok: false, error: { message: parsed.error } });
  if (!service || closing) return parent.post({ type: 'response', id, ok: false, error: { message: 'the engine is shutting down' } });
  try {
    const result = await service.handle(parsed.channel, parsed.payload);
    if (parsed.channel === 'workspace.set') parent.post({ type: 'workspace', workspace: service.workspace });
    parent.post({ type: 'response', id, ok: true, result });
  } catch (e) {
    parent.post({ type: 'response', id, ok: false, error: { message: oneLine(e) } });
  }
}

// Browser mode: the server went away without saying goodbye. Stop training
// processes (they record their runs as interrupted) and leave.
parent.onDisconnect(() => void close().then(() => process.exit(0)));
