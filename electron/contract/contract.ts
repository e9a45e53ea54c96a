// The one contract between the UI and the engine. Electron IPC (main/preload)
// and the browser-mode WebSocket are thin adapters over it: every request
// channel, its payload schema and its result type, and every event, are
// declared here once. Import-safe in the renderer: zod, types and pure constants only.
import { z } from 'zod';
import { BACKGROUNDS, COLORMAPS, FORMATS, SIZE_UNITS, VECTOR_ORDERS } from '../export/options';
import type { BackendName, EvalRecord, RunRecord, TrainEvent } from '../engine/types';
import { DataSourceSchema, RunConfigSchema, type RunConfig, type RunConfigInput } from '../engine/config/schema';
import type { LayerSvd, LayerVectors } from '../engine/svd/runSvd';
import { SWEEP_METRICS, type SweepResults } from '../engine/sweep/metrics';
import { SweepSpecSchema, type AxisValue } from '../engine/sweep/spec';
import type { PointStatus, SavedSweep, SweepStatus } from '../engine/sweep/sweepStore';
import type { RunStats } from '../engine/stats/groups';
import type { InfoPlaneEvaluation } from '../figures/infoPlaneChart';

const MAX_ID = 200;
const runId = z.string().min(1, 'id must not be empty').max(MAX_ID, `id must be at most ${MAX_ID} characters`);
const Empty = z.object({}).strict();
const axisParam = z.string().max(40, 'an axis name is at most 40 characters');
const positive = (what: string) => z.number().positive(`${what} must be a positive number`);

/** A figure bundle of runs (see electron/export/bundle.ts: figure names, sizes and paths are checked there, before anything is written). */
const ExportBundleRequest = z
  .object({
    /** Runs to export; may be empty with a sweep (whose completed runs are exported). */
    ids: z.array(runId).max(50, 'at most 50 runs at once'),
    /** A sweep's figures, sweep.csv and sweep.json (see electron/export/sweepExport.ts). */
    sweep: z
      .object({
        id: runId,
        metrics: z.array(z.enum(SWEEP_METRICS)).min(1, 'choose at least one metric').optional(),
        x: axisParam.optional(),
        y: axisParam.optional(),
        kind: z.enum(['heatmap', 'lines']).optional(),
      })
      .strict()
      .optional(),
    /** A folder to create, or a file ending in .zip. */
    out: z.string().min(1, 'out must not be empty').max(4096, 'out must be at most 4096 characters'),
    /** Default: every figure; [] = data, configs and README only. */
    figures: z.array(z.string().max(40, 'a figure name is at most 40 characters')).max(20, 'at most 20 figures').optional(),
    width: positive('width').optional(),
    height: positive('height').optional(),
    unit: z.enum(SIZE_UNITS).optional(),
    dpi: positive('dpi').optional(),
    colormap: z.enum(COLORMAPS).optional(),
    vectorOrder: z.enum(VECTOR_ORDERS).optional(),
    background: z.enum(BACKGROUNDS).optional(),
    formats: z.array(z.enum(FORMATS)).min(1, 'choose png, svg or both').max(FORMATS.length).optional(),
    overwrite: z.boolean().optional(),
  })
  .strict()
  .refine((r) => r.ids.length > 0 || r.sweep !== undefined, { message: 'select at least one run', path: ['ids'] });

/**
 * What the validate channels take: anything object-shaped, because their job is
 * to say what is wrong with it as a result ({ ok: false, error }), not to refuse it.
 */
const Unchecked = z.record(z.string().max(100), z.unknown());

/** Payload schemas, one per request channel. The engine side validates every payload with these. */
/** The page of runs.list the app asks for: small enough that relaying one page never holds the UI-serving process up long (npm run bench measures it with 10,000 runs). */
export const RUNS_PAGE = 100;

