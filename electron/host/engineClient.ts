// The engine as the transports see it: an EngineHandler that relays each
// request to the engine process and its events back. It runs in the process
// that serves the UI and does no work of its own: no tfjs, no data, no
// workspace IO. If the engine process dies, requests in flight fail with a
// clear message, the UI is told ('engine' event), and a new engine process
// starts; runs it was training stop and are recorded as interrupted.
import { EventEmitter } from 'node:events';
import type { Channel, EngineEvent, EngineHandler, ResultOf } from '../contract/contract';
import type { ChildHandle } from './childHandle';
import type { FromEngine, ToEngine, TrainingSpawn } from './engineProtocol';
import type { MessagePortLike } from './messagePort';
import type { ToTraining } from './trainingProtocol';

export type EngineHandle = ChildHandle<ToEngine, FromEngine>;

/**
 * Electron: a training process main started for the engine process, and the
 * engine's end of the MessageChannelMain whose other end the training process
 * has. Main sees its start, kill and exit only; its messages go over the channel.
 */
export interface TrainingLink {
  process: ChildHandle<ToTraining, unknown>;
  enginePort: MessagePortLike;
}

export interface EngineClientOptions {
  workspace: string;
  mode: 'electron' | 'browser';
  /** Starts an engine process (engineProcess.js): fork in browser mode, utilityProcess in Electron. */
  spawnEngine: () => EngineHandle;
  /** Electron: the engine asks us to start its training processes (utilityProcess is main-only); needs an engine handle with sendPorts. */
  spawnTrainingProcess?: () => TrainingLink;
  /** Restarts allowed within `restartWindowMs` before the client gives up (default 5 per minute). */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** How long the first start may take (default 60 s). */
  startTimeoutMs?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class EngineUnavailableError extends Error {}

export class EngineClient implements EngineHandler {
  private child: EngineHandle | null = null;
  private ready: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private readonly events = new EventEmitter();
  /** Training processes started for the engine process (spawnTrainingProcess), by the engine's key. */
  private readonly training = new Map<number, ChildHandle<ToTraining, unknown>>();
  private readonly restarts: number[] = [];
  private nextId = 1;
  private closing: Promise<void> | null = null;
  /** Set when the engine cannot be (re)started: every request fails with it. */
  private broken: string | null = null;
  private fatal = false;
  private current: string;
  private enginePid: number | undefined;

  constructor(private readonly opts: EngineClientOptions) {
    this.current = opts.workspace;
    this.events.setMaxListeners(100);
  }

  /** The workspace the engine serves now; the transports serve its files. */
  get workspace(): string {
    return this.current;
  }

  /** Process id of the running engine process (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.enginePid;
  }

  /** Starts the engine process; resolves once it serves requests, rejects if it cannot open its workspace. */
  start(): Promise<void> {
    this.spawn();
    return this.ready;
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  async handle<C extends Channel>(channel: C, payload: unknown): Promise<ResultOf<C>> {
    if (this.closing) throw new EngineUnavailableError('the engine is shutting down');
    await this.ready;
    if (this.broken) throw new EngineUnavailableError(this.broken);
    const child = this.child!;
    const id = this.nextId++;
    return new Promise<ResultOf<C>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ type: 'request', id, channel, payload });
    });
  }

  private spawn(): void {
    const child = this.opts.spawnEngine();
    this.child = child;
    this.enginePid = child.pid;
    let settle!: (error?: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => settle(new Error('the engine process did not start in time')), this.opts.startTimeoutMs ?? 60_000);
      settle = (error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) {
          this.broken = error.message;
          reject(error);
        } else resolve();
      };
    });
    // Callers of handle() see `broken` instead of an unhandled rejection.
    this.ready.catch(() => {});
    child.onMessage((m) => this.onMessage(child, m, settle));
    child.onExit((detail) => this.onExit(child, detail, settle));
    child.send({
      type: 'init',
      workspace: this.current,
      mode: this.opts.mode,
      training: (this.opts.spawnTrainingProcess ? 'parent' : 'fork') satisfies TrainingSpawn,
    });
  }

  private onMessage(child: EngineHandle, m: FromEngine, settle: (error?: Error) => void): void {
    if (child !== this.child) return;
    switch (m.type) {
      case 'ready':
        this.current = m.workspace;
        this.enginePid = m.pid;
        settle();
        return;
      case 'failed':
        // Another engine would fail the same way: no restart.
        this.fatal = true;
        settle(new Error(m.message));
        child.kill();
        return;
      case 'response': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(m.error.message));
        return;
      }
      case 'workspace':
        this.current = m.workspace;
        return;
      case 'event':
        this.events.emit('event', m.event);
        return;
      case 'closed':
        return;
      case 'training.spawn':
        this.spawnTrainingFor(child, m.key);
        return;
      case 'training.kill':
        this.training.get(m.key)?.kill();
        return;
    }
  }

  private spawnTrainingFor(child: EngineHandle, key: number): void {
    if (!this.opts.spawnTrainingProcess || !child.sendPorts)
      return child.send({ type: 'training.exit', key, detail: 'this engine host cannot start training processes' });
    const { process: t, enginePort } = this.opts.spawnTrainingProcess();
    this.training.set(key, t);
    child.sendPorts({ type: 'training.port', key }, [enginePort]);
    t.onExit((detail) => {
      // Keys restart with each engine: an old engine's training process must not remove a new one's.
      if (this.training.get(key) === t) this.training.delete(key);
      if (child === this.child) child.send({ type: 'training.exit', key, detail });
    });
  }

  private onExit(child: EngineHandle, detail: string, settle: (error?: Error) => void): void {
    if (child !== this.child) return;
    const message = `the engine process stopped unexpectedly (${detail})`;
    settle(new Error(message));
    for (const p of this.pending.values()) p.reject(new EngineUnavailableError(`${message}: try again`));
    this.pending.clear();
    // Its training processes lose their engine: they stop and record their runs as interrupted.
    for (const t of this.training.values()) t.send({ type: 'cancel', reason: 'interrupted' });
    this.training.clear();
    if (this.closing || this.fatal) return;
    const now = Date.now();
    const window = this.opts.restartWindowMs ?? 60_000;
    while (this.restarts.length && now - this.restarts[0] > window) this.restarts.shift();
    if (this.restarts.length >= (this.opts.maxRestarts ?? 5)) {
      this.broken = `${message}; it keeps failing, so it was not restarted: restart the workbench`;
      this.events.emit('event', { type: 'engine', state: 'stopped', message: this.broken } satisfies EngineEvent);
      return;
    }
    this.restarts.push(now);
    this.broken = null;
    this.spawn();
    this.events.emit('event', {
      type: 'engine',
      state: 'restarted',
      message: `${message}; a new engine process has started and runs in flight were interrupted`,
    } satisfies EngineEvent);
  }

  /** Stops the engine: it stops its training processes (runs become interrupted) and ends; killed after `timeoutMs`. */
  close(timeoutMs = 10_000): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const child = this.child;
      if (!child) return resolve();
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, timeoutMs);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      child.send({ type: 'shutdown' });
    }).finally(() => {
      for (const p of this.pending.values()) p.reject(new EngineUnavailableError('the engine is shutting down'));
      this.pending.clear();
      this.events.removeAllListeners();
    });
    return this.closing;
  }
}
