// The plan stage of an export: the settings and runs are validated (nothing
// is written before that), and the bundle is laid out as a list of tasks, one
// per file group, that the render stage runs.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { RunStore } from '../engine/store/runStore';
import { RunNotFoundError, RunRecordError } from '../engine/store/runErrors';
import { InvalidRunIdError } from '../engine/store/layout';
import type { EvalRecord, RunRecord } from '../engine/types';
import { appPackage } from '../engine/util/version';
import {
  accuracyChart,
  lossChart,
  overlayChart,
  reconChart,
  spectrumChart,
  spectrumOverlayChart,
  type ChartSpec,
  type ChartTheme,
} from '../figures/chartSpecs';
import { figureTheme, renderChartPng, renderChartSvg, renderSweepPng, renderSweepSvg } from '../figures/renderChart';
import { SWEEP_METRICS, SWEEP_METRIC_INFO, type SweepResults } from '../engine/sweep/metrics';
import { SweepFigureError, defaultSweepChoice, sweepCsv, sweepFigure, type SweepFigure, type SweepFigureChoice } from '../figures/sweepCharts';
import { FigureSizeError, resolveFigureSize, type FigureSize } from '../figures/canvas';
import { GridLayoutError, renderGridPng, renderGridSvg, type GridFigure, type VectorColormap } from '../figures/imageGrids';
import { backwardGif } from '../figures/gif';
import {
  COLORMAP_NOTE,
  backwardGifFrames,
  backwardGridFigure,
  backwardUnavailable,
  comparisonFigure,
  loadRunVectors,
  runLabels,
  vectorsFigure,
  vectorsUnavailable,
  type RunVectors,
  type VectorOrder,
} from '../figures/runFigures';
import { metricsCsv } from './csv';
import { bundleReadme, reproduceScript, type FigureEntry } from './readme';
import { BACKGROUNDS, COLORMAPS, EXPORT_DEFAULTS, FIGURE_NAMES, FORMATS, SIZE_UNITS, VECTOR_ORDERS, type FigureFormat, type FigureName } from './options';
import { ExportError, type ExportWords } from './errors';
import type { BundleWriter, RenderTask } from './render';
import type { ExportOptions, SweepExport } from './bundle';

export interface PlannedRun {
  run: RunRecord;
  metrics: EvalRecord[];
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

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
  const { size, formats } = settings;
  const theme: ChartTheme = { ...figureTheme(settings.background), fontFamily };
  const labels = runLabels(runs.map((r) => r.run));
  const labelOf = (id: string) => labels.get(id) ?? id;
  const want = new Set(settings.figures);
  const notes: string[] = [];
  const figures: FigureEntry[] = [];
  const multi = runs.length > 1;
  /** Every run of the workspace: runs keep the colours they have in the app (runStyles). */
  const workspace = store.ids();

  // One task per file group, for progress and cancellation.
  const tasks: RenderTask[] = [];
  const vectorsCache = new Map<string, RunVectors | string>();
  const vectorsOf = (run: RunRecord): RunVectors | string => {
    let v = vectorsCache.get(run.id);
    if (v === undefined) {
      const why = vectorsUnavailable(store, run);
      if (why) v = why;
      else {
        try {
          v = loadRunVectors(store, run);
        } catch (e) {
          v = msg(e);
        }
      }
      vectorsCache.set(run.id, v);
    }
    return v;
  };

  // Per-run figures live in figures/<run id>/; the README groups captions by run.
  const groupOf = (base: string) => {
    const m = /^figures\/([^/]+)\//.exec(base);
    return m ? `${labelOf(m[1]!)} (${m[1]})` : 'All runs';
  };
  /** A figure in each chosen format, and its README entry. */
  const figureFiles = (w: BundleWriter, base: string, png: () => Buffer, svg: () => string, caption: string, group = groupOf(base)) => {
    const files: string[] = [];
    if (formats.includes('png')) {
      w.write(`${base}.png`, png());
      files.push(`${base}.png`);
    }
    if (formats.includes('svg')) {
      w.write(`${base}.svg`, svg());
      files.push(`${base}.svg`);
    }
    figures.push({ files, caption, group });
  };
  const chartFiles = (w: BundleWriter, base: string, spec: ChartSpec, caption: string) =>
    figureFiles(
      w,
      base,
      () => renderChartPng(spec, size, theme),
      () => renderChartSvg(spec, size, theme),
      caption,
    );
  const gridFiles = (w: BundleWriter, base: string, fig: GridFigure, caption: string) => {
    try {
      figureFiles(
        w,
        base,
        () => renderGridPng(fig, size, theme),
        () => renderGridSvg(fig, size, theme),
        caption,
      );
    } catch (e) {
      if (e instanceof GridLayoutError) throw new ExportError(`${base}: ${e.message}`);
      throw e;
    }
  };
  const sizeText = `${round(size.widthIn)} x ${round(size.heightIn)} in`;