export const requestSchemas = {
  'app.info': Empty,
  'presets.list': Empty,
  /** A page of the runs, newest first (default: all of them); `total` says how many there are. */
  'runs.list': z
    .object({ offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(1000, 'limit: at most 1000 runs a page').optional() })
    .strict(),
  'runs.get': z.object({ id: runId }).strict(),
  /** The run config, parsed here once (defaults filled in): the engine stores it and its training process reads it from the store. */
  'runs.start': z.object({ config: RunConfigSchema }).strict(),
  'runs.validate': z.object({ config: Unchecked }).strict(),
  /** The images' shape [channels, height, width] and class count of a data source, read by loading it (the layer editor's input for an image folder). */
  'data.shape': z.object({ source: DataSourceSchema }).strict(),
  'runs.cancel': z.object({ id: runId }).strict(),
  /** Queues the six reference runs (MNIST pair and peak x Std, Ort, RR), as many at once as fit the cores. */
  'reproduce.start': Empty,
  'runs.rename': z.object({ id: runId, name: z.string().min(1, 'name must not be empty').max(120, 'name must be at most 120 characters') }).strict(),
  'runs.delete': z.object({ id: runId }).strict(),
  /** The user's tags and notes (each replaces what the run had; checked again by the run's writer). */
  'runs.annotate': z
    .object({
      id: runId,
      tags: z.array(z.string().max(40, 'a tag is at most 40 characters')).max(20, 'a run has at most 20 tags').optional(),
      notes: z.string().max(4000, 'notes are at most 4000 characters').optional(),
    })
    .strict(),
  /** Continues a cancelled or interrupted run from its last checkpoint (queued like a new run). */
  'runs.resume': z.object({ id: runId }).strict(),
  'runs.duplicate': z.object({ id: runId }).strict(),
  'runs.backward': z.object({ id: runId, step: z.number().int().min(0) }).strict(),
  /** Statistics over the runs grouped by mode (engine/stats/groups.ts), with the export's CSV and LaTeX tables; completed runs only. */
  'runs.stats': z.object({ ids: z.array(runId).min(1, 'select at least one run').max(1000, 'at most 1000 runs at once') }).strict(),
  /** The information planes the runs recorded (training.infoPlane), read from their evaluations. */
  'runs.infoPlane': z.object({ ids: z.array(runId).min(1, 'ask for at least one run').max(20, 'at most 20 runs at once') }).strict(),
  'svd.get': z.object({ id: runId, layer: z.number().int().min(0).max(64), step: z.number().int().min(0).optional() }).strict(),
  /** Singular vectors as numbers (u_{j+1} for index j, 0-based), e.g. to draw several on one colour scale and read values. */
  'svd.vectors': z
    .object({
      id: runId,
      layer: z.number().int().min(0).max(64),
      step: z.number().int().min(0).optional(),
      indices: z.array(z.number().int().min(0).max(100_000)).min(1, 'ask for at least one vector').max(256, 'at most 256 vectors at once'),
    })
    .strict(),
  /** Alignment scores already computed (the first layer at the last checkpoint); nothing is computed. */
  'svd.scores': z.object({ ids: z.array(runId).max(1000, 'at most 1000 runs at once') }).strict(),
  'workspace.set': z.object({ path: z.string().min(1, 'path must not be empty').max(4096) }).strict(),
  /** The app's own state kept in the workspace (forms, selections): see engine/store/uiState.ts. */
  'ui.load': Empty,
  'ui.save': z.object({ state: z.record(z.string().max(100), z.unknown()) }).strict(),
  'export.defaults': Empty,
  'export.bundle': ExportBundleRequest,
  'export.cancel': Empty,
  'sweeps.list': Empty,
  /** Status per point and the per-point metrics (SVD scores are computed once per run, then cached). */
  'sweeps.get': z.object({ id: runId }).strict(),
  /** Checks a spec and counts its points without starting anything. */
  'sweeps.validate': z.object({ spec: Unchecked }).strict(),
  /** Creates the sweep and queues its points in the engine's run queue (as many at once as fit the cores). */
  'sweeps.start': z.object({ spec: SweepSpecSchema }).strict(),
  /** Queues the points that have no completed run and none in progress. */
  'sweeps.resume': z.object({ id: runId }).strict(),
  /** Cancels the sweep's queued and running runs: in the engine's queue, local CLI processes and Slurm jobs. */
  'sweeps.cancel': z.object({ id: runId }).strict(),
  /** The transfer study (engine/study/transferStudy.ts) through the run queue; its table and figure go to <workspace>/studies/<id>/ when its runs have ended. */
  'study.transfer': z
    .object({
      seeds: z.array(z.number().int().min(0)).min(1, 'give at least one seed').max(20, 'at most 20 seeds').optional(),
      sourceSteps: z.number().int().min(1, 'sourceSteps must be at least 1').max(1_000_000).optional(),
      targetSteps: z.number().int().min(1, 'targetSteps must be at least 1').max(1_000_000).optional(),
      hidden: z.array(z.number().int().min(1)).min(1).max(8).optional(),
    })
    .strict(),
  /** Starts a new engine process now (the UI's "Restart engine"): answered by the engine's host, which also restarts a dead one by itself. */
  'engine.restart': Empty,
} as const;

export type Channel = keyof typeof requestSchemas;
export type RequestOf<C extends Channel> = z.input<(typeof requestSchemas)[C]>;
/** A payload as the engine receives it: parsed by its schema (defaults filled in). */
export type PayloadOf<C extends Channel> = z.output<(typeof requestSchemas)[C]>;

