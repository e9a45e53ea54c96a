// `racecar export`: figure bundles (figures, data, configs, README,
// reproduce.sh, manifest) of one or several runs, to a folder or a .zip.
import { parseArgs } from 'node:util';
import { RunStore } from '../engine/store/runStore';
import { UsageError, intFlag, workspaceOf } from './flags';
import { EXPORT_DEFAULTS, ExportCancelledError, FIGURE_NAMES, exportBundle, type ExportOptions } from '../export/bundle';
import type { SizeUnit } from '../figures/canvas';
import type { SweepExport } from '../export/bundle';
import { SWEEP_METRICS } from '../engine/sweep/metrics';
import { resolveSweepExport } from '../export/sweepExport';

export const EXPORT_HELP = `racecar export: publication figures, data and a reproduction recipe of runs

usage:
  racecar export <run> [<run>...] --out <folder | file.zip> [options]
  racecar export --sweep <sweep> --out <folder | file.zip> [--metric m] [--x axis] [--y axis] [options]

  --out path           a new folder, or a file ending in .zip
  --figures list       comma-separated, default all: ${FIGURE_NAMES.join(',')}
                       ('none' for data, configs, README and reproduce.sh only)
  --width 4in --height 3in   figure size in in, cm or px (a bare number is inches); default ${EXPORT_DEFAULTS.width} x ${EXPORT_DEFAULTS.height} in
  --dpi 300            PNG pixels = inches x dpi, recorded in the PNG (pHYs); default ${EXPORT_DEFAULTS.dpi}
  --formats png,svg    figure files to write; default both (the animation is always a GIF)
  --colormap diverging|grey      singular-vector images; default diverging (red +, white 0, blue -)
  --order sigma|alignment        singular vectors by σ (largest first) or by alignment with the test data
  --background white|transparent
  --samples n          test samples in the backward grid and GIF (default ${EXPORT_DEFAULTS.maxSamples})
  --columns n          evaluated steps in the backward grid, evenly spaced (default ${EXPORT_DEFAULTS.maxColumns})
  --vectors n          singular vectors in each run's vector grid (default ${EXPORT_DEFAULTS.maxVectors})
  --top-k n            singular vectors per run in the comparison figure (default ${EXPORT_DEFAULTS.topK})
  --force              replace an existing zip file or bundle folder
sweeps:
  --sweep id           the sweep's figures (figures/sweep/*), sweep.csv (every point, its run and metrics),
                       sweep.json, and the metrics and configs of its completed runs; per-run figures
                       only with --figures
  --metric list        ${SWEEP_METRICS.join(',')} (default all)
  --x axis --y axis    the axes (default: the first non-seed axis; seeds give the spread); with --y a heatmap
  --kind heatmap|lines with --y: a heatmap (default) or one line per --y value
  --workspace dir      where the runs live
  --json               print the result (path, files, notes) as JSON

The bundle holds figures/<run id>/*.png|svg (loss, accuracy, recon, spectrum,
backward-grid, vectors), backward.gif, figures/comparison.*, overlays of all
runs (several runs), metrics.csv, metrics.json, configs/<run id>.json,
README.md (captions, versions), reproduce.sh and MANIFEST.sha256. It is
written to a temporary folder next to the target and moved into place at the
end: a failed or interrupted export leaves nothing behind.

example:
  racecar export 20250101-120000-peak-rr-1a2b 20250101-120500-peak-std-3c4d --out peak.zip --width 8cm --height 6cm`;

