// The Live view's runs: the run that is training (followed by default) and
// the runs the user picked, overlaid TensorBoard-style. Each run's metrics are
// a plain array, appended to by events and handed to the chart controllers
// incrementally; progress, ETA, backend and log are reactive.
import type { EngineApi, RunSummary } from '../../../../electron/contract/contract';
import type { EvalRecord, RunRecord, TrainEvent } from '../../../../electron/engine/types';
import { EtaEstimator } from '../eta';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export type LiveChange = { kind: 'reset' } | { kind: 'append'; runId: string; record: EvalRecord };

const MAX_LOG = 300;

export interface Progress {
  step: number;
  totalSteps: number;
  stepsPerSec: number;
}

/** One run shown in Live. */
export class LiveRun {
  run = $state.raw<RunRecord | null>(null);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  progress = $state<Progress | null>(null);
  backend = $state<string | null>(null);
  last = $state.raw<EvalRecord | null>(null);
  count = $state(0);
  log = $state<string[]>([]);
  /** Seconds to the last step while it trains, else null. */
  eta = $state<number | null>(null);

  /** Not reactive on purpose: charts read it on 'reset' and get appends one by one. */
  metrics: EvalRecord[] = [];
  buffered: EvalRecord[] = [];
  readonly estimator = new EtaEstimator();

  constructor(readonly id: string) {}

  updateEta(now: number): void {
    const p = this.progress;
    if (!p || this.run?.status !== 'running') {
      this.eta = null;
      return;
    }
    this.estimator.add(p.step, now);
    this.eta = this.estimator.secondsLeft(p.step, p.totalSteps, p.stepsPerSec);
  }
}

export class LiveStore {
  /** Runs the user picked, in the order picked. */
  pinned = $state<string[]>([]);
  /** Show the run that is training (or trained last) besides the picked ones. */
  follow = $state(true);
  /** The run that is training now, or the one that trained last. */
  followedId = $state<string | null>(null);
  /** The runs shown, followed run first. */
  entries = $state.raw<LiveRun[]>([]);

  private listeners = new Set<(c: LiveChange) => void>();

