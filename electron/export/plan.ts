// The plan stage of an export: the settings and runs are validated (nothing
// is written before that), and the bundle is laid out as a list of tasks, one
// per file group, that the render stage runs (the figure tasks: planFigures.ts).
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { RunStore } from '../engine/store/runStore';
import { RunNotFoundError, RunRecordError } from '../engine/store/runErrors';
import { InvalidRunIdError } from '../engine/store/layout';
import type { RunRecord } from '../engine/types';
import { appPackage } from '../engine/util/version';
import { FigureSizeError, resolveFigureSize, type FigureSize } from '../figures/canvas';
import type { VectorColormap } from '../figures/imageGrids';
import type { VectorOrder } from '../figures/runFigures';
import { infoPlaneCsv, metricsCsv } from './csv';
import { phasesOf } from '../engine/train/phases';
import { bundleReadme, reproduceScript } from './readme';
import { BACKGROUNDS, COLORMAPS, EXPORT_DEFAULTS, FIGURE_NAMES, FORMATS, SIZE_UNITS, VECTOR_ORDERS, type FigureFormat, type FigureName } from './options';
import { ExportError, type ExportWords } from './errors';
import type { RenderTask } from './render';
import type { ExportOptions, SweepExport } from './bundle';
import { BundlePlan, type PlannedRun } from './planContext';
import { comparisonTask, infoPlaneTasks, overlayTasks, runChartTasks, runImageTasks, sweepTasks } from './planFigures';

export type { PlannedRun } from './planContext';

function oneOf<T extends string>(what: string, v: string | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new ExportError(`unknown ${what} '${v}': use ${allowed.join(' or ')}`);
  return v as T;
}

function count(what: string, v: number | undefined, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new ExportError(`${what} must be a whole number from 1 to ${max} (got ${v})`);
  return v;
}

export interface Settings {
  figures: FigureName[];
  size: FigureSize;
  colormap: VectorColormap;
  background: 'white' | 'transparent';
  order: VectorOrder;
  formats: FigureFormat[];
  maxSamples: number;
  maxColumns: number;
  maxVectors: number;
  topK: number;
}

export function validateSettings(o: ExportOptions): Settings {
  const figures = (o.figures ?? FIGURE_NAMES).map((f) => f.trim());
  for (const f of figures) {
    if (!(FIGURE_NAMES as readonly string[]).includes(f)) {
      throw new ExportError(`unknown figure '${f}': use ${FIGURE_NAMES.join(', ')}`);
    }
  }
  const formats = [...new Set((o.formats ?? FORMATS).map((f) => f.trim().toLowerCase()))];
  if (formats.length === 0) throw new ExportError(`no figure format given: use png, svg or both`);
  for (const f of formats) if (!(FORMATS as readonly string[]).includes(f)) throw new ExportError(`unknown figure format '${f}': use png, svg or both`);
  const unit = oneOf('size unit', o.unit, SIZE_UNITS, EXPORT_DEFAULTS.unit);
  if (unit !== EXPORT_DEFAULTS.unit && (o.width === undefined || o.height === undefined)) {
    throw new ExportError(
      `give both the figure width and height in ${unit} (or leave the unit for the default ${EXPORT_DEFAULTS.width} x ${EXPORT_DEFAULTS.height} in)`,
    );
  }
  let size: FigureSize;
  try {
    size = resolveFigureSize({
      width: o.width ?? EXPORT_DEFAULTS.width,
      height: o.height ?? EXPORT_DEFAULTS.height,
      unit,
      dpi: o.dpi ?? EXPORT_DEFAULTS.dpi,
    });
  } catch (e) {
    if (e instanceof FigureSizeError) throw new ExportError(e.message);
    throw e;
  }
  return {
    figures: [...new Set(figures)] as FigureName[],
    size,
    colormap: oneOf('colormap', o.colormap, COLORMAPS, EXPORT_DEFAULTS.colormap),
    background: oneOf('background', o.background, BACKGROUNDS, EXPORT_DEFAULTS.background),
    order: oneOf('vector order', o.vectorOrder, VECTOR_ORDERS, EXPORT_DEFAULTS.vectorOrder),
    formats: formats as FigureFormat[],
    maxSamples: count('samples', o.maxSamples, EXPORT_DEFAULTS.maxSamples, 16),
    maxColumns: count('columns', o.maxColumns, EXPORT_DEFAULTS.maxColumns, 64),
    maxVectors: count('vectors', o.maxVectors, EXPORT_DEFAULTS.maxVectors, 64),
    topK: count('top-k', o.topK, EXPORT_DEFAULTS.topK, 32),
  };
}

