// The local sweep executor: the points that have no completed run, as
// `racecar train --config <point file>` processes on this machine, as many at
// once as fit the cores: the very command a Slurm task runs, so a point gives
// the same run here and on a cluster. Each training process writes its own
// run and log file and does not need the driver: killing the driver loses no
// finished point, and a process still training when the driver dies finishes
// its run (a resumed sweep waits for it instead of starting it again).
// Each point is claimed before it is trained (pointClaims.ts): drivers that
// resume one sweep at the same moment never train a point twice.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../engine/store/runStore';
import type { RunRecord } from '../engine/types';
import { clearAppCancel, ensurePointFile, logsDir, needsRun, readSweep, sweepDir, sweepStatus, type SweepStatus } from '../engine/sweep/sweepStore';
import { compiledScript } from '../engine/util/compiled';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { makeDirs } from '../engine/util/makeDirs';
import { pidAlive } from '../engine/util/processStart';
import { claimPoint, pointHeld, updateClaim } from './pointClaims';

export interface LocalSweepOptions {
  workspace: string;
  sweepId: string;
  /** Training processes at once (default: one per core). */
  jobs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** The racecar CLI entry (default: the compiled electron/cli/main.js). */
  cliScript?: string;
  /** Extra environment of the training processes. */
  env?: NodeJS.ProcessEnv;
  /** How often a point trained by another process is checked (ms). */
  pollMs?: number;
}

/** Exit codes of a `racecar train` that a signal stopped as cancelled: 128 + the signal (see cli/signals). */
const STOPPED = new Set((['SIGHUP', 'SIGINT', 'SIGTERM'] as const).map((s) => 128 + os.constants.signals[s]));

export const defaultJobs = (): number => Math.max(1, os.availableParallelism());

/** The driver of a sweep running on this machine (one at a time per sweep). */
interface LocalLock {
  pid: number;
  host: string;
  startedAt: string;
}

const lockPath = (ws: string, id: string) => path.join(sweepDir(ws, id), 'local.json');

export function readLocalLock(ws: string, id: string): LocalLock | null {
  try {
    return JSON.parse(fs.readFileSync(lockPath(ws, id), 'utf8')) as LocalLock;
  } catch {
    return null;
  }
}

/** The pid of a live local driver of this sweep, or null. */
export function liveLocalDriver(ws: string, id: string): number | null {
  const l = readLocalLock(ws, id);
  if (!l || l.host !== os.hostname()) return null;
  return l.pid !== process.pid && pidAlive(l.pid) ? l.pid : null;
}

export function cliMainScript(): string {
  return compiledScript(path.join(__dirname, '..', 'cli'), 'main.js');
}

