// Sweeps on disk: <workspace>/sweeps/<id>/ holds sweep.json (the sweep file:
// spec, id, creation time), points/<index>.json (each point's run config with
// its sweep tag: what `racecar train --config` reads on any machine; written
// when an executor first runs the point, not 10,000 at creation) and the
// executors' own files (logs/, slurm/, claims/; app.json when the app queued
// the points: they get their run folders as they start). The runs themselves are normal runs
// in <workspace>/runs, tagged with the sweep and point; a point's status is
// read from them, so it survives killed drivers, crashed nodes and restarts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, describeIssue } from '../config/schema';
import { makeRunId, isRunId } from '../store/layout';
import type { RunStore } from '../store/runStore';
import type { RunRecord, RunStatus, SweepTag } from '../types';
import { claimFolder } from '../store/claimFolder';
import { writeFileAtomic } from '../util/atomicWrite';
import { makeDirs } from '../util/makeDirs';
import { SweepFileSchema, expandSweep, parseSweepSpec, sweepPointKeys, type PointKey, type SweepFile, type SweepPoint, type SweepSpec } from './spec';

export interface SavedSweep extends SweepSpec {
  id: string;
  createdAt: string;
}

export const sweepsDir = (ws: string) => path.join(ws, 'sweeps');

export function validateSweepId(id: unknown): string {
  // Same shape as run ids (which rules out '/', '..' and '').
  if (!isRunId(id)) throw new SweepNotFoundError(String(id), '', `invalid sweep id ${JSON.stringify(String(id))}: expected yyyymmdd-HHMMSS-name-xxxx`);
  return id;
}

export const sweepDir = (ws: string, id: string) => path.join(sweepsDir(ws), validateSweepId(id));
export const sweepJsonPath = (ws: string, id: string) => path.join(sweepDir(ws, id), 'sweep.json');
export const pointsDir = (ws: string, id: string) => path.join(sweepDir(ws, id), 'points');
export const pointPath = (ws: string, id: string, index: number) => path.join(pointsDir(ws, id), `${index}.json`);
export const logsDir = (ws: string, id: string) => path.join(sweepDir(ws, id), 'logs');
export const slurmDir = (ws: string, id: string) => path.join(sweepDir(ws, id), 'slurm');

export class SweepNotFoundError extends Error {
  constructor(
    readonly sweepId: string,
    workspace: string,
    message = `sweep "${sweepId}" not found in ${workspace}: list sweeps with racecar sweep list`,
  ) {
    super(message);
    this.name = 'SweepNotFoundError';
  }
}

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

/** The point file: a run config plus its sweep tag (ignored by the run schema, read by `racecar train`). */
export function pointFileJson(sweepId: string, p: SweepPoint): string {
  const tag: SweepTag = { id: sweepId, point: p.index };
  return `${JSON.stringify({ ...p.config, sweep: tag }, null, 2)}\n`;
}

/**
 * Creates a sweep folder: every point is expanded and validated first (a bad
 * point leaves no trace), then sweep.json; point files follow as points are
 * run (ensurePointFile), expanded again from sweep.json.
 */
export function createSweep(workspace: string, input: unknown, now = new Date()): { sweep: SavedSweep; points: SweepPoint[] } {
  const spec = parseSweepSpec(input);
  const points = expandSweep(spec);
  return { sweep: createSweepFolder(workspace, spec, now), points };
}

