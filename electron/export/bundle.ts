// Figure bundles: publication figures (PNG at a dpi + SVG, a GIF), the data
// behind them, each run's config, a README with captions, reproduce.sh and a
// SHA-256 manifest, for one or several runs. Three stages: plan (everything is
// checked and laid out before the first byte is written, plan.ts), render
// (into a temporary folder next to the target, render.ts) and commit (zipped
// and/or renamed into place, commit.ts), so a failed or cancelled export
// leaves nothing behind.
import type { RunStore } from '../engine/store/runStore';
import { FontError, figureFontFamily, type SizeUnit } from '../figures/canvas';
import { ExportCancelledError, ExportError, EXPORT_WORDS, type ExportWording } from './errors';
import { loadRuns, planBundle, validateSettings } from './plan';
import { BundleWriter, renderBundle } from './render';
import { commit, discard, stage } from './commit';
import { checkTarget, describeFsError, FS_ERROR_CODES } from './target';
import type { SweepResults } from '../engine/sweep/metrics';
import type { SweepFigureChoice } from '../figures/sweepCharts';

export { BACKGROUNDS, COLORMAPS, EXPORT_DEFAULTS, FIGURE_NAMES, FORMATS, VECTOR_ORDERS, type FigureFormat, type FigureName } from './options';
export { ExportCancelledError, ExportError, type ExportWording } from './errors';

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
  /** Replace an existing target that is itself a bundle (a zip or folder holding its manifest); nothing else is ever replaced. */
  overwrite?: boolean;
  /** Whose words the error messages use for their fixes (default cli: --out, --force). */
  wording?: ExportWording;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** A sweep's figures (one per choice; default: every metric over its first non-seed axis), sweep.csv and the sweep file. */
  sweep?: SweepExport;
}

export interface SweepExport {
  results: SweepResults;
  /** The saved sweep file, copied into the bundle as sweep.json. */
  sweepFile: string;
  choices?: SweepFigureChoice[];
}

export interface ExportResult {
  /** Absolute path of the bundle (folder or zip). */
  out: string;
  /** Bundle-relative paths of every file, sorted ('/' separators). */
  files: string[];
  /** Figures left out (e.g. a run without checkpoint has no singular vectors), one line each. */
  notes: string[];
}

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

/** Exports one or several runs as a figure bundle (folder or .zip). */
export async function exportBundle(opts: ExportOptions): Promise<ExportResult> {
  const { store, signal } = opts;
  const words = EXPORT_WORDS[opts.wording ?? 'cli'];
  // ---- plan: everything checked before anything is written ----
  const settings = validateSettings(opts);
  const runs = loadRuns(store, opts.runIds, words);
  const target = checkTarget(opts.out, !!opts.overwrite, words);
  let fontFamily: string;
  try {
    fontFamily = figureFontFamily();
  } catch (e) {
    if (e instanceof FontError) throw new ExportError(e.message);
    throw e;
  }
  if (signal?.aborted) throw new ExportCancelledError();
  const { tasks, notes } = planBundle(store, runs, settings, fontFamily, opts.sweep);

  // Stages: the tasks, the manifest, the zip (for a .zip), the rename.
  const total = tasks.length + 2 + (target.zip ? 1 : 0);
  let done = 0;
  /** Reports the next stage, then honours a cancel (also one from the progress callback itself). */
  const step = (label: string) => {
    opts.onProgress?.({ done: done++, total, label });
    if (signal?.aborted && label !== 'done') throw new ExportCancelledError();
  };

  // ---- render into the staging folder, then commit ----
  const staging = stage(target, words);
  let files: string[];
  try {
    files = await renderBundle(tasks, new BundleWriter(staging.dir), step);
    commit(target, staging, files, step);
  } catch (e) {
    discard(target, staging);
    if (e instanceof ExportError || e instanceof ExportCancelledError) throw e;
    const c = code(e);
    if (c && FS_ERROR_CODES.includes(c)) throw new ExportError(describeFsError(e, target.out, words));
    throw e;
  }
  step('done');
  return { out: target.out, files, notes };
}