  if (sweep) {
    const { results, sweepFile } = sweep;
    for (const { fig, choice } of sweepFigures(results, sweep.choices)) {
      tasks.push({
        label: `sweep figure ${fig.spec.id}`,
        run: (w) =>
          figureFiles(
            w,
            `figures/sweep/${fig.spec.id}`,
            () => renderSweepPng(fig, size, theme),
            () => renderSweepSvg(fig, size, theme),
            sweepCaption(results, fig, choice),
            `Sweep ${results.name} (${results.id})`,
          ),
      });
    }
    tasks.push({
      label: 'sweep data',
      run: (w) => {
        w.write('sweep.csv', sweepCsv(results));
        w.write('sweep.json', sweepFile);
        for (const n of results.notes) notes.push(`sweep: ${n}`);
      },
    });
  }

  for (const { run, metrics } of runs) {
    const label = labelOf(run.id);
    const dir = `figures/${run.id}`;
    const steps = `${metrics.length} evaluations up to step ${metrics[metrics.length - 1]!.step}`;
    if (want.has('loss')) {
      tasks.push({
        label: `loss figure of ${label}`,
        run: (w) =>
          chartFiles(
            w,
            `${dir}/loss`,
            lossChart(metrics, run.config),
            `${label}: loss of the training batch (log scale) over the training step: ${lossParts(run)} (${steps}).`,
          ),
      });
    }
    if (want.has('accuracy')) {
      tasks.push({
        label: `accuracy figure of ${label}`,
        run: (w) =>
          chartFiles(w, `${dir}/accuracy`, accuracyChart(metrics), `${label}: classification accuracy on the training set and on the test set (${steps}).`),
      });
    }
    if (want.has('recon')) {
      tasks.push({
        label: `reconstruction figure of ${label}`,
        run: (w) =>
          chartFiles(
            w,
            `${dir}/recon`,
            reconChart(metrics, run.config),
            `${label}: mean squared error of the reverse pass's reconstruction of each layer's input over the test set (log scale); layer 1's input is the image (${steps}).`,
          ),
      });
    }
    if (want.has('spectrum')) {
      tasks.push({
        label: `SVD spectrum of ${label}`,
        run: (w) => {
          const v = vectorsOf(run);
          if (typeof v === 'string') return void notes.push(`spectrum of ${label} (${run.id}) left out: ${v}`);
          const spec = spectrumChart(v.s, { layer: 0, step: v.step, label: 'σ' });
          chartFiles(
            w,
            `${dir}/spectrum`,
            spec,
            `${label}: singular values of the first layer's weight matrix W (${v.rows}x${v.cols}) at step ${v.step}, in descending order${spec.log ? ' (log scale)' : ''}.`,
          );
        },
      });
    }
    if (want.has('backward-grid')) {
      tasks.push({
        label: `backward grid of ${label}`,
        run: (w) => {
          const why = backwardUnavailable(run);
          if (why) return void notes.push(`backward-grid of ${label} (${run.id}) left out: ${why}`);
          const g = backwardGridFigure(store, run, { maxSamples: settings.maxSamples, maxColumns: settings.maxColumns, label });
          gridFiles(
            w,
            `${dir}/backward-grid`,
            g.figure,
            `${label}: the reverse pass's reconstruction of the network input for ${g.samples} test samples (rows) at evaluated steps ${g.steps.join(', ')} (columns); the first column is the input itself. Grey values as stored (clipped to the data range).`,
          );
        },
      });
    }
    if (want.has('backward-gif')) {
      tasks.push({
        label: `backward GIF of ${label}`,
        run: (w) => {
          const why = backwardUnavailable(run);
          if (why) return void notes.push(`backward-gif of ${label} (${run.id}) left out: ${why}`);
          const frames = backwardGifFrames(store, run, { maxSamples: settings.maxSamples, maxFrames: EXPORT_DEFAULTS.maxFrames });
          w.write(`${dir}/backward.gif`, backwardGif(frames, { title: label, fontFamily }));
          figures.push({
            group: groupOf(`${dir}/backward.gif`),
            files: [`${dir}/backward.gif`],
            caption: `${label}: animation of the reverse-pass reconstructions over training, one frame per evaluated step (${frames.length} frames); top row the test inputs, bottom row their reconstructions.`,
          });
        },
      });
    }
    if (want.has('vectors')) {
      tasks.push({
        label: `singular vectors of ${label}`,
        run: (w) => {
          const v = vectorsOf(run);
          if (typeof v === 'string') return void notes.push(`vectors of ${label} (${run.id}) left out: ${v}`);
          const n = Math.min(settings.maxVectors, v.k);
          gridFiles(
            w,
            `${dir}/vectors`,
            vectorsFigure(v, {
              label,
              colormap: settings.colormap,
              order: settings.order,
              maxVectors: settings.maxVectors,
              aspect: size.cssWidth / size.cssHeight,
            }),
            `${label}: the ${n === v.k ? `${n}` : `first ${n} of ${v.k}`} input-space singular vectors u_j of the first layer's weight matrix at step ${v.step} (columns of U in W = U S Vᵀ, shown as ${v.image.height}x${v.image.width} images), ${settings.order === 'sigma' ? 'ordered by singular value, largest first' : "ordered by the share of the test data's energy they capture (e)"}; ${COLORMAP_NOTE[settings.colormap]}.`,
          );
        },
      });
    }
  }

