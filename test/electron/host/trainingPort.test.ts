// Both ends of the direct engine <-> training channel of the desktop app, over
// real message ports (worker_threads', shaped as Electron's MessagePortMain).
import { describe, expect, it } from 'vitest';
import type { MessagePortLike } from '../../../electron/host/messagePort';
import type { ParentChannel } from '../../../electron/host/parentChannel';
import { TrainingOverPort, engineChannel } from '../../../electron/host/trainingPort';
import type { FromTraining, ToTraining } from '../../../electron/host/trainingProtocol';
import { threadPorts } from '../../helpers/utilityThreads';

const next = <T>(port: MessagePortLike) => new Promise<T>((resolve) => port.on('message', (e) => resolve(e.data as T)));

/** A utility process's parent channel: what main posts to it, and what it posts to main. */
function utilityParent() {
  const toMain: FromTraining[] = [];
  let deliver: (m: ToTraining, ports: MessagePortLike[]) => void = () => {};
  const parent: ParentChannel<ToTraining, FromTraining> = {
    kind: 'utility',
    post: (m) => toMain.push(m),
    onMessage: (cb) => (deliver = cb),
    onDisconnect: () => {},
  };
  return { parent, toMain, fromMain: (m: ToTraining, ports: MessagePortLike[] = []) => deliver(m, ports) };
}

describe('TrainingOverPort (the engine process end)', () => {
  it('holds what the service sends until the port arrives, then talks over it; kill and exit go through the parent', async () => {
    const kills: number[] = [];
    const t = new TrainingOverPort(() => kills.push(1));
    const got: FromTraining[] = [];
    t.onMessage((m) => got.push(m));
    t.send({ type: 'train', workspace: '/ws', runId: 'r1' });
    const { port1, port2 } = threadPorts();
    const first = next<ToTraining>(port2);
    t.connect(port1);
    expect(await first).toEqual({ type: 'train', workspace: '/ws', runId: 'r1' });
    port2.postMessage({ type: 'done' } satisfies FromTraining);
    await expect.poll(() => got).toEqual([{ type: 'done' }]);
    t.kill();
    expect(kills).toHaveLength(1);
    const exits: string[] = [];
    t.onExit((d) => exits.push(d));
    t.exited('exit 0');
    expect(exits).toEqual(['exit 0']);
    // After the end: nothing is sent, kill does nothing, a late listener still hears of the end.
    t.kill();
    expect(kills).toHaveLength(1);
    await new Promise<void>((resolve) => t.onExit(() => resolve()));
  });
});

describe('engineChannel (the training process end)', () => {
  it('is the parent channel itself in a fork', () => {
    const fork: ParentChannel<ToTraining, FromTraining> = { ...utilityParent().parent, kind: 'fork' };
    expect(engineChannel(fork)).toBe(fork);
  });

  it('in a utility process: posts wait for the port main hands over, then go over it, not to main', async () => {
    const { parent, toMain, fromMain } = utilityParent();
    const ch = engineChannel(parent);
    const received: ToTraining[] = [];
    ch.onMessage((m) => received.push(m));
    ch.post({ type: 'error', message: 'early' });
    const { port1, port2 } = threadPorts();
    const first = next<FromTraining>(port1);
    fromMain({ type: 'engine.port' }, [port2]);
    expect(await first).toEqual({ type: 'error', message: 'early' });
    port1.postMessage({ type: 'cancel' } satisfies ToTraining);
    // Main's own messages still arrive (a cancel when the engine process is gone).
    fromMain({ type: 'cancel', reason: 'interrupted' });
    await expect.poll(() => received).toEqual([{ type: 'cancel', reason: 'interrupted' }, { type: 'cancel' }]);
    ch.post({ type: 'done' });
    expect(await next<FromTraining>(port1)).toEqual({ type: 'done' });
    expect(toMain).toEqual([]);
  });

  it('says the engine is gone when the other end of the port closes', async () => {
    const { parent, fromMain } = utilityParent();
    const ch = engineChannel(parent);
    const gone = new Promise<void>((resolve) => ch.onDisconnect(resolve));
    const { port1, port2 } = threadPorts();
    fromMain({ type: 'engine.port' }, [port2]);
    port1.close();
    await gone;
  });
});
