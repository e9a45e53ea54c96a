// The application state: the engine connection, the current view, the stores
// of each view, and the routing of engine events to them.
import type { EngineApi, EngineEvent, FileRef, Results } from '../../../../electron/contract/contract';
import { ExperimentStore } from './experiment.svelte';
import { ExportStore } from './export.svelte';
import { LiveStore } from './live.svelte';
import { RunsStore } from './runs.svelte';
import { SweepsStore } from './sweeps.svelte';

export const VIEWS = [
  { id: 'experiment', label: 'Experiment' },
  { id: 'live', label: 'Live' },
  { id: 'backward', label: 'Backward' },
  { id: 'svd', label: 'SVD' },
  { id: 'runs', label: 'Runs' },
  { id: 'sweeps', label: 'Sweeps' },
] as const;
export type View = (typeof VIEWS)[number]['id'];

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export class AppStore {
  view = $state<View>('experiment');
  info = $state.raw<Results['app.info'] | null>(null);
  connection = $state<'connected' | 'closed'>('connected');
  notices = $state<Notice[]>([]);
  /** Selections that survive switching views. */
  backwardRunId = $state<string | null>(null);
  svdRunIds = $state<string[]>([]);
  compareRunIds = $state<string[]>([]);

  readonly runs: RunsStore;
  readonly live: LiveStore;
  readonly experiment: ExperimentStore;
  readonly exports: ExportStore;
  readonly sweeps: SweepsStore;
  private unsubscribe: () => void;
  private noticeId = 0;

  /** @param fileUrl turns a workspace file (run images) into a URL the page can load. */
  constructor(
    readonly api: EngineApi,
    readonly fileUrl: (ref: FileRef) => string = (ref) => ref,
  ) {
    this.runs = new RunsStore(api);
    this.live = new LiveStore(api);
    this.experiment = new ExperimentStore(api);
    this.exports = new ExportStore(api, (text, kind) => this.notify(text, kind));
    this.sweeps = new SweepsStore(api);
    this.unsubscribe = api.onEvent((e) => this.onEvent(e));
  }

  async init(): Promise<void> {
    await Promise.all([
      this.api
        .call('app.info', {})
        .then((i) => (this.info = i))
        .catch((e) => this.notify(`app.info: ${e instanceof Error ? e.message : String(e)}`)),
      this.runs.refresh(),
      this.experiment.loadPresets(),
    ]);
    // Open the Live view on the run that is running now, if any.
    const running = this.runs.sorted.find((r) => r.run.status === 'running') ?? this.runs.sorted[0];
    if (running && !this.live.runId) void this.live.select(running.run.id);
  }

  onEvent(e: EngineEvent): void {
    if (e.type === 'runs.changed') {
      if (this.view === 'sweeps') void this.sweeps.refresh();
      void this.runs.refresh().then(() => {
        const s = this.runs.byId(this.live.runId);
        if (s) this.live.setRun(s.run);
      });
    } else if (e.type === 'train') {
      this.runs.onTrain(e.event);
      this.live.onTrain(e.event);
      if (e.event.type === 'finished' && (e.event.status === 'failed' || e.event.status === 'diverged')) {
        this.notify(`run ${e.event.runId} ${e.event.status}${e.event.error ? `: ${e.event.error}` : ''}`);
      }
    } else if (e.type === 'log') {
      this.live.onLog(e.runId, e.line);
    } else if (e.type === 'export.progress') {
      this.exports.onProgress(e);
    } else if (e.type === 'export.ended') {
      this.exports.onEnded();
    } else if (e.type === 'engine') {
      // A new engine process: runs it was training are now interrupted.
      this.notify(e.message, e.state === 'restarted' ? 'info' : 'error');
      if (e.state === 'restarted') void this.runs.refresh();
    }
  }

  go(view: View): void {
    this.view = view;
  }

  async startRun(): Promise<void> {
    const id = await this.experiment.start();
    if (!id) return;
    this.view = 'live';
    void this.runs.refresh();
    await this.live.select(id);
  }

  /** Opens a run in the Live view (its charts, status and log). */
  async openRun(id: string): Promise<void> {
    this.view = 'live';
    await this.live.select(id);
  }

  notify(text: string, kind: Notice['kind'] = 'error'): void {
    const id = ++this.noticeId;
    this.notices.push({ id, kind, text });
    if (this.notices.length > 5) this.notices.splice(0, this.notices.length - 5);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Runs fn and turns a failure into a notice. */
  async attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.notify(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  destroy(): void {
    this.unsubscribe();
  }
}