  if (want.has('comparison')) {
    tasks.push({
      label: 'comparison figure',
      run: (w) => {
        const rows: { label: string; v: RunVectors }[] = [];
        for (const { run } of runs) {
          const v = vectorsOf(run);
          if (typeof v === 'string') notes.push(`comparison: ${labelOf(run.id)} (${run.id}) left out: ${v}`);
          else rows.push({ label: labelOf(run.id), v });
        }
        if (rows.length === 0) return void notes.push('comparison left out: no run has singular vectors');
        gridFiles(
          w,
          'figures/comparison',
          comparisonFigure(rows, { colormap: settings.colormap, order: settings.order, topK: settings.topK, workspace }),
          `Input-space singular vectors of the first layer's weight matrix at each run's last checkpoint (rows: ${rows.map((r) => `${r.label} at step ${r.v.step}`).join('; ')}), the top ${settings.topK} ${settings.order === 'sigma' ? 'by singular value' : 'by alignment with the test data (share of its energy captured; for MNIST RR the data-like vectors have the smallest σ)'}, as in the paper's Fig. 3; ${COLORMAP_NOTE[settings.colormap]}. RR runs are expected to show data-like vectors, Std and Ort runs noise-like ones.`,
        );
      },
    });
  }

  if (multi) {
    const series = runs.map(({ run, metrics }) => ({ id: run.id, label: labelOf(run.id), metrics }));
    const overlays: [FigureName, string, string][] = [
      ['loss', 'total', 'total training loss (log scale)'],
      ['accuracy', 'testAccuracy', 'test accuracy'],
      ['recon', 'recon0', 'test-set reconstruction error of the input by the reverse pass (MSE, log scale)'],
    ];
    for (const [fig, metric, what] of overlays) {
      if (!want.has(fig)) continue;
      tasks.push({
        label: `overlay of ${metric}`,
        run: (w) =>
          chartFiles(
            w,
            `figures/overlay-${fig}`,
            overlayChart(series, metric, { workspace }),
            `The ${what} of every run over the training step, one colour per run.`,
          ),
      });
    }
    if (want.has('spectrum')) {
      tasks.push({
        label: 'overlay of the spectra',
        run: (w) => {
          const rs = runs.flatMap(({ run }) => {
            const v = vectorsOf(run);
            return typeof v === 'string' ? [] : [{ id: run.id, label: labelOf(run.id), s: v.s }];
          });
          if (rs.length < 2) return void notes.push('overlay-spectrum left out: fewer than two runs have a checkpoint');
          chartFiles(
            w,
            'figures/overlay-spectrum',
            spectrumOverlayChart(rs, { workspace }),
            `Singular values of the first layer's weight matrix of every run at its last checkpoint, one colour per run.`,
          );
        },
      });
    }
  }

