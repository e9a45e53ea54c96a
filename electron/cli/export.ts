// `racecar export`: figure bundles (figures, data, configs, README,
// reproduce.sh, manifest) of one or several runs, to a folder or a .zip.
import { RunStore } from '../engine/store/runStore';
import { UsageError, intFlag, workspaceOf } from './flags';
import { EXPORT_DEFAULTS, ExportCancelledError, FIGURE_NAMES, exportBundle, type ExportOptions } from '../export/bundle';
import type { SizeUnit } from '../figures/canvas';
import { WORKSPACE_OPTION, parseCommand, type CommandSpec } from './options';
import { abortOnSignals } from './signals';
import { bar } from './format';
import type { SweepExport } from '../export/bundle';
import { SWEEP_METRICS } from '../engine/sweep/metrics';
import { resolveSweepExport } from '../export/sweepExport';

export const EXPORT_COMMAND: CommandSpec = {
  name: 'export',
  summary: 'publication figures, data and a reproduction recipe of runs',
  usage: [
    'export <run...> --out <folder | file.zip> [options]',
    'export --sweep <sweep> --out <folder | file.zip> [--metric m] [--x axis] [--y axis] [options]',
  ],
  positionals: true,
  options: {
    out: { type: 'string', arg: 'path', help: 'a new folder, or a file ending in .zip' },
    figures: {
      type: 'string',
      arg: 'list',
      help: `comma-separated, default all: ${FIGURE_NAMES.join(',')}\n('none' for data, configs, README and reproduce.sh only)`,
    },
    width: {
      type: 'string',
      arg: 'length',
      help: `figure width in in, cm or px (a bare number is inches), e.g. 4in; default ${EXPORT_DEFAULTS.width} x ${EXPORT_DEFAULTS.height} in`,
    },
    height: { type: 'string', arg: 'length', help: 'figure height, e.g. 3in' },
    dpi: { type: 'string', arg: 'n', help: `PNG pixels = inches x dpi, recorded in the PNG (pHYs); default ${EXPORT_DEFAULTS.dpi}` },
    formats: { type: 'string', arg: 'png,svg', help: 'figure files to write; default both (the animation is always a GIF)' },
    colormap: { type: 'string', arg: 'diverging|grey', help: 'singular-vector images; default diverging (red +, white 0, blue -)' },
    order: { type: 'string', arg: 'sigma|alignment', help: 'singular vectors by σ (largest first) or by alignment with the test data' },
    background: { type: 'string', arg: 'white|transparent', help: 'figure background; default white' },
    samples: { type: 'string', arg: 'n', help: `test samples in the backward grid and GIF (default ${EXPORT_DEFAULTS.maxSamples})` },
    columns: { type: 'string', arg: 'n', help: `evaluated steps in the backward grid, evenly spaced (default ${EXPORT_DEFAULTS.maxColumns})` },
    vectors: { type: 'string', arg: 'n', help: `singular vectors in each run's vector grid (default ${EXPORT_DEFAULTS.maxVectors})` },
    'top-k': { type: 'string', arg: 'n', help: `singular vectors per run in the comparison figure (default ${EXPORT_DEFAULTS.topK})` },
    force: { type: 'boolean', help: 'replace an existing bundle (a zip or folder holding its MANIFEST.sha256; nothing else)' },
    sweep: {
      type: 'string',
      arg: 'id',
      help: "the sweep's figures (figures/sweep/*), sweep.csv (every point, its run and metrics), sweep.json, and the metrics\nand configs of its completed runs; per-run figures only with --figures",
    },
    metric: { type: 'string', arg: 'list', help: `with --sweep: ${SWEEP_METRICS.join(',')} (default all)` },
    x: { type: 'string', arg: 'axis', help: 'with --sweep: the x axis (default: the first non-seed axis; seeds give the spread)' },
    y: { type: 'string', arg: 'axis', help: 'with --sweep: a second axis: a heatmap (or lines with --kind lines)' },
    kind: { type: 'string', arg: 'heatmap|lines', help: 'with --sweep and --y: a heatmap (default) or one line per --y value' },
    ...WORKSPACE_OPTION,
    json: { type: 'boolean', help: 'print the result (path, files, notes) as JSON' },
  },
  footer: `The bundle holds figures/<run id>/*.png|svg (loss, accuracy, recon, spectrum,
backward-grid, vectors), backward.gif, figures/comparison.*, overlays of all
runs (several runs), metrics.csv, metrics.json, configs/<run id>.json,
README.md (captions, versions), reproduce.sh and MANIFEST.sha256. It is
written to a temporary folder next to the target and moved into place at the
end: a failed or interrupted export leaves nothing behind.

example:
  racecar export 20250101-120000-peak-rr-1a2b 20250101-120500-peak-std-3c4d --out peak.zip --width 8cm --height 6cm`,
};

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
  const { values, positionals } = parseCommand(EXPORT_COMMAND, args);
  const str = (k: string) => values[k] as string | undefined;
  const stop = abortOnSignals();
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
    const store = new RunStore(workspaceOf(values));
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
      signal: stop.signal,
      onProgress: tty ? (p) => process.stderr.write(`\r\x1b[K${bar(p.done, p.total, 24)} ${p.done}/${p.total} ${p.label}`) : undefined,
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
      return stop.exitCode(130);
    }
    console.error(`racecar: ${(e as Error).message.split('\n')[0]}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    stop.dispose();
  }
}
