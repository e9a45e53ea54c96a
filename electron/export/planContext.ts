// What every task of a bundle plan shares: the settings and theme, the runs'
// labels, the singular vectors loaded once per run, and what the tasks
// collect while they run (the figures for the README, the notes of figures
// left out).
import type { RunStore } from '../engine/store/runStore';
import type { EvalRecord, RunRecord } from '../engine/types';
import type { ChartSpec } from '../figures/chartSpecs';
import type { ChartTheme } from '../figures/chartJsConfig';
import { figureTheme, renderChartPng, renderChartSvg } from '../figures/renderChart';
import { GridLayoutError, renderGridPng, renderGridSvg, type GridFigure } from '../figures/imageGrids';
import { loadRunVectors, runLabels, vectorsUnavailable, type RunVectors } from '../figures/runFigures';
import { ExportError } from './errors';
import type { FigureName } from './options';
import type { FigureEntry } from './readme';
import type { BundleWriter, RenderTask } from './render';
import type { Settings } from './plan';
import { errorMessage } from '../engine/util/errorMessage';

export interface PlannedRun {
  run: RunRecord;
  metrics: EvalRecord[];
}

export class BundlePlan {
  readonly theme: ChartTheme;
  /** One task per file group, for progress and cancellation. */
  readonly tasks: RenderTask[] = [];
  /** Figures left out, one line each (collected while the tasks run). */
  readonly notes: string[] = [];
  /** The README's figure list (collected while the tasks run). */
  readonly figures: FigureEntry[] = [];
  /** Every run of the workspace: runs keep the colours they have in the app (runStyles). */
  readonly workspace: string[];
  private readonly labels: Map<string, string>;
  private readonly wanted: Set<FigureName>;
  private readonly vectorsCache = new Map<string, RunVectors | string>();

  constructor(
    readonly store: RunStore,
    readonly runs: PlannedRun[],
    readonly settings: Settings,
    readonly fontFamily: string,
  ) {
    this.theme = { ...figureTheme(settings.background), fontFamily };
    this.labels = runLabels(runs.map((r) => r.run));
    this.wanted = new Set(settings.figures);
    this.workspace = store.ids();
  }

  want(figure: FigureName): boolean {
    return this.wanted.has(figure);
  }

  labelOf(id: string): string {
    return this.labels.get(id) ?? id;
  }

  task(label: string, run: (w: BundleWriter) => void): void {
    this.tasks.push({ label, run });
  }

  /** The run's first-layer singular vectors at its last checkpoint, or why there are none (loaded once per run). */
  vectorsOf(run: RunRecord): RunVectors | string {
    let v = this.vectorsCache.get(run.id);
    if (v === undefined) {
      const why = vectorsUnavailable(this.store, run);
      if (why) v = why;
      else {
        try {
          v = loadRunVectors(this.store, run);
        } catch (e) {
          v = errorMessage(e);
        }
      }
      this.vectorsCache.set(run.id, v);
    }
    return v;
  }

  /** Per-run figures live in figures/<run id>/; the README groups captions by run. */
  groupOf(base: string): string {
    const m = /^figures\/([^/]+)\//.exec(base);
    return m ? `${this.labelOf(m[1]!)} (${m[1]})` : 'All runs';
  }

  /** A figure in each chosen format, and its README entry. */
  figureFiles(w: BundleWriter, base: string, png: () => Buffer, svg: () => string, caption: string, group = this.groupOf(base)): void {
    const files: string[] = [];
    if (this.settings.formats.includes('png')) {
      w.write(`${base}.png`, png());
      files.push(`${base}.png`);
    }
    if (this.settings.formats.includes('svg')) {
      w.write(`${base}.svg`, svg());
      files.push(`${base}.svg`);
    }
    this.figures.push({ files, caption, group });
  }

  chartFiles(w: BundleWriter, base: string, spec: ChartSpec, caption: string): void {
    const { size } = this.settings;
    this.figureFiles(
      w,
      base,
      () => renderChartPng(spec, size, this.theme),
      () => renderChartSvg(spec, size, this.theme),
      caption,
    );
  }

  gridFiles(w: BundleWriter, base: string, fig: GridFigure, caption: string): void {
    const { size } = this.settings;
    try {
      this.figureFiles(
        w,
        base,
        () => renderGridPng(fig, size, this.theme),
        () => renderGridSvg(fig, size, this.theme),
        caption,
      );
    } catch (e) {
      if (e instanceof GridLayoutError) throw new ExportError(`${base}: ${e.message}`);
      throw e;
    }
  }
}
