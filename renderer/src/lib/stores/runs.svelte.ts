// The run list: refreshed on 'runs.changed', patched in place by train events
// so status, last metrics and the lists of backward/checkpoint steps stay live.
import { RUNS_PAGE, type EngineApi, type RunSummary } from '../../../../electron/contract/contract';
import type { RunConfig } from '../../../../electron/engine/config/schema';
import type { TrainEvent } from '../../../../electron/engine/types';
import { homeColors, runStyles, type RunStyle } from '../../../../electron/figures/runColors';
import { DEFAULT_COLUMNS, DEFAULT_SORT, NO_FILTER, type ColumnId, type RunFilter, type RunSort } from '../runTable';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export class RunsStore {
  runs = $state<RunSummary[]>([]);
  problems = $state<{ id: string; error: string }[]>([]);
  queue = $state<string[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** The run table's filter, sort and columns (kept when the view is left). */
  filter = $state<RunFilter>({ ...NO_FILTER });
  sort = $state<RunSort>({ ...DEFAULT_SORT });
  columns = $state<ColumnId[]>([...DEFAULT_COLUMNS]);
  /** Newest first. */
  sorted = $derived([...this.runs].sort((a, b) => (b.run.createdAt ?? '').localeCompare(a.run.createdAt ?? '')));

  /** Every run's home colour (runColors.ts): the runs list and pickers show these; charts take styles(). */
  homes = $derived(homeColors(this.runs.map((r) => r.run.id)));

  /** The colours of runs drawn together: never one colour twice (up to the palette's size), each run its home colour where it can. */
  styles(ids: readonly string[]): Map<string, RunStyle> {
    return runStyles(ids, this.homes);
  }

  /** One run's colour alone (a list or a picker). */
  style(id: string): RunStyle {
    return this.styles([id]).get(id)!;
  }

  private inflight: Promise<void> | null = null;
  private again = false;

  constructor(private api: EngineApi) {}

  /** Coalesces overlapping refreshes: at most one in flight and one queued. */
  refresh(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      try {
        do {
          this.again = false;
          await this.loadPages();
        } while (this.again);
      } catch (e) {
        this.error = errorMessage(e);
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Page by page, newest first: the rows show once the first page is in, and no message carries thousands of runs. */
  private async loadPages(): Promise<void> {
    const all: RunSummary[] = [];
    const seen = new Set<string>();
    for (let offset = 0; ; offset += RunsStore.PAGE) {
      const r = await this.api.call('runs.list', { offset, limit: RunsStore.PAGE });
      // A run created meanwhile shifts the pages: a run seen on the page before may come again.
      for (const s of r.runs) {
        if (seen.has(s.run.id)) continue;
        seen.add(s.run.id);
        all.push(s);
      }
      this.runs = all.slice();
      this.problems = r.problems;
      this.queue = r.queue;
      this.error = null;
      this.loaded = true;
      if (r.runs.length < RunsStore.PAGE || offset + RunsStore.PAGE >= r.total) return;
    }
  }

  static readonly PAGE = RUNS_PAGE;

  byId(id: string | null | undefined): RunSummary | undefined {
    return id ? this.runs.find((r) => r.run.id === id) : undefined;
  }

  onTrain(e: TrainEvent): void {
    const s = this.byId(e.runId);
    if (!s) {
      if (e.type === 'started') void this.refresh();
      return;
    }
    const run = s.run;
    switch (e.type) {
      case 'started':
        run.status = 'running';
        run.backend = e.backend;
        run.totalSteps = e.totalSteps;
        break;
      case 'evaluation':
        s.last = e.record;
        run.lastStep = e.record.step;
        break;
      case 'backward':
        if (!run.backwardSteps.includes(e.step)) run.backwardSteps = [...run.backwardSteps, e.step].sort((a, b) => a - b);
        break;
      case 'checkpoint':
        if (!run.checkpointSteps.includes(e.step)) run.checkpointSteps = [...run.checkpointSteps, e.step].sort((a, b) => a - b);
        break;
      case 'finished':
        run.status = e.status;
        if (e.error) run.error = e.error;
        break;
      case 'progress':
        break;
    }
  }

  async rename(id: string, name: string): Promise<void> {
    const r = await this.api.call('runs.rename', { id, name });
    const s = this.byId(id);
    if (s) s.run = r.run;
    void this.refresh();
  }

  async annotate(id: string, tags: string[], notes: string): Promise<void> {
    const r = await this.api.call('runs.annotate', { id, tags, notes });
    const s = this.byId(id);
    if (s) s.run = r.run;
    void this.refresh();
  }

  async remove(id: string): Promise<void> {
    await this.api.call('runs.delete', { id });
    this.runs = this.runs.filter((r) => r.run.id !== id);
    void this.refresh();
  }

  async duplicate(id: string): Promise<RunConfig> {
    const r = await this.api.call('runs.duplicate', { id });
    return r.config;
  }

  async cancel(id: string): Promise<void> {
    const r = await this.api.call('runs.cancel', { id });
    const s = this.byId(id);
    if (s) s.run.status = r.status;
  }
}
