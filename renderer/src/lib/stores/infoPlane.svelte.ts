// The Info plane view's data: the information planes of the runs it shows
// (runs.infoPlane, read by the engine from their evaluations), loaded again
// when a run has evaluated since (its last step moved).
import type { EngineApi } from '../../../../electron/contract/contract';
import type { InfoPlaneEvaluation } from '../../../../electron/figures/infoPlaneChart';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export class InfoPlaneStore {
  /** Run id -> its evaluations with an information plane. */
  data = $state.raw<Record<string, InfoPlaneEvaluation[]>>({});
  error = $state<string | null>(null);
  loading = $state(false);
  /** Run id -> the last step its data was loaded at. */
  private loadedAt = new Map<string, number>();

  constructor(private readonly api: EngineApi) {}

  /** Loads the runs whose data is missing or older than their last step; `runs` maps id -> last step. */
  async load(runs: ReadonlyMap<string, number>): Promise<void> {
    const stale = [...runs].filter(([id, step]) => this.loadedAt.get(id) !== step).map(([id]) => id);
    if (!stale.length) return;
    this.loading = true;
    try {
      const r = await this.api.call('runs.infoPlane', { ids: stale });
      const next = { ...this.data };
      for (const run of r.runs) {
        next[run.id] = run.evaluations;
        this.loadedAt.set(run.id, runs.get(run.id) ?? -1);
      }
      this.data = next;
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  forget(id: string): void {
    this.loadedAt.delete(id);
    if (id in this.data) {
      const { [id]: _drop, ...rest } = this.data;
      this.data = rest;
    }
  }
}
