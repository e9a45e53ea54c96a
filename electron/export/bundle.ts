// Figure bundles: publication figures (PNG at a dpi + SVG, a GIF), the data
// behind them, each run's config, a README with captions, reproduce.sh and a
// SHA-256 manifest, for one or several runs. Everything is checked before the
// first byte is written; the bundle is built in a temporary folder next to the
// target and renamed (or zipped and renamed) into place at the end, so a failed
// or cancelled export leaves nothing behind.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { zipSync, type Zippable } from 'fflate';
import { RunNotFoundError, RunRecordError, type RunStore } from '../engine/store/runStore';
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
import { figureTheme, renderChartPng, renderChartSvg } from '../figures/renderChart';
import { FigureSizeError, FontError, figureFontFamily, resolveFigureSize, type FigureSize, type SizeUnit } from '../figures/canvas';
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
import { MANIFEST_NAME, manifestOfDir } from './manifest';
import { bundleReadme, reproduceScript, type FigureEntry } from './readme';
import { BACKGROUNDS, COLORMAPS, EXPORT_DEFAULTS, FIGURE_NAMES, FORMATS, SIZE_UNITS, VECTOR_ORDERS, type FigureFormat, type FigureName } from './options';

export { BACKGROUNDS, COLORMAPS, EXPORT_DEFAULTS, FIGURE_NAMES, FORMATS, VECTOR_ORDERS, type FigureFormat, type FigureName } from './options';

export interface ExportProgress {
  done: number;
  total: number;
  /** What is being done now, e.g. 'loss figure of peak-rr'. */
  label: string;
}

export interface ExportOptions {
  store: RunStore;
  runIds: string[];
  /** A folder to create, or a file ending in .zip. */
  out: string;
  /** Default: all of FIGURE_NAMES. */
  figures?: readonly string[];
  /** Figure size (default 4 x 3 in) in `unit` (in, cm or px; default in). */
  width?: number;
  height?: number;
  unit?: SizeUnit;
  /** PNG pixels = inches x dpi; recorded in the PNGs' pHYs chunk. Default 300. */
  dpi?: number;
  /** Colour map of singular-vector images. Default diverging. */
  colormap?: string;
  background?: string;
  /** Order of singular vectors in 'vectors' and 'comparison'. Default sigma. */
  vectorOrder?: string;
  /** Which files each figure gets (the GIF is always a GIF). Default png and svg. */
  formats?: readonly string[];
  /** Test samples in the backward grid and GIF (default 8). */
  maxSamples?: number;
  /** Evaluated steps in the backward grid besides the input column (default 8, evenly spaced). */
  maxColumns?: number;
  /** Vectors in each run's 'vectors' grid (default 16). */
  maxVectors?: number;
  /** Vectors per run in 'comparison' (default 8). */
  topK?: number;
  /** Replace an existing target that is a zip file or an earlier bundle folder. */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportResult {
  /** Absolute path of the bundle (folder or zip). */
  out: string;
  /** Bundle-relative paths of every file, sorted ('/' separators). */
  files: string[];
  /** Figures left out (e.g. a run without checkpoint has no singular vectors), one line each. */
  notes: string[];
}

/** A problem with the request: nothing was written. The message is one line naming the run, figure or path and the fix. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export class ExportCancelledError extends Error {
  constructor() {
    super('export cancelled: nothing was written');
    this.name = 'AbortError';
  }
}

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;
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

interface Settings {
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

function validateSettings(o: ExportOptions): Settings {
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

function loadRuns(store: RunStore, ids: string[]): { run: RunRecord; metrics: EvalRecord[] }[] {
  if (ids.length === 0) throw new ExportError('no run given: name one or more run ids (see racecar runs)');
  return [...new Set(ids)].map((id) => {
    let run: RunRecord;
    try {
      run = store.get(id);
    } catch (e) {
      if (e instanceof RunNotFoundError || e instanceof InvalidRunIdError) {
        throw new ExportError(`run "${id}" not found in ${store.workspace}: list the run ids with racecar runs --workspace ${store.workspace}`);
      }
      if (e instanceof RunRecordError) throw new ExportError(`run "${id}" cannot be read: ${e.message}`);
      throw e;
    }
    const metrics = store.readMetrics(id);
    if (metrics.length === 0) throw new ExportError(`run "${id}" has no evaluations yet (status ${run.status}): wait for its first evaluation or leave it out`);
    return { run, metrics };
  });
}

interface Target {
  out: string;
  zip: boolean;
  parent: string;
  /** Whether an existing target is replaced at the end. */
  replace: boolean;
}

