// The application state: the engine connection, the current view, the stores
// of each view, and the routing of engine events to them.
import type { EngineApi, EngineEvent, FileRef, Results } from '../../../../electron/contract/contract';
import type { EvalRecord, TrainEvent } from '../../../../electron/engine/types';
import { ExperimentStore } from './experiment.svelte';
import { ExportStore } from './export.svelte';
import { LiveStore } from './live.svelte';
import { RunsStore } from './runs.svelte';
import { keepSession } from './session.svelte';
import { SweepsStore } from './sweeps.svelte';
import { SvdStore } from './svd.svelte';
import { InfoPlaneStore } from './infoPlane.svelte';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export const VIEWS = [
  { id: 'experiment', label: 'Experiment' },
  { id: 'live', label: 'Live' },
  { id: 'backward', label: 'Backward' },
  { id: 'svd', label: 'SVD' },
  { id: 'runs', label: 'Runs' },
  { id: 'sweeps', label: 'Sweeps' },
  { id: 'infoplane', label: 'Info plane' },
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
  /** Why the engine is down (it keeps failing; its host starts it again after a pause): the app offers "Restart engine" meanwhile. */
  engineDown = $state<string | null>(null);
  restartingEngine = $state(false);
  /** Selections that survive switching views. */
  /** Backward view: the runs shown side by side (the first is the one scrubbed by default). */
  backwardRunIds = $state<string[]>([]);
  svdRunIds = $state<string[]>([]);
  /** SVD view layout: runs x vectors (Fig. 3) or one detailed row per run; null = the grid for several runs. */
  svdMode = $state<'grid' | 'rows' | null>(null);
  compareRunIds = $state<string[]>([]);
  /** Info plane view: the runs whose information planes are overlaid. */
  infoPlaneRunIds = $state<string[]>([]);
  /** The reference runs of a reproduction in progress: when all have ended, the SVD view compares them (Fig. 3). */
  reproducing = $state<string[]>([]);
  /** The colours of the runs in the SVD view (one each, runColors.ts). */
  svdStyles = $derived.by(() => this.runs.styles(this.svdRunIds));

  readonly runs: RunsStore;
  readonly live: LiveStore;
  readonly experiment: ExperimentStore;
  readonly exports: ExportStore;
  readonly sweeps: SweepsStore;
  readonly svd: SvdStore;
  readonly infoPlane: InfoPlaneStore;
  private unsubscribe: () => void;
  private noticeId = 0;

  /**
   * @param fileUrl turns a workspace file (run images) into a URL the page can load.
   * @param downloadUrl browser mode: the URL of an exported bundle's download (export.bundle's `download`).
   */
  constructor(
    readonly api: EngineApi,
    readonly fileUrl: (ref: FileRef) => string = (ref) => ref,
    readonly downloadUrl: ((path: string) => string) | null = null,
  ) {
    this.runs = new RunsStore(api);
    this.live = new LiveStore(api);
    this.experiment = new ExperimentStore(api);
    this.exports = new ExportStore(api, (text, kind) => this.notify(text, kind));
    this.sweeps = new SweepsStore(api);
    this.svd = new SvdStore(api);
    this.infoPlane = new InfoPlaneStore(api);
    this.unsubscribe = api.onEvent((e) => this.onEvent(e));
  }

  async init(): Promise<void> {
    await Promise.all([
      this.api
        .call('app.info', {})
        .then((i) => (this.info = i))
        .catch((e) => this.notify(`app.info: ${errorMessage(e)}`)),
      this.runs.refresh(),
      this.experiment.loadPresets(),
    ]);
    this.knownNames = new Map(this.runs.runs.map((r) => [r.run.id, r.run.name]));
    // Live follows the run that is training now, or the one that trained last.
    this.live.initFollow(this.runs.runs);
    // The forms and selections of this workspace, as they were (a reload, a restart, or back to this workspace).
    this.stopSession();
    this.stopSession = await keepSession(this.api, this, () => new Set(this.runs.runs.map((r) => r.run.id)));
  }

  private stopSession: () => void = () => {};

  onEvent(e: EngineEvent): void {
    if (e.type === 'runs.changed') {
      if (this.view === 'sweeps') void this.sweeps.refresh();
      void this.runs.refresh().then(() => this.onRunsChanged());
    } else if (e.type === 'train') {
      const before = this.runs.byId(e.event.runId);
      const name = before?.run.name ?? e.event.runId;
      this.runs.onTrain(e.event);
      this.live.onTrain(e.event);
      if (e.event.type === 'finished') {
        this.announceFinished(name, e.event, before?.last ?? null);
        this.endReproduction();
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
      this.engineDown = e.state === 'stopped' ? e.message : null;
      if (e.state === 'restarted') void this.runs.refresh();
    }
  }

  /** Names of runs known before the last refresh, to name the ones deleted. */
  private knownNames = new Map<string, string>();

  /** After a refresh of the run list: statuses reach Live; deleted runs leave every view that showed them, with a word. */
  onRunsChanged(): void {
    const ids = new Set(this.runs.runs.map((r) => r.run.id));
    const gone = new Set(this.live.onRuns(this.runs.runs));
    const views: string[] = gone.size ? ['Live'] : [];
    const prune = (list: string[], view: string): string[] => {
      const kept = list.filter((id) => ids.has(id));
      for (const id of list) if (!ids.has(id)) gone.add(id);
      if (kept.length !== list.length && !views.includes(view)) views.push(view);
      return kept;
    };
    if (this.svdRunIds.some((id) => !ids.has(id))) this.svdRunIds = prune(this.svdRunIds, 'SVD');
    if (this.compareRunIds.some((id) => !ids.has(id))) this.compareRunIds = prune(this.compareRunIds, 'Compare');
    if (this.backwardRunIds.some((id) => !ids.has(id))) this.backwardRunIds = prune(this.backwardRunIds, 'Backward');
    if (this.infoPlaneRunIds.some((id) => !ids.has(id))) this.infoPlaneRunIds = prune(this.infoPlaneRunIds, 'Info plane');
    for (const id of this.knownNames.keys())
      if (!ids.has(id)) {
        this.svd.forget(id);
        this.infoPlane.forget(id);
      }
    if (gone.size) {
      const names = [...gone].map((id) => `"${this.knownNames.get(id) ?? id}"`).join(', ');
      this.notify(`${gone.size === 1 ? 'Run' : 'Runs'} ${names} ${gone.size === 1 ? 'was' : 'were'} deleted: no longer shown in ${views.join(', ')}.`, 'info');
    }
    this.knownNames = new Map(this.runs.runs.map((r) => [r.run.id, r.run.name]));
  }

  /** A notice when a run ends: how it ended and its last test accuracy. */
  private announceFinished(name: string, e: Extract<TrainEvent, { type: 'finished' }>, last: EvalRecord | null): void {
    const s = this.runs.byId(e.runId);
    // A sweep's points end by the dozen: the Sweeps view shows their progress; only their failures get a notice.
    if (s?.run.sweep && (e.status === 'completed' || e.status === 'cancelled')) return;
    const acc = (s?.last ?? last)?.testAccuracy;
    const accText = acc !== undefined && Number.isFinite(acc) ? `, test accuracy ${(acc * 100).toFixed(1)}%` : '';
    if (e.status === 'completed') this.notify(`Run "${name}" completed${accText}.`, 'info');
    else if (e.status === 'cancelled') this.notify(`Run "${name}" was cancelled at step ${s?.run.lastStep ?? '?'}.`, 'info');
    else if (e.status === 'interrupted')
      this.notify(
        `Run "${name}" was interrupted at step ${s?.run.lastStep ?? '?'}: its process ended. Resume it from its last checkpoint in the Runs view.`,
        'error',
      );
    else this.notify(`Run "${name}" ${e.status}${e.error ? `: ${e.error}` : ''}`, 'error');
  }

  go(view: View): void {
    this.view = view;
  }

  async startRun(): Promise<void> {
    const id = await this.experiment.start();
    if (!id) return;
    this.view = 'live';
    await this.runs.refresh();
    // Live follows what trains: a run queued behind another shows up when it starts.
    if (this.runs.queue.includes(id)) {
      this.live.setFollow(true);
      const name = this.runs.byId(id)?.run.name ?? id;
      this.notify(`Run "${name}" is queued (#${this.runs.queue.indexOf(id) + 1}): Live shows it when it starts.`, 'info');
    } else this.live.followRun(id);
  }

  /** The six reference runs at once (as `racecar reproduce`, as many training as fit the cores), shown together in Live. */
  async reproduce(): Promise<void> {
    if (this.reproducing.length) return;
    const r = await this.attempt('reproduce', () => this.api.call('reproduce.start', {}));
    if (!r) return;
    this.reproducing = r.ids;
    await this.runs.refresh();
    this.live.showRuns(r.ids);
    this.view = 'live';
    this.notify('Reproducing the paper: the six reference runs train as many at once as fit the cores; the SVD comparison opens when they end.', 'info');
  }

  /** Once every reference run of the reproduction has ended: the Fig.-3 comparison of the three runs of each data set. */
  private endReproduction(): void {
    const ids = this.reproducing;
    if (!ids.length) return;
    const status = (id: string) => this.runs.byId(id)?.run.status;
    if (ids.some((id) => status(id) === 'queued' || status(id) === 'running')) return;
    this.reproducing = [];
    const done = ids.filter((id) => status(id) === 'completed');
    const left = ids.length - done.length;
    this.svdRunIds = done;
    this.svdMode = 'grid';
    this.view = 'svd';
    this.notify(
      `Reproduction ${left ? `ended (${left} of ${ids.length} runs did not complete)` : 'complete'}: the singular vectors of each data set's Std, Ort and RR runs, as in the paper's Fig. 3.`,
      left ? 'error' : 'info',
    );
  }

  /** Info notices leave by themselves after this long (errors stay until dismissed). */
  static readonly INFO_MS = 10_000;

  /** Continues a cancelled or interrupted run from its last checkpoint; Live follows it when it trains. */
  async resumeRun(id: string): Promise<void> {
    const r = await this.attempt('resume', () => this.api.call('runs.resume', { id }));
    if (!r) return;
    const name = this.runs.byId(id)?.run.name ?? id;
    this.notify(
      `Resuming "${name}" from step ${r.step}: restores ${r.restored.join(', ')}${r.reset.length ? `; not restored: ${r.reset.join(', ')}` : ''}.`,
      'info',
    );
    this.view = 'live';
    await this.runs.refresh();
    if (this.runs.queue.includes(id)) this.live.setFollow(true);
    else this.live.followRun(id);
  }

  /** A new engine process now, instead of waiting for the next automatic try. */
  async restartEngine(): Promise<void> {
    this.restartingEngine = true;
    try {
      if (!(await this.attempt('Restart engine', () => this.api.call('engine.restart', {})))) return;
      this.engineDown = null;
      await this.runs.refresh();
    } finally {
      this.restartingEngine = false;
    }
  }

  /** Opens a run's information planes (it must have recorded them). */
  openInfoPlane(id: string): void {
    this.infoPlaneRunIds = [id];
    this.view = 'infoplane';
  }

  /** Opens a run in the Live view (its charts, status and log). */
  openRun(id: string): void {
    this.live.select(id);
    this.view = 'live';
  }

  notify(text: string, kind: Notice['kind'] = 'error'): void {
    const id = ++this.noticeId;
    this.notices.push({ id, kind, text });
    if (this.notices.length > 5) this.notices.splice(0, this.notices.length - 5);
    if (kind === 'info') setTimeout(() => this.dismiss(id), AppStore.INFO_MS);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Runs fn and turns a failure into a notice. */
  async attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.notify(`${what}: ${errorMessage(e)}`);
      return undefined;
    }
  }

  destroy(): void {
    this.unsubscribe();
    this.stopSession();
  }
}