/** The sweep's folder and sweep.json, for a spec whose points the caller has validated (the app does so on a worker thread). */
export function createSweepFolder(workspace: string, spec: SweepSpec, now = new Date()): SavedSweep {
  const root = sweepsDir(workspace);
  makeDirs(root);
  const { id, dir } = claimFolder(root, () => makeRunId(spec.name, now), `sweep "${spec.name}"`);
  try {
    const sweep: SavedSweep = { ...spec, id, createdAt: now.toISOString() };
    fs.mkdirSync(pointsDir(workspace, id));
    writeFileAtomic(sweepJsonPath(workspace, id), sweepFileJson(sweep));
    return sweep;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The point's file for `racecar train --config`, written the first time it is needed; returns its path. */
export function ensurePointFile(workspace: string, sweepId: string, p: SweepPoint): string {
  const file = pointPath(workspace, sweepId, p.index);
  if (!fs.existsSync(file)) {
    makeDirs(pointsDir(workspace, sweepId));
    writeFileAtomic(file, pointFileJson(sweepId, p));
  }
  return file;
}

/** The sweep file: id and createdAt first, so a reader sees at once which sweep it is. */
export function sweepFileJson(s: SavedSweep): string {
  const { id, createdAt, ...spec } = s;
  return `${JSON.stringify({ id, createdAt, ...spec }, null, 2)}\n`;
}

/** Parses a sweep file (hand-written or saved); throws ConfigError naming the field. */
export function parseSweepFile(data: unknown): SweepFile {
  const r = SweepFileSchema.safeParse(data);
  if (!r.success) throw new ConfigError(`sweep ${describeIssue(r.error)}`);
  return r.data;
}

export function readSweepFile(file: string): SweepFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`sweep file ${file}: cannot read it (${code(e) ?? (e as Error).message}): check the path`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`sweep file ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseSweepFile(data);
}

export function sweepExists(workspace: string, id: string): boolean {
  return isRunId(id) && fs.existsSync(sweepJsonPath(workspace, id));
}

/** A saved sweep's spec, its points not built. */
export function readSavedSweep(workspace: string, id: string): SavedSweep {
  const file = sweepJsonPath(workspace, id);
  if (!fs.existsSync(file)) throw new SweepNotFoundError(id, workspace);
  const f = readSweepFile(file);
  if (f.id !== id) throw new ConfigError(`sweep "${id}": sweep.json belongs to sweep "${String(f.id)}"`);
  const { id: _id, createdAt, ...spec } = f;
  return { ...parseSweepSpec(spec), id, createdAt: createdAt ?? new Date(0).toISOString() };
}

/** A saved sweep and its points (expanded again from the spec: the same order and values as at creation). */
export function readSweep(workspace: string, id: string): { sweep: SavedSweep; points: SweepPoint[] } {
  const sweep = readSavedSweep(workspace, id);
  return { sweep, points: expandSweep(sweep) };
}

/** A saved sweep and its points' keys, no config built: enough for its status. */
export function readSweepKeys(workspace: string, id: string): { sweep: SavedSweep; points: PointKey[] } {
  const sweep = readSavedSweep(workspace, id);
  return { sweep, points: sweepPointKeys(sweep) };
}

// ---- sweeps run by the app ----

/** sweeps/<id>/app.json: the app queued the sweep's points (in its engine's memory: a point gets its run folder when it starts). */
export interface AppSweepMarker {
  startedAt: string;
  /** The app's sweep was cancelled then: its points without a run never started. */
  cancelledAt?: string;
}

export const appMarkerPath = (ws: string, id: string) => path.join(sweepDir(ws, id), 'app.json');

export function readAppMarker(ws: string, id: string): AppSweepMarker | null {
  try {
    return JSON.parse(fs.readFileSync(appMarkerPath(ws, id), 'utf8')) as AppSweepMarker;
  } catch {
    return null;
  }
}

export function writeAppMarker(ws: string, id: string, m: AppSweepMarker): void {
  writeFileAtomic(appMarkerPath(ws, id), `${JSON.stringify(m)}\n`);
}

/** The sweep runs again (resumed in the app or by racecar sweep): its points without a run are no longer cancelled. */
export function clearAppCancel(ws: string, id: string): void {
  const m = readAppMarker(ws, id);
  if (m?.cancelledAt) writeAppMarker(ws, id, { startedAt: m.startedAt });
}

/** What the app marker says of points that have no run: cancelled before they started, if the app's sweep was cancelled. */
export function appPointStates(ws: string, id: string, points: readonly PointKey[]): Map<number, ExternalPointState> {
  const cancelledAt = readAppMarker(ws, id)?.cancelledAt;
  if (!cancelledAt) return new Map();
  const st: ExternalPointState = { state: 'cancelled', detail: `cancelled before it started (sweep cancelled at ${cancelledAt})` };
  return new Map(points.map((p) => [p.index, st]));
}

/** Saved sweeps, newest first; unreadable folders are reported, not thrown. */
export function listSweeps(workspace: string): { sweeps: SavedSweep[]; problems: { id: string; error: string }[] } {
  let names: string[];
  try {
    names = fs.readdirSync(sweepsDir(workspace));
  } catch (e) {
    if (code(e) === 'ENOENT') return { sweeps: [], problems: [] };
    throw e;
  }
  const sweeps: SavedSweep[] = [];
  const problems: { id: string; error: string }[] = [];
  for (const n of names.sort().reverse()) {
    if (!isRunId(n)) continue;
    try {
      const sweep = readSavedSweep(workspace, n);
      sweepPointKeys(sweep); // a sweep whose points cannot be counted is a problem, as before
      sweeps.push(sweep);
    } catch (e) {
      problems.push({ id: n, error: (e as Error).message });
    }
  }
  return { sweeps, problems };
}

// ---- status ----

/** 'pending': no run yet. The run states are the run's own; Slurm may add queued/running/failed before a run exists. */
export type PointState = 'done' | 'running' | 'queued' | 'failed' | 'diverged' | 'cancelled' | 'interrupted' | 'pending';

export interface PointStatus {
  index: number;
  key: string;
  values: PointKey['values'];
  state: PointState;
  /** The run that represents the point (a completed one if any). */
  runId: string | null;
  /** Every run of this point, newest first (retries keep the failed ones). */
  runIds: string[];
  lastStep: number;
  totalSteps: number;
  error?: string;
  /** Where the state comes from when no run says it (e.g. 'slurm task 1234_5 PENDING'). */
  detail?: string;
}

export interface SweepStatus {
  sweep: SavedSweep;
  points: PointStatus[];
  counts: Record<PointState, number>;
  /** Every point done. */
  complete: boolean;
}

/** What an executor knows of a point beyond its runs (a Slurm task not started yet, or one that failed before creating its run). */
export interface ExternalPointState {
  state: 'queued' | 'running' | 'failed' | 'cancelled';
  detail: string;
}

const stateOf = (s: RunStatus): PointState => (s === 'completed' ? 'done' : s);

/** Points whose run is not done and not in progress: what a resumed sweep starts. */
/** A diverged point is final: the same seed and settings diverge again. */
export const needsRun = (p: PointStatus): boolean => p.state === 'pending' || p.state === 'failed' || p.state === 'cancelled' || p.state === 'interrupted';

export function sweepRuns(store: RunStore, sweepId: string): RunRecord[] {
  return store.list().runs.filter((r) => r.sweep?.id === sweepId);
}

/**
 * Status per point from the run folders, and from an executor for points whose
 * run does not say more. A completed run always wins; then a task in flight
 * (queued or running), a live run, the newest ended run, and last the
 * executor's view of a task that ended without a run (by default: the app's
 * record of a cancel that came before the point started).
 */
export function sweepStatus(
  store: RunStore,
  sweep: SavedSweep,
  points: readonly PointKey[],
  external: Map<number, ExternalPointState> = appPointStates(store.workspace, sweep.id, points),
  runs: RunRecord[] = sweepRuns(store, sweep.id),
): SweepStatus {
  const byPoint = new Map<number, RunRecord[]>();
  for (const r of runs) {
    const list = byPoint.get(r.sweep!.point) ?? [];
    list.push(r);
    byPoint.set(r.sweep!.point, list);
  }
  const out: PointStatus[] = points.map((p) => {
    const rs = (byPoint.get(p.index) ?? []).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1));
    const base = { index: p.index, key: p.key, values: p.values, runIds: rs.map((r) => r.id) };
    const fromRun = (r: RunRecord): PointStatus => ({
      ...base,
      state: stateOf(r.status),
      runId: r.id,
      lastStep: r.lastStep,
      totalSteps: r.totalSteps,
      ...(r.error ? { error: r.error } : {}),
    });
    const done = rs.find((r) => r.status === 'completed');
    if (done) return fromRun(done);
    const ext = external.get(p.index);
    const fromExt = (e: ExternalPointState): PointStatus => ({
      ...base,
      state: e.state,
      runId: rs[0]?.id ?? null,
      lastStep: rs[0]?.lastStep ?? 0,
      totalSteps: rs[0]?.totalSteps ?? 0,
      detail: e.detail,
    });
    // A task in flight speaks for the point (a retry after an ended run).
    if (ext && (ext.state === 'queued' || ext.state === 'running')) return fromExt(ext);
    const live = rs.find((r) => r.status === 'running' || r.status === 'queued');
    // A run on another host cannot be probed: if its task has ended, the run's 'running' is stale.
    if (live && !(ext && live.host !== undefined && live.host !== os.hostname())) return fromRun(live);
    // An ended run knows how it ended better than an executor's guess; without a run, the executor is all there is.
    if (rs[0] && !live) return fromRun(rs[0]);
    if (ext) return fromExt(ext);
    return { ...base, state: 'pending', runId: null, lastStep: 0, totalSteps: 0 };
  });
  const counts: Record<PointState, number> = { done: 0, running: 0, queued: 0, failed: 0, diverged: 0, cancelled: 0, interrupted: 0, pending: 0 };
  for (const p of out) counts[p.state]++;
  return { sweep, points: out, counts, complete: counts.done === out.length };
}
