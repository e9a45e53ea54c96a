// The engine as the transports see it: an EngineHandler that relays each
// request to the engine process and its events back. It runs in the process
// that serves the UI and does no work of its own: no tfjs, no data, no
// workspace IO. If the engine process dies, requests in flight fail with a
// clear message, the UI is told ('engine' event), and a new engine process
// starts; runs it was training stop and are recorded as interrupted. An
// engine that keeps dying is restarted after a growing pause, never given up
// on while the app runs; 'engine.restart' (the UI's "Restart engine") starts
// one at once.
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
  /** Restarts at once within `restartWindowMs` (default 5 per minute); after that each waits a pause that doubles. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** The first pause before restarting an engine that keeps failing (default 1 s), doubled up to `maxBackoffMs` (default 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
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
  /** The pending restart of an engine that keeps failing, and how many of those in a row. */
  private backoff: { timer: NodeJS.Timeout | null; count: number } = { timer: null, count: 0 };

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
    // Answered here: the engine it restarts may be dead, or hung.
    if (channel === 'engine.restart') return (await this.restartNow()) as ResultOf<C>;
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
    this.child = null;
    this.dropRequests(`${message}: try again`);
    if (this.closing || this.fatal) return;
    const now = Date.now();
    const window = this.opts.restartWindowMs ?? 60_000;
    while (this.restarts.length && now - this.restarts[0] > window) this.restarts.shift();
    if (this.restarts.length >= (this.opts.maxRestarts ?? 5)) {
      const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, (this.opts.backoffMs ?? 1000) * 2 ** this.backoff.count);
      this.backoff.count++;
      this.broken = `${message}; it keeps failing: the workbench starts it again in ${Math.ceil(delay / 1000)} s, or restart the engine now`;
      this.backoff.timer = setTimeout(() => {
        this.backoff.timer = null;
        this.restarts.push(Date.now());
        this.respawn(`${message}; a new engine process has started after a pause`);
      }, delay);
      this.events.emit('event', { type: 'engine', state: 'stopped', message: this.broken } satisfies EngineEvent);
      return;
    }
    // Fewer crashes than that within the window: the engine had settled, the next pause starts short again.
    this.backoff.count = 0;
    this.restarts.push(now);
    this.respawn(`${message}; a new engine process has started and runs in flight were interrupted`);
  }

  /** Requests in flight fail; training processes lose their engine: they stop and record their runs as interrupted. */
  private dropRequests(why: string): void {
    for (const p of this.pending.values()) p.reject(new EngineUnavailableError(why));
    this.pending.clear();
    for (const t of this.training.values()) t.send({ type: 'cancel', reason: 'interrupted' });
    this.training.clear();
  }

  private respawn(message: string): void {
    if (this.closing) return;
    this.broken = null;
    this.spawn();
    this.events.emit('event', { type: 'engine', state: 'restarted', message } satisfies EngineEvent);
  }

  /** The UI's "Restart engine": a new engine process now, whether the last one is dead, waiting for its pause, or hung. */
  private async restartNow(): Promise<ResultOf<'engine.restart'>> {
    if (this.backoff.timer) clearTimeout(this.backoff.timer);
    this.backoff = { timer: null, count: 0 };
    this.restarts.length = 0;
    this.fatal = false;
    const old = this.child;
    if (old) {
      // Its exit must not count as a crash: it is no longer this.child when it arrives.
      this.child = null;
      this.dropRequests('the engine was restarted: try again');
      old.kill();
    }
    this.respawn('the engine was restarted on request; runs in flight were interrupted');
    await this.ready;
    return { pid: this.enginePid ?? null };
  }

  /** Stops the engine: it stops its training processes (runs become interrupted) and ends; killed after `timeoutMs`. */
  close(timeoutMs = 10_000): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.backoff.timer) clearTimeout(this.backoff.timer);
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