function describeFsError(e: unknown, where: string): string {
  const c = code(e);
  const why =
    c === 'ENOTDIR' || c === 'EEXIST'
      ? 'a part of the path is a file, not a folder'
      : c === 'EACCES' || c === 'EPERM'
        ? 'permission denied'
        : c === 'EROFS'
          ? 'the file system is read-only'
          : c === 'ENOSPC'
            ? 'the disk is full'
            : msg(e);
  return `cannot write the bundle to ${where}: ${why}: choose another --out`;
}

function checkTarget(outArg: string, overwrite: boolean): Target {
  if (!outArg || !outArg.trim()) throw new ExportError('no output given: use --out <folder> or --out <file.zip>');
  const out = path.resolve(outArg);
  const zip = /\.zip$/i.test(out);
  const parent = path.dirname(out);
  if (parent === out) throw new ExportError(`cannot write the bundle to ${out}: choose a folder or zip file inside it`);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(out);
  } catch (e) {
    if (code(e) === 'ENOTDIR') throw new ExportError(describeFsError(e, out));
    if (code(e) !== 'ENOENT') throw new ExportError(describeFsError(e, out));
  }
  if (st) {
    if (!overwrite) throw new ExportError(`${out} already exists: choose a new --out, or pass --force to replace it`);
    if (zip && !st.isFile()) throw new ExportError(`${out} exists and is not a file: refusing to replace it`);
    if (!zip && !(st.isDirectory() && fs.existsSync(path.join(out, MANIFEST_NAME)))) {
      throw new ExportError(`${out} exists and is not a figure bundle: refusing to replace it, choose a new --out`);
    }
  }
  // The nearest existing ancestor must be a folder.
  let dir = parent;
  for (;;) {
    try {
      const s = fs.statSync(dir);
      if (!s.isDirectory()) throw new ExportError(`cannot write the bundle to ${out}: ${dir} is a file, not a folder: choose another --out`);
      break;
    } catch (e) {
      if (e instanceof ExportError) throw e;
      if (code(e) === 'ENOTDIR') throw new ExportError(describeFsError(e, out));
      if (code(e) !== 'ENOENT') throw new ExportError(describeFsError(e, out));
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return { out, zip, parent, replace: !!st };
}

/** Removes the folders mkdir -p created (deepest first), while they are empty. */
function removeEmptyUpTo(dir: string, top: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return;
    }
    if (d === path.resolve(top) || path.dirname(d) === d) return;
  }
}

class BundleWriter {
  readonly files: string[] = [];
  constructor(readonly dir: string) {}