const OPTIONS = {
  out: { type: 'string' },
  figures: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  dpi: { type: 'string' },
  formats: { type: 'string' },
  colormap: { type: 'string' },
  order: { type: 'string' },
  background: { type: 'string' },
  samples: { type: 'string' },
  columns: { type: 'string' },
  vectors: { type: 'string' },
  'top-k': { type: 'string' },
  force: { type: 'boolean' },
  sweep: { type: 'string' },
  metric: { type: 'string' },
  x: { type: 'string' },
  y: { type: 'string' },
  kind: { type: 'string' },
  workspace: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** '4', '4in', '10.5cm', '1200px' -> value and unit (a bare number is inches). */
export function parseLength(flag: string, v: string): { value: number; unit: SizeUnit } {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(in|cm|px)?\s*$/i.exec(v);
  if (!m) throw new UsageError(`--${flag}: '${v}' is not a length: use e.g. 4in, 10cm or 1200px`);
  return { value: Number(m[1]), unit: (m[2] ?? 'in').toLowerCase() as SizeUnit };
}

function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Width and height in one unit: mixed units are converted to inches. */
function sizeFlags(w: string | undefined, h: string | undefined, dpi: number): Pick<ExportOptions, 'width' | 'height' | 'unit'> {
  if (w === undefined && h === undefined) return {};
  if (w === undefined || h === undefined) throw new UsageError(`give both --width and --height (e.g. --width 4in --height 3in)`);
  const a = parseLength('width', w);
  const b = parseLength('height', h);
  if (a.unit === b.unit) return { width: a.value, height: b.value, unit: a.unit };
  const inches = (x: { value: number; unit: SizeUnit }) => (x.unit === 'in' ? x.value : x.unit === 'cm' ? x.value / 2.54 : x.value / dpi);
  return { width: inches(a), height: inches(b), unit: 'in' };
}

export async function cmdExport(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    console.error(`racecar: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')} (see racecar export --help)`);
    return 2;
  }
  if (values.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY;
  try {
    const sweepId = str('sweep');
    if (positionals.length === 0 && !sweepId) throw new UsageError('export: give one or more run ids (see racecar runs), or --sweep <id>');
    if (positionals.length > 0 && sweepId) throw new UsageError('export: give run ids or --sweep <id>, not both');
    if (!sweepId && ['metric', 'x', 'y', 'kind'].some((k) => str(k) !== undefined))
      throw new UsageError('export: --metric, --x, --y and --kind go with --sweep <id>');
    if (!str('out')) throw new UsageError('export: give --out <folder> or --out <file.zip>');
    const dpi = str('dpi') === undefined ? undefined : Number(str('dpi'));
    if (dpi !== undefined && !Number.isFinite(dpi)) throw new UsageError(`--dpi: '${str('dpi')}' is not a number`);
    let figures = list(str('figures'));
    const workspace = workspaceOf(values);
    const store = new RunStore(workspace);
    let runIds = positionals;
    let sweep: SweepExport | undefined;
    if (sweepId) {
      const kind = str('kind');
      if (kind !== undefined && kind !== 'heatmap' && kind !== 'lines') throw new UsageError(`--kind: '${kind}' is not heatmap or lines`);
      const r = resolveSweepExport(store, {
        id: sweepId,
        ...(str('metric') !== undefined ? { metrics: list(str('metric')) } : {}),
        ...(str('x') !== undefined ? { x: str('x') } : {}),
        ...(str('y') !== undefined ? { y: str('y') } : {}),
        ...(kind ? { kind } : {}),
      });
      sweep = r.sweep;
      runIds = r.runIds;
      figures ??= ['none'];
    }
    const result = await exportBundle({
      store,
      runIds,
      ...(sweep ? { sweep } : {}),
      out: str('out')!,
      figures: figures && figures.length === 1 && figures[0] === 'none' ? [] : figures,
      dpi,
      ...sizeFlags(str('width'), str('height'), dpi ?? EXPORT_DEFAULTS.dpi),
      formats: list(str('formats')),
      colormap: str('colormap'),
      vectorOrder: str('order'),
      background: str('background'),
      maxSamples: intFlag('samples', str('samples')),
      maxColumns: intFlag('columns', str('columns')),
      maxVectors: intFlag('vectors', str('vectors')),
      topK: intFlag('top-k', str('top-k')),
      overwrite: values.force === true,
      signal: abort.signal,
      onProgress: tty
        ? (p) => {
            const width = 24;
            const filled = Math.round((p.done / Math.max(1, p.total)) * width);
            process.stderr.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${p.label}`);
          }
        : undefined,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    for (const n of result.notes) console.error(`note: ${n}`);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(result.out);
    return 0;
  } catch (e) {
    if (tty) process.stderr.write('\r\x1b[K');
    if (e instanceof ExportCancelledError) {
      console.error(`racecar: ${e.message}`);
      return 130;
    }
    console.error(`racecar: ${(e as Error).message.split('\n')[0]}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