  const configFile = (run: RunRecord) => `configs/${run.id}.json`;
  tasks.push({
    label: 'metrics and configs',
    run: (w) => {
      w.write('metrics.csv', metricsCsv(runs));
      w.write(
        'metrics.json',
        `${JSON.stringify(
          {
            format: 'racecar-metrics/1',
            runs: runs.map(({ run, metrics }) => {
              const { pid: _pid, pidStart: _pidStart, host: _host, ...rec } = run;
              return { ...rec, configFile: configFile(run), metrics };
            }),
          },
          null,
          1,
        )}\n`,
      );
      for (const { run } of runs) w.write(configFile(run), `${JSON.stringify(run.config, null, 2)}\n`);
    },
  });
  const exporter = { app: appPackage().version, tfjs: tf.version.tfjs, node: process.versions.node, platform: `${os.platform()}-${os.arch()}` };
  tasks.push({
    label: 'README and reproduce.sh',
    run: (w) => {
      const withFiles = runs.map(({ run, metrics }) => ({ run, metrics, configFile: configFile(run), label: labelOf(run.id) }));
      w.write('reproduce.sh', reproduceScript(withFiles), 0o755);
      w.write(
        'README.md',
        bundleReadme({
          exportedAt: new Date().toISOString(),
          exporter,
          runs: withFiles,
          figures,
          notes,
          settings: `${sizeText} at ${size.dpi} dpi (PNG ${size.widthPx}x${size.heightPx} px; ${formats.map((f) => f.toUpperCase()).join(' and ')}), ${settings.background} background, singular vectors ${settings.colormap} colour map ordered by ${settings.order === 'sigma' ? 'σ' : 'alignment'}`,
        }),
      );
    },
  });
  return { tasks, notes };
}

/** The series of a run's loss chart, for its caption. */
function lossParts(run: RunRecord): string {
  const layers = run.config.network.layers;
  const rr = layers.flatMap((l, k) => (l.lambda > 0 ? [`layer ${k + 1} (λ_RR=${l.lambda})`] : []));
  const parts = ['the total loss', 'the cross-entropy (CE)'];
  if (rr.length) parts.push(`the λ-weighted reverse-pass (RR) reconstruction terms of ${rr.join(', ')}, dashed`);
  if (run.config.loss.lambdaOrt > 0) parts.push(`the λ-weighted SRIP orthogonality term (λ_Ort=${run.config.loss.lambdaOrt}), dotted`);
  const last = parts.pop()!;
  return `${parts.join(', ')} and ${last}`;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The figures of a sweep export, each checked (unknown axes fail before anything is written). */
function sweepFigures(r: SweepResults, choices?: SweepFigureChoice[]): { fig: SweepFigure; choice: SweepFigureChoice }[] {
  let cs = choices;
  if (!cs?.length) {
    const first = defaultSweepChoice(r);
    if (!first) throw new ExportError(`sweep ${r.id} has no axis with two or more values: nothing to draw`);
    cs = SWEEP_METRICS.map((metric) => ({ ...first, metric }));
  }
  if (!r.points.some((p) => p.state === 'done'))
    throw new ExportError(`sweep ${r.id} has no completed run yet: wait for its first point (racecar sweep status ${r.id})`);
  return cs.map((choice) => {
    try {
      return { fig: sweepFigure(r, choice), choice };
    } catch (e) {
      if (e instanceof SweepFigureError) throw new ExportError(e.message);
      throw e;
    }
  });
}

function sweepCaption(r: SweepResults, fig: SweepFigure, c: SweepFigureChoice): string {
  const info = SWEEP_METRIC_INFO[c.metric];
  const done = r.points.filter((p) => p.state === 'done').length;
  const axis = (p: string) => r.axes.find((a) => a.param === p)?.label ?? p;
  const rest = r.axes.filter((a) => a.param !== c.x && a.param !== c.y && a.values.length > 1).map((a) => a.label);
  const over = rest.length ? `mean over ${rest.join(' and ')}` : 'one run per value';
  const what =
    fig.kind === 'heatmap'
      ? `heatmap of the ${info.label} (${over}) over ${axis(c.x)} (x) and ${axis(c.y!)} (y); colours on the viridis scale${fig.spec.log ? ' (log)' : ''}, the mean printed in each cell.`
      : `${info.label} over ${axis(c.x)}${c.y ? `, one line per ${axis(c.y)}` : ''}${fig.spec.log ? ' (log scale)' : ''}: the line is the ${over}${rest.length ? `, the band ± one standard deviation, the dots the single runs` : ''}.`;
  return `Sweep ${r.name} (${done} of ${r.points.length} points completed): ${what} ${cap(info.label)}: ${info.description}.`;
}

const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;