export function loadRuns(store: RunStore, ids: string[], words: ExportWords): PlannedRun[] {
  if (ids.length === 0) throw new ExportError(`no run given: ${words.giveRuns}`);
  return [...new Set(ids)].map((id) => {
    let run: RunRecord;
    try {
      run = store.get(id);
    } catch (e) {
      // The invalid id's own message shows it escaped: a newline in it would cut a one-line message short.
      if (e instanceof InvalidRunIdError) throw new ExportError(`${e.message}: ${words.findRun(store.workspace)}`);
      if (e instanceof RunNotFoundError) throw new ExportError(`run "${id}" not found in ${store.workspace}: ${words.findRun(store.workspace)}`);
      if (e instanceof RunRecordError) throw new ExportError(`run "${id}" cannot be read: ${e.message}`);
      throw e;
    }
    const metrics = store.readMetrics(id);
    if (metrics.length === 0) throw new ExportError(`run "${id}" has no evaluations yet (status ${run.status}): wait for its first evaluation or leave it out`);
    return { run, metrics };
  });
}

/** The bundle's tasks. Notes of figures left out are collected in `notes` while the tasks run. */
export function planBundle(
  store: RunStore,
  runs: PlannedRun[],
  settings: Settings,
  fontFamily: string,
  sweep?: SweepExport,
): { tasks: RenderTask[]; notes: string[] } {
  const p = new BundlePlan(store, runs, settings, fontFamily);
  if (sweep) sweepTasks(p, sweep);
  for (const run of runs) {
    runChartTasks(p, run);
    runImageTasks(p, run);
  }
  if (p.want('comparison')) comparisonTask(p);
  if (runs.length > 1) overlayTasks(p);
  if (p.want('info-plane')) infoPlaneTasks(p);
  dataTasks(p);
  return { tasks: p.tasks, notes: p.notes };
}

/** metrics.csv and .json, each run's config, the README (written last: it lists every figure) and reproduce.sh. */
function dataTasks(p: BundlePlan): void {
  const configFile = (run: RunRecord) => `configs/${run.id}.json`;
  p.tasks.push({
    label: 'metrics and configs',
    run: (w) => {
      w.write('metrics.csv', metricsCsv(p.runs));
      const info = infoPlaneCsv(p.runs);
      if (info) w.write('info-plane.csv', info);
      w.write(
        'metrics.json',
        `${JSON.stringify(
          {
            format: 'racecar-metrics/1',
            runs: p.runs.map(({ run, metrics }) => {
              const { pid: _pid, pidStart: _pidStart, host: _host, ...rec } = run;
              return { ...rec, configFile: configFile(run), phases: phasesOf(run.config, run.totalSteps), metrics };
            }),
          },
          null,
          1,
        )}\n`,
      );
      for (const { run } of p.runs) w.write(configFile(run), `${JSON.stringify(run.config, null, 2)}\n`);
    },
  });
  const exporter = { app: appPackage().version, tfjs: tf.version.tfjs, node: process.versions.node, platform: `${os.platform()}-${os.arch()}` };
  p.tasks.push({
    label: 'README and reproduce.sh',
    run: (w) => {
      const withFiles = p.runs.map(({ run, metrics }) => ({ run, metrics, configFile: configFile(run), label: p.labelOf(run.id) }));
      w.write('reproduce.sh', reproduceScript(withFiles), 0o755);
      w.write(
        'README.md',
        bundleReadme({
          exportedAt: new Date().toISOString(),
          exporter,
          runs: withFiles,
          figures: p.figures,
          notes: p.notes,
          settings: `${figureSize(p.settings)} at ${p.settings.size.dpi} dpi (PNG ${p.settings.size.widthPx}x${p.settings.size.heightPx} px; ${p.settings.formats.map((f) => f.toUpperCase()).join(' and ')}), ${p.settings.background} background, singular vectors ${p.settings.colormap} colour map ordered by ${p.settings.order === 'sigma' ? 'σ' : 'alignment'}`,
        }),
      );
    },
  });
}

/** e.g. "6.5 x 4 in". */
function figureSize(s: Settings): string {
  const round = (v: number) => Math.round(v * 100) / 100;
  return `${round(s.size.widthIn)} x ${round(s.size.heightIn)} in`;
}
