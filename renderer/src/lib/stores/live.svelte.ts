// The Live view's run: its metrics (a plain array, appended to by events and
// handed to the chart controllers incrementally), progress, backend and log.
import type { EngineApi } from '../../../../electron/contract/contract';
import type { EvalRecord, RunRecord, TrainEvent } from '../../../../electron/engine/types';

export type LiveChange = { kind: 'reset' } | { kind: 'append'; record: EvalRecord };

const MAX_LOG = 300;

export class LiveStore {
  runId = $state<string | null>(null);
  run = $state.raw<RunRecord | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  progress = $state<{ step: number; totalSteps: number; stepsPerSec: number } | null>(null);
  backend = $state<string | null>(null);
  last = $state.raw<EvalRecord | null>(null);
  count = $state(0);
  log = $state<string[]>([]);

  /** Not reactive on purpose: charts read it on 'reset' and get appends one by one. */
  metrics: EvalRecord[] = [];
  private listeners = new Set<(c: LiveChange) => void>();
  private buffered: EvalRecord[] = [];
  private token = 0;

  constructor(private api: EngineApi) {}

  subscribe(fn: (c: LiveChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(c: LiveChange): void {
    for (const l of this.listeners) l(c);
  }

  async select(id: string | null): Promise<void> {
    const token = ++this.token;
    this.runId = id;
    this.run = null;
    this.metrics = [];
    this.buffered = [];
    this.last = null;
    this.count = 0;
    this.progress = null;
    this.backend = null;
    this.log = [];
    this.error = null;
    this.emit({ kind: 'reset' });
    if (!id) return;
    this.loading = true;
    try {
      const r = await this.api.call('runs.get', { id });
      if (token !== this.token) return;
      const metrics = [...r.metrics].sort((a, b) => a.step - b.step);
      const lastStep = metrics.length ? metrics[metrics.length - 1]!.step : -1;
      for (const b of this.buffered) if (b.step > lastStep) metrics.push(b);
      this.buffered = [];
      this.metrics = metrics;
      this.run = r.run;
      this.backend = r.run.backend;
      this.last = metrics[metrics.length - 1] ?? null;
      this.count = metrics.length;
      // Progress events that arrived while loading are newer than the record.
      const p = this.progress as LiveStore['progress'];
      if (!p || p.step < r.run.lastStep)
        this.progress = { step: r.run.lastStep, totalSteps: r.run.totalSteps, stepsPerSec: p?.stepsPerSec || this.last?.stepsPerSec || 0 };
      if (r.run.status === 'completed' && this.progress) this.progress = { ...this.progress, step: this.progress.totalSteps };
      this.emit({ kind: 'reset' });
    } catch (e) {
      if (token === this.token) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (token === this.token) this.loading = false;
    }
  }

  /** Re-reads the run record (status) without resetting the charts. */
  setRun(run: RunRecord): void {
    if (run.id === this.runId) this.run = run;
  }

  onTrain(e: TrainEvent): void {
    if (e.runId !== this.runId) return;
    switch (e.type) {
      case 'started':
        this.backend = e.backend;
        this.progress = { step: 0, totalSteps: e.totalSteps, stepsPerSec: 0 };
        break;
      case 'progress':
        this.progress = { step: e.step, totalSteps: e.totalSteps, stepsPerSec: e.stepsPerSec };
        break;
      case 'evaluation': {
        if (this.loading) {
          this.buffered.push(e.record);
          return;
        }
        const last = this.metrics[this.metrics.length - 1];
        if (last && last.step >= e.record.step) return;
        this.metrics.push(e.record);
        this.last = e.record;
        this.count = this.metrics.length;
        if (this.progress && e.record.step > this.progress.step) this.progress = { ...this.progress, step: e.record.step };
        this.emit({ kind: 'append', record: e.record });
        break;
      }
      case 'finished':
        if (this.run) this.run = { ...this.run, status: e.status, error: e.error };
        if (e.status === 'completed' && this.progress) this.progress = { ...this.progress, step: this.progress.totalSteps };
        break;
      default:
        break;
    }
  }

  onLog(runId: string, line: string): void {
    if (runId !== this.runId) return;
    this.log.push(line);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }
}
