// The Sweeps view's state: the sweeps of the workspace, the selected sweep's
// points and results, the figure choice (metric and axes), the Sweep form and
// the sweep's figure export.
import type { EngineApi, Results, SweepSummary } from '../../../../electron/contract/contract';
import type { RunConfig } from '../../../../electron/engine/config/schema';
import { SWEEP_METRICS, type SweepMetric } from '../../../../electron/engine/sweep/metrics';
import { defaultSweepChoice, sweepFigure, type SweepFigure } from '../../../../electron/figures/sweepCharts';
import { defaultSweepForm, fitLayers, sweepSpecOf, type SweepFormState } from '../sweepForm';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export interface FigureChoice {
  metric: SweepMetric;
  x: string;
  /** '' = one axis: lines. */
  y: string;
  kind: 'heatmap' | 'lines';
}

export class SweepsStore {
  sweeps = $state<SweepSummary[]>([]);
  problems = $state<{ id: string; error: string }[]>([]);
  selectedId = $state<string | null>(null);
  detail = $state.raw<Results['sweeps.get'] | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  choice = $state<FigureChoice>({ metric: 'alignment', x: '', y: '', kind: 'heatmap' });
  form = $state<SweepFormState>(defaultSweepForm());
  /** The Experiment panel's config, the base of a new sweep. */
  base = $state.raw<RunConfig | null>(null);
  checked = $derived(sweepSpecOf(this.form, this.base));
  starting = $state(false);
  startError = $state<string | null>(null);
  exportOut = $state('');
  /** Replace an earlier bundle at that path (the Export dialog's choice, here too). */
  exportReplace = $state(false);
  /** The suggested path last filled in: after an export it is replaced by a fresh one (the old one exists now). */
  private defaultOut = '';
  exporting = $state(false);
  exportResult = $state<string | null>(null);
  /** Browser mode: where the page downloads the last bundle (export.bundle's `download`). */
  exportDownload = $state<string | null>(null);
  exportError = $state<string | null>(null);

  /** The figure of the current choice, or why there is none. */
  figure = $derived.by((): { fig: SweepFigure | null; error: string | null } => {
    const d = this.detail;
    if (!d || !this.choice.x) return { fig: null, error: null };
    try {
      return {
        fig: sweepFigure(d.results, { metric: this.choice.metric, x: this.choice.x, ...(this.choice.y ? { y: this.choice.y, kind: this.choice.kind } : {}) }),
        error: null,
      };
    } catch (e) {
      return { fig: null, error: errorMessage(e) };
    }
  });

  readonly metrics = SWEEP_METRICS;

  constructor(private readonly api: EngineApi) {}

  setBase(config: RunConfig | null): void {
    this.base = config;
    if (config) fitLayers(this.form, config.network.layers.length);
  }

  async refresh(): Promise<void> {
    try {
      const r = await this.api.call('sweeps.list', {});
      this.sweeps = r.sweeps;
      this.problems = r.problems;
      this.error = null;
      if (this.selectedId && !r.sweeps.some((s) => s.id === this.selectedId)) this.selectedId = null;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async select(id: string | null): Promise<void> {
    this.selectedId = id;
    this.detail = null;
    this.exportResult = null;
    this.exportDownload = null;
    this.exportError = null;
    if (id) await this.load();
  }

  /** Reloads the selected sweep (status, results); keeps a valid figure choice. */
  async load(): Promise<void> {
    const id = this.selectedId;
    if (!id) return;
    this.loading = true;
    try {
      const d = await this.api.call('sweeps.get', { id });
      if (this.selectedId !== id) return;
      this.detail = d;
      const params: string[] = d.results.axes.map((a) => a.param);
      if (!params.includes(this.choice.x)) {
        const c = defaultSweepChoice(d.results, this.choice.metric);
        this.choice.x = c?.x ?? params[0] ?? '';
      }
      if (this.choice.y && (!params.includes(this.choice.y) || this.choice.y === this.choice.x)) this.choice.y = '';
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  /** While the selected sweep has points in progress, reload it every few seconds. */
  follow(ms = 3000): () => void {
    const timer = setInterval(() => {
      const d = this.detail;
      if (d && (d.counts.running > 0 || d.counts.queued > 0)) void this.load();
    }, ms);
    return () => clearInterval(timer);
  }

  async start(): Promise<string | null> {
    const c = this.checked;
    if (!c.ok || this.starting) return null;
    this.starting = true;
    this.startError = null;
    try {
      const r = await this.api.call('sweeps.start', { spec: JSON.parse(JSON.stringify(c.spec)) as typeof c.spec });
      await this.refresh();
      await this.select(r.id);
      return r.id;
    } catch (e) {
      this.startError = errorMessage(e);
      return null;
    } finally {
      this.starting = false;
    }
  }

  async resume(): Promise<number> {
    if (!this.selectedId) return 0;
    const r = await this.api.call('sweeps.resume', { id: this.selectedId });
    await Promise.all([this.refresh(), this.load()]);
    return r.queued;
  }

  async cancel(): Promise<number> {
    if (!this.selectedId) return 0;
    const r = await this.api.call('sweeps.cancel', { id: this.selectedId });
    await Promise.all([this.refresh(), this.load()]);
    return r.cancelled;
  }

  /** Fills in a fresh suggested path unless the user typed one of their own. */
  async prepareExport(): Promise<void> {
    if (this.exportOut.trim() && this.exportOut !== this.defaultOut) return;
    try {
      const d = await this.api.call('export.defaults', {});
      if (this.exportOut.trim() && this.exportOut !== this.defaultOut) return; // typed meanwhile
      this.exportOut = this.defaultOut = d.out;
    } catch {
      // the user types a path
    }
  }

  /** The sweep's figure bundle: every metric over the chosen axes, sweep.csv, sweep.json, the runs' data. */
  async exportFigures(): Promise<void> {
    const id = this.selectedId;
    if (!id || this.exporting || !this.exportOut.trim()) return;
    this.exporting = true;
    this.exportResult = null;
    this.exportDownload = null;
    this.exportError = null;
    try {
      const r = await this.api.call('export.bundle', {
        ids: [],
        out: this.exportOut.trim(),
        figures: [],
        sweep: { id, x: this.choice.x, ...(this.choice.y ? { y: this.choice.y, kind: this.choice.kind } : {}) },
        ...(this.exportReplace ? { overwrite: true } : {}),
      });
      this.exportResult = `${r.out} (${r.files.length} files)`;
      this.exportDownload = r.download ?? null;
      // The next export gets a path of its own.
      await this.prepareExport();
    } catch (e) {
      this.exportError = errorMessage(e);
    } finally {
      this.exporting = false;
    }
  }
}