export interface RunSummary {
  run: RunRecord;
  last: EvalRecord | null;
}

export interface Preset {
  id: string;
  label: string;
  description: string;
  config: RunConfigInput;
}

/**
 * A file of the workspace as the UI names it: a relative path with forward
 * slashes (e.g. `runs/<id>/backward/0000100/0.png`). The renderer turns it into
 * a URL its transport serves (Electron: the app's custom scheme; browser mode:
 * a route that needs the session token); images never travel inside messages.
 */
export type FileRef = string;

/** One layer's reconstructed input feature maps at a step: up to 16 channels a grid, 8 a row, each grid on its own range. */
export interface BackwardFeatures {
  layer: number;
  shape: [number, number, number];
  images: FileRef[];
}

/** An SVD result as the UI receives it: the engine's LayerSvd with its vector images as files. */
export type SvdView = Omit<LayerSvd, 's' | 'vectorPngs'> & {
  singularValues: number[];
  /** PNGs of the input-space singular vectors (diverging map, centred on zero), in singular-value order. */
  vectors: FileRef[];
};

/** Statistics over runs as the UI receives them: the numbers, and the tables a paper takes (electron/export/statsTables.ts). */
export type RunStatsView = RunStats & { csv: string; latex: string };

/** Singular vectors as the UI receives them: the engine's LayerVectors with base64 float32 values. */
export type SvdVectorsView = Omit<LayerVectors, 'vectors'> & { vectors: { index: number; sigma: number; values: string }[] };

/** Result types, one per request channel. */
export interface Results {
  'app.info': { version: string; backend: BackendName | null; backends: BackendName[]; workspace: string; platform: string; mode: 'electron' | 'browser' };
  'presets.list': { presets: Preset[] };
  'runs.list': { runs: RunSummary[]; total: number; problems: { id: string; error: string }[]; queue: string[] };
  'runs.get': { run: RunRecord; metrics: EvalRecord[] };
  'runs.start': { id: string };
  'runs.validate': { ok: true; config: RunConfig; totalSteps: number } | { ok: false; error: string };
  'data.shape': { shape: [number, number, number]; classes: number };
  'runs.cancel': { id: string; status: RunRecord['status'] };
  /** The reference runs' ids, in REFERENCE_RUNS order (MNIST Std, Ort, RR, then peak). */
  'reproduce.start': { ids: string[] };
  'runs.rename': { run: RunRecord };
  'runs.delete': { id: string };
  'runs.annotate': { run: RunRecord };
  /** The checkpoint step it continues from, what is restored and what starts afresh, in words. */
  'runs.resume': { id: string; step: number; restored: string[]; reset: string[] };
  'runs.duplicate': { config: RunConfig };
  /** The test inputs and their reverse-pass reconstructions at `step`, as PNG files. */
  'runs.backward': {
    step: number;
    steps: number[];
    inputs: FileRef[];
    outputs: FileRef[];
    /** Per intermediate spatial layer k (0-based): the reverse pass's reconstruction of its input feature maps ([C, H, W]), one PNG grid of channels per test input. */
    features: BackwardFeatures[];
  };
  'runs.stats': RunStatsView;
  /** Per run, in the order asked: its evaluations with an information plane (none: trained without training.infoPlane). */
  'runs.infoPlane': { runs: { id: string; evaluations: InfoPlaneEvaluation[] }[] };
  'svd.get': SvdView;
  /** values: little-endian float32, base64 (rows numbers; an image row by row when `image` is set). */
  'svd.vectors': SvdVectorsView;
  /** score null: not computed yet (open the SVD view or call svd.get), or no checkpoint (step null). */
  'svd.scores': { scores: { id: string; step: number | null; score: number | null }[] };
  'workspace.set': { workspace: string };
  /** null: nothing saved in this workspace yet. */
  'ui.load': { state: Record<string, unknown> | null };
  'ui.save': Record<string, never>;
  /** A suggested target (<workspace>/exports/<yyyymmdd-HHMMSS>.zip) and every figure name, to prefill the Export dialog. */
  'export.defaults': { out: string; figures: string[] };
  /** The bundle's absolute path, its files (bundle-relative, sorted) and the figures left out, one line each. */
  'export.bundle': {
    out: string;
    files: string[];
    notes: string[];
    /** Browser mode, a .zip bundle: the URL path the page downloads it from, with the session token. */
    download?: string;
  };
  /** false when no export was running. */
  'export.cancel': { cancelled: boolean };
  'sweeps.list': { sweeps: SweepSummary[]; problems: { id: string; error: string }[] };
  'sweeps.get': {
    sweep: SavedSweep;
    points: PointStatus[];
    counts: SweepStatus['counts'];
    complete: boolean;
    executor: SweepExecutor;
    results: SweepResults;
    notes: string[];
  };
  'sweeps.validate': { ok: true; points: number; keys: string[] } | { ok: false; error: string };
  'sweeps.start': { id: string; points: number };
  'sweeps.resume': { id: string; queued: number };
  'sweeps.cancel': { id: string; cancelled: number };
  /** The study's id, the folder its files will be in, and how many runs it queues in all. */
  'study.transfer': { id: string; folder: string; runs: number };
  /** The new engine process's id (null where the host does not know it). */
  'engine.restart': { pid: number | null };
}