/** Runs (or resumes) a sweep locally; resolves with its status once no point is in progress. */
export async function runSweepLocal(o: LocalSweepOptions): Promise<SweepStatus> {
  const log = o.log ?? (() => {});
  const store = new RunStore(o.workspace);
  const { sweep, points } = readSweep(o.workspace, o.sweepId);
  const other = liveLocalDriver(o.workspace, o.sweepId);
  if (other !== null)
    throw new Error(`sweep "${o.sweepId}" is already running on this machine (pid ${other}): wait for it or use racecar sweep cancel ${o.sweepId}`);
  const script = o.cliScript ?? cliMainScript();
  const jobs = Math.max(1, o.jobs ?? defaultJobs());
  const pollMs = o.pollMs ?? 2000;
  makeDirs(logsDir(o.workspace, o.sweepId));
  writeFileAtomic(
    lockPath(o.workspace, o.sweepId),
    JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() } satisfies LocalLock),
  );
  // An app sweep cancelled before some points started: those are run now, not cancelled.
  clearAppCancel(o.workspace, o.sweepId);

  const start = sweepStatus(store, sweep, points);
  const todo = start.points.filter(needsRun).map((p) => p.index);
  // Points another process is training (e.g. left by a killed driver): waited for, and they take a slot.
  const foreign = new Set(start.points.filter((p) => p.state === 'running' || p.state === 'queued').map((p) => p.index));
  log(`sweep ${sweep.id}: ${points.length} points, ${start.counts.done} done, ${foreign.size} in progress elsewhere, ${todo.length} to run, ${jobs} at a time`);
  const children = new Set<ChildProcess>();
  let stopping = false;
  let wake: () => void = () => {};
  const onAbort = () => {
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    wake();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  const ended: Promise<void>[] = [];
  /** Trains the point unless another driver holds it (then it is waited for like a point in progress elsewhere). */
  const startPoint = (index: number): void => {
    const key = points[index]!.key;
    const held = claimPoint(o.workspace, o.sweepId, index);
    // Claimed: the status read at the start may be old; another driver may have trained the point since.
    const fresh = held && sweepStatus(store, sweep, points).points[index]!;
    if (!held || !needsRun(fresh!)) {
      if (held) updateClaim(held, { ended: true });
      foreign.add(index);
      log(`point ${index} (${key}): ${held ? fresh!.state : 'claimed by another driver of this sweep'}; not started here`);
      return;
    }
    const logFile = path.join(logsDir(o.workspace, o.sweepId), `${index}.log`);
    const out = fs.openSync(logFile, 'a');
    const pointFile = ensurePointFile(o.workspace, o.sweepId, points[index]!);
    const child = spawn(process.execPath, [script, 'train', '--config', pointFile, '--workspace', o.workspace], {
      stdio: ['ignore', out, out],
      env: { ...process.env, ...o.env },
    });
    fs.closeSync(out);
    if (child.pid !== undefined) updateClaim(held, { child: child.pid });
    children.add(child);
    log(`point ${index} (${key}): started (pid ${child.pid})`);
    ended.push(
      new Promise<void>((resolve) => {
        child.once('error', (e) => log(`point ${index} (${key}): cannot start racecar train: ${e.message}`));
        child.once('close', (code) => {
          children.delete(child);
          updateClaim(held, { ended: true });
          log(
            `point ${index} (${key}): ${code === 0 ? 'completed' : code !== null && STOPPED.has(code) ? 'cancelled' : `failed (exit ${code}); see ${logFile}`}`,
          );
          resolve();
          wake();
        });
      }),
    );
  };
  const refreshForeign = () => {
    if (!foreign.size) return;
    const now = sweepStatus(store, sweep, points);
    for (const i of [...foreign]) {
      const p = now.points[i]!;
      if (p.state !== 'running' && p.state !== 'queued' && !pointHeld(o.workspace, o.sweepId, i)) {
        foreign.delete(i);
        log(`point ${i} (${p.key}): ${p.state} (trained by another process)`);
      }
    }
  };

  try {
    let next = 0;
    for (;;) {
      refreshForeign();
      while (!stopping && next < todo.length && children.size + foreign.size < jobs) startPoint(todo[next++]!);
      if (children.size === 0 && (stopping || (foreign.size === 0 && next >= todo.length))) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (foreign.size) setTimeout(resolve, pollMs);
      });
    }
    await Promise.all(ended);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    const lock = readLocalLock(o.workspace, o.sweepId);
    if (lock?.pid === process.pid) fs.rmSync(lockPath(o.workspace, o.sweepId), { force: true });
  }
  return sweepStatus(store, sweep, points);
}

/**
 * Cancels a local sweep: its driver stops starting points, and every training
 * process of the sweep on this machine is asked to stop (SIGTERM: the run ends
 * as cancelled, with a checkpoint of the state reached).
 */
export function cancelSweepLocal(
  workspace: string,
  sweepId: string,
  skip: ReadonlySet<string> = new Set(),
  /** The workspace's runs, where the caller has just listed them. */
  listed: readonly RunRecord[] = new RunStore(workspace).list().runs,
): { driver: number | null; runs: string[] } {
  const driver = liveLocalDriver(workspace, sweepId);
  if (driver !== null) process.kill(driver, 'SIGTERM');
  const runs: string[] = [];
  for (const r of listed) {
    if (r.sweep?.id !== sweepId || skip.has(r.id) || r.status !== 'running' || r.pid === undefined || r.host !== os.hostname() || r.pid === process.pid)
      continue;
    try {
      process.kill(r.pid, 'SIGTERM');
      runs.push(r.id);
    } catch {
      // ended meanwhile
    }
  }
  return { driver, runs };
}