  constructor(
    private api: EngineApi,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** The first run shown (the followed one when following). */
  get primary(): LiveRun | null {
    return this.entries[0] ?? null;
  }

  get primaryId(): string | null {
    return this.entries[0]?.id ?? null;
  }

  entry(id: string | null | undefined): LiveRun | undefined {
    return id ? this.entries.find((e) => e.id === id) : undefined;
  }

  /** Evaluations drawn, over every run shown. */
  get points(): number {
    return this.entries.reduce((n, e) => n + e.count, 0);
  }

  subscribe(fn: (c: LiveChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(c: LiveChange): void {
    for (const l of this.listeners) l(c);
  }

  /** The ids to show: the followed run (when following), then the picked ones. */
  wanted(): string[] {
    const ids = this.follow && this.followedId ? [this.followedId] : [];
    for (const id of this.pinned) if (!ids.includes(id)) ids.push(id);
    return ids;
  }

  /** Brings the entries in line with wanted(): new runs load, dropped ones go. */
  private sync(): void {
    const want = this.wanted();
    if (want.length === this.entries.length && want.every((id, i) => this.entries[i]!.id === id)) return;
    const have = new Map(this.entries.map((e) => [e.id, e]));
    this.entries = want.map((id) => have.get(id) ?? this.open(id));
    this.emit({ kind: 'reset' });
  }

  private open(id: string): LiveRun {
    const e = new LiveRun(id);
    void this.load(e);
    return e;
  }

  private async load(e: LiveRun): Promise<void> {
    e.loading = true;
    try {
      const r = await this.api.call('runs.get', { id: e.id });
      if (!this.entries.includes(e)) return;
      const metrics = [...r.metrics].sort((a, b) => a.step - b.step);
      const lastStep = metrics.length ? metrics[metrics.length - 1]!.step : -1;
      for (const b of e.buffered) if (b.step > lastStep) metrics.push(b);
      e.buffered = [];
      e.metrics = metrics;
      e.run = r.run;
      e.backend = r.run.backend;
      e.last = metrics[metrics.length - 1] ?? null;
      e.count = metrics.length;
      // Progress events that arrived while loading are newer than the record.
      const p = e.progress as Progress | null;
      if (!p || p.step < r.run.lastStep)
        e.progress = { step: r.run.lastStep, totalSteps: r.run.totalSteps, stepsPerSec: p?.stepsPerSec || e.last?.stepsPerSec || 0 };
      if (r.run.status === 'completed' && e.progress) e.progress = { ...e.progress, step: e.progress.totalSteps };
      e.loaded = true;
      e.error = null;
      this.emit({ kind: 'reset' });
    } catch (err) {
      if (this.entries.includes(e)) e.error = errorMessage(err);
    } finally {
      e.loading = false;
    }
  }

  /** Shows this run alone (e.g. "Live" in the run list); following resumes with setFollow(true). */
  select(id: string | null): void {
    this.pinned = id ? [id] : [];
    this.follow = id !== null && id === this.followedId && this.entry(id)?.run?.status === 'running';
    if (this.follow) this.pinned = [];
    this.sync();
  }

  pin(id: string, on: boolean): void {
    const ids = this.pinned.filter((x) => x !== id);
    this.pinned = on ? [...ids, id] : ids;
    if (!on && this.followedId === id) this.follow = false;
    this.sync();
  }

  /** Shows these runs side by side, following none (e.g. the reference runs of a reproduction). */
  showRuns(ids: readonly string[]): void {
    this.pinned = [...ids];
    this.follow = false;
    this.sync();
  }

  setFollow(on: boolean): void {
    this.follow = on;
    this.sync();
  }

  /** The run to follow when the app opens: the one training, else the one that trained last. */
  initFollow(runs: RunSummary[]): void {
    if (this.followedId) return;
    const running = runs.find((r) => r.run.status === 'running');
    const last = [...runs]
      .filter((r) => r.run.status !== 'queued')
      .sort((a, b) => (b.run.startedAt ?? b.run.createdAt ?? '').localeCompare(a.run.startedAt ?? a.run.createdAt ?? ''))[0];
    this.followedId = (running ?? last)?.run.id ?? null;
    this.sync();
  }

  /** Follows this run (one that starts training now). */
  followRun(id: string): void {
    this.followedId = id;
    this.follow = true;
    this.sync();
  }

  /** The run list changed: refresh statuses; runs that no longer exist are dropped. Returns the dropped ids. */
  onRuns(runs: RunSummary[]): string[] {
    const ids = new Set(runs.map((r) => r.run.id));
    const gone = [...new Set([...this.pinned, ...(this.followedId ? [this.followedId] : [])])].filter((id) => !ids.has(id));
    if (gone.length) {
      this.pinned = this.pinned.filter((id) => ids.has(id));
      if (this.followedId && !ids.has(this.followedId)) this.followedId = null;
      this.sync();
    }
    for (const e of this.entries) {
      const s = runs.find((r) => r.run.id === e.id);
      if (s && e.run && s.run.status !== e.run.status) e.run = s.run;
    }
    return gone;
  }

  onTrain(ev: TrainEvent): void {
    if (ev.type === 'started') {
      this.followedId = ev.runId;
      this.sync();
    }
    const e = this.entry(ev.runId);
    if (!e) return;
    const now = this.clock();
    switch (ev.type) {
      case 'started':
        e.backend = ev.backend;
        e.progress = { step: 0, totalSteps: ev.totalSteps, stepsPerSec: 0 };
        if (e.run) e.run = { ...e.run, status: 'running' };
        e.estimator.reset();
        e.updateEta(now);
        break;
      case 'progress':
        e.progress = { step: ev.step, totalSteps: ev.totalSteps, stepsPerSec: ev.stepsPerSec };
        e.updateEta(now);
        break;
      case 'evaluation': {
        if (e.loading) {
          e.buffered.push(ev.record);
          return;
        }
        const last = e.metrics[e.metrics.length - 1];
        if (last && last.step >= ev.record.step) return;
        e.metrics.push(ev.record);
        e.last = ev.record;
        e.count = e.metrics.length;
        if (e.progress && ev.record.step > e.progress.step) e.progress = { ...e.progress, step: ev.record.step };
        this.emit({ kind: 'append', runId: e.id, record: ev.record });
        break;
      }
      case 'finished':
        if (e.run) e.run = { ...e.run, status: ev.status, ...(ev.error ? { error: ev.error } : {}) };
        if (ev.status === 'completed' && e.progress) e.progress = { ...e.progress, step: e.progress.totalSteps };
        e.eta = null;
        break;
      default:
        break;
    }
  }

  onLog(runId: string, line: string): void {
    const e = this.entry(runId);
    if (!e) return;
    e.log.push(line);
    if (e.log.length > MAX_LOG) e.log.splice(0, e.log.length - MAX_LOG);
  }
}