/** Where a sweep's points run: the engine's queue (app), racecar sweep on a machine (local) or Slurm. */
export type SweepExecutor = 'app' | 'local' | 'slurm';

/** One line of the sweeps list. */
export interface SweepSummary {
  id: string;
  name: string;
  createdAt: string;
  mode: 'grid' | 'list';
  axes: { param: string; label: string; values: AxisValue[] }[];
  points: number;
  counts: SweepStatus['counts'];
  executor: SweepExecutor;
}

export type ResultOf<C extends Channel> = Results[C];

/** Events pushed from the engine to every UI. */
export type EngineEvent =
  | { type: 'train'; event: TrainEvent }
  | { type: 'runs.changed' }
  | { type: 'log'; runId: string; line: string }
  /** The running export: `done` of `total` stages, `label` what is being done now. */
  | { type: 'export.progress'; done: number; total: number; label: string }
  /** The running export has ended, however it ended (each window learns it can start one again). */
  | { type: 'export.ended' }
  /** The engine process ended: 'restarted' (a new one serves requests; runs in flight were interrupted) or 'stopped' (it keeps failing: a new one starts after a pause, or on engine.restart). */
  | { type: 'engine'; state: 'restarted' | 'stopped'; message: string }
  /** A study started with study.transfer has ended: its files are in `folder` (ok false: some runs did not complete, or the files could not be written). */
  | { type: 'study'; id: string; folder: string; ok: boolean; message: string };

export const CHANNELS = Object.keys(requestSchemas) as Channel[];

export const isChannel = (c: unknown): c is Channel => typeof c === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, c);

/** Errors cross the contract as one line for the user; no stacks. */
export interface ContractError {
  message: string;
}

/** What a transport sends back for one request. */
export type Reply<C extends Channel = Channel> = { ok: true; result: ResultOf<C> } | { ok: false; error: ContractError };

/** Names a bad channel without calling anything of it (a hostile object's toString may throw or recurse). */
function describeChannel(c: unknown): string {
  if (typeof c === 'string') return JSON.stringify(c.slice(0, 60));
  if (c === null) return 'null';
  return `(a${Array.isArray(c) ? 'n array' : typeof c === 'object' ? 'n object' : ` ${typeof c}`}, not a string)`;
}

/** Deepest nesting of arrays and objects a payload may have: far more than any request needs, far less than serialising it again would overflow the stack at. */
export const MAX_PAYLOAD_DEPTH = 64;

/** Whether `value` nests arrays and objects deeper than `max` (walked without recursion: the walk itself must not overflow). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Validates a request: unknown channel and bad payloads become one-line errors naming the field. */
export function parseRequest<C extends Channel>(
  channel: unknown,
  payload: unknown,
): { ok: true; channel: C; payload: PayloadOf<C> } | { ok: false; error: string } {
  if (!isChannel(channel)) return { ok: false, error: `unknown channel ${describeChannel(channel)}: use one of ${CHANNELS.join(', ')}` };
  if (nestedDeeperThan(payload, MAX_PAYLOAD_DEPTH)) {
    return { ok: false, error: `${channel}: payload: nested more than ${MAX_PAYLOAD_DEPTH} levels deep: send a flatter payload` };
  }
  const r = requestSchemas[channel].safeParse(payload ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'payload';
    return { ok: false, error: `${channel}: ${where}: ${issue?.message ?? 'invalid payload'}` };
  }
  return { ok: true, channel: channel as C, payload: r.data as PayloadOf<C> };
}

/** The API every transport offers the renderer (Electron preload, WebSocket client). */
export interface EngineApi {
  call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<ResultOf<C>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (e: EngineEvent) => void): () => void;
}

/** The handler side: what the engine service implements; transports call it after parseRequest. */
export interface EngineHandler {
  handle<C extends Channel>(channel: C, payload: PayloadOf<C>): Promise<ResultOf<C>>;
  onEvent(listener: (e: EngineEvent) => void): () => void;
}