  write(rel: string, data: Buffer | string, mode?: number): void {
    const file = path.join(this.dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data, mode !== undefined ? { mode } : undefined);
    if (mode !== undefined) fs.chmodSync(file, mode);
    this.files.push(rel);
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function zipDir(dir: string, files: string[], executable: Set<string>): Uint8Array {
  const mtime = new Date();
  const entries: Zippable = {};
  for (const f of [...files].sort()) {
    const data = fs.readFileSync(path.join(dir, ...f.split('/')));
    const packed = /\.(png|gif)$/i.test(f);
    // Unix mode in the upper 16 bits of the external attributes (os 3 = Unix), so unzip restores +x.
    const attrs = ((executable.has(f) ? 0o100755 : 0o100644) << 16) >>> 0;
    entries[f] = [new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { level: packed ? 0 : 6, mtime, os: 3, attrs }];
  }
  return zipSync(entries);
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/** Exports one or several runs as a figure bundle (folder or .zip). */
export async function exportBundle(opts: ExportOptions): Promise<ExportResult> {
  const { store, signal } = opts;
  // ---- everything checked before anything is written ----
  const settings = validateSettings(opts);
  const runs = loadRuns(store, opts.runIds);
  const target = checkTarget(opts.out, !!opts.overwrite);
  let fontFamily: string;
  try {
    fontFamily = figureFontFamily();
  } catch (e) {
    if (e instanceof FontError) throw new ExportError(e.message);
    throw e;
  }
  if (signal?.aborted) throw new ExportCancelledError();

  const { size, formats } = settings;
  const theme: ChartTheme = { ...figureTheme(settings.background), fontFamily };
  const labels = runLabels(runs.map((r) => r.run));
  const labelOf = (id: string) => labels.get(id) ?? id;
  const want = new Set(settings.figures);
  const notes: string[] = [];
  const figures: FigureEntry[] = [];
  const multi = runs.length > 1;

  // ---- the plan: one task per file group, for progress and cancellation ----
  type Task = { label: string; run: (w: BundleWriter) => void };
  const tasks: Task[] = [];
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
  const chartFiles = (w: BundleWriter, base: string, spec: ChartSpec, caption: string) => {
    const files: string[] = [];
    if (formats.includes('png')) {
      w.write(`${base}.png`, renderChartPng(spec, size, theme));
      files.push(`${base}.png`);
    }
    if (formats.includes('svg')) {
      w.write(`${base}.svg`, renderChartSvg(spec, size, theme));
      files.push(`${base}.svg`);
    }
    figures.push({ files, caption, group: groupOf(base) });
  };
  const gridFiles = (w: BundleWriter, base: string, fig: GridFigure, caption: string) => {
    const files: string[] = [];
    try {
      if (formats.includes('png')) {
        w.write(`${base}.png`, renderGridPng(fig, size, theme));
        files.push(`${base}.png`);
      }
      if (formats.includes('svg')) {
        w.write(`${base}.svg`, renderGridSvg(fig, size, theme));
        files.push(`${base}.svg`);
      }
    } catch (e) {
      if (e instanceof GridLayoutError) throw new ExportError(`${base}: ${e.message}`);
      throw e;
    }
    figures.push({ files, caption, group: groupOf(base) });
  };
  const sizeText = `${round(size.widthIn)} x ${round(size.heightIn)} in`;

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
          comparisonFigure(rows, { colormap: settings.colormap, order: settings.order, topK: settings.topK }),
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
          chartFiles(w, `figures/overlay-${fig}`, overlayChart(series, metric), `The ${what} of every run over the training step, one colour per run.`),
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
            spectrumOverlayChart(rs),
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
              const { pid: _pid, host: _host, ...rec } = run;
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

  // ---- build in a temporary folder next to the target ----
  const total = tasks.length + 2 + (target.zip ? 1 : 0);
  let done = 0;
  /** Reports the next stage, then honours a cancel (also one from the progress callback itself). */
  const progress = (label: string) => {
    opts.onProgress?.({ done, total, label });
    if (signal?.aborted && label !== 'done') throw new ExportCancelledError();
  };
  let firstCreated: string | undefined;
  try {
    firstCreated = fs.mkdirSync(target.parent, { recursive: true });
  } catch (e) {
    throw new ExportError(describeFsError(e, target.out));
  }
  const stem = `.${path.basename(target.out)}.export-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpDir = path.join(target.parent, stem);
  const tmpZip = path.join(target.parent, `${stem}.zip`);
  const old = path.join(target.parent, `${stem}.old`);
  try {
    fs.mkdirSync(tmpDir);
  } catch (e) {
    if (firstCreated) removeEmptyUpTo(target.parent, firstCreated);
    throw new ExportError(describeFsError(e, target.out));
  }
  const w = new BundleWriter(tmpDir);
  let committed = false;
  try {
    for (const t of tasks) {
      progress(t.label);
      t.run(w);
      done++;
      await nextTick(); // lets a cancel in, and keeps a host responsive
    }
    progress('manifest');
    w.write(MANIFEST_NAME, manifestOfDir(tmpDir, w.files.slice()));
    done++;
    const files = w.files.slice().sort();
    if (target.zip) {
      progress('zip');
      const bytes = zipDir(tmpDir, files, new Set(['reproduce.sh']));
      fs.writeFileSync(tmpZip, bytes);
      fsyncFile(tmpZip);
      done++;
      progress('rename into place');
      fs.renameSync(tmpZip, target.out); // replaces an existing zip atomically
      committed = true;
      removeQuietly(tmpDir);
    } else {
      progress('rename into place');
      if (target.replace) fs.renameSync(target.out, old);
      try {
        fs.renameSync(tmpDir, target.out);
      } catch (e) {
        if (target.replace) fs.renameSync(old, target.out);
        throw e;
      }
      committed = true;
      if (target.replace) removeQuietly(old);
    }
    done++;
    progress('done');
    return { out: target.out, files, notes };
  } catch (e) {
    if (!committed) {
      removeQuietly(tmpDir);
      removeQuietly(tmpZip);
      if (firstCreated) removeEmptyUpTo(target.parent, firstCreated);
    }
    if (e instanceof ExportError || e instanceof ExportCancelledError) throw e;
    const c = code(e);
    if (c && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EDQUOT'].includes(c)) throw new ExportError(describeFsError(e, target.out));
    throw e;
  }
}

/** Best effort: a leftover temporary file must not turn a finished export into an error. */
function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* nothing more to do */
  }
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
