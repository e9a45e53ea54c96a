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
import { forkTrainingProcess } from './forkTrainingProcess';
import type { TrainingHandle } from './trainingProtocol';
import { TrainingOverPort } from './trainingPort';

const parent = parentChannel<ToEngine, FromEngine>();
let service: EngineService | null = null;
let closing: Promise<void> | null = null;

/**
 * Electron: a utilityProcess can only be started from main, so main starts
 * training processes for us and hands us one end of a direct channel to each;
 * only their start, kill and exit go through main.
 */
const started = new Map<number, TrainingOverPort>();
let nextKey = 1;
function spawnThroughParent(): TrainingHandle {
  const key = nextKey++;
  const t = new TrainingOverPort(() => parent.post({ type: 'training.kill', key }));
  started.set(key, t);
  parent.post({ type: 'training.spawn', key });
  return t;
}

function close(): Promise<void> {
  closing ??= (service?.close() ?? Promise.resolve()).catch(() => {});
  return closing;
}

parent.onMessage((m, ports) => {
  switch (m.type) {
    case 'init': {
      if (service) return;
      try {
        service = createEngineService({
          workspace: m.workspace,
          mode: m.mode,
          spawnTrainingProcess: m.training === 'parent' ? spawnThroughParent : () => forkTrainingProcess(),
        });
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
    case 'training.port': {
      const [port] = ports;
      if (port) started.get(m.key)?.connect(port);
      return;
    }
    case 'training.exit':
      started.get(m.key)?.exited(m.detail);
      started.delete(m.key);
      return;
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
