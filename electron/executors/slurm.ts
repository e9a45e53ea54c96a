// The Slurm sweep executor: one job array per submission (`sbatch --array`),
// one task per point that has no completed run, each task
// `racecar train --config <point file> --workspace <shared folder>`. The
// workspace must be on a file system every node sees; the runs are written
// there by the tasks like any other run. Job ids are kept in
// sweeps/<id>/slurm/jobs.json so status and cancel find the tasks again, and
// squeue/sacct fill in what run folders cannot say (a task still pending, one
// that failed before it could create its run).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore } from '../engine/store/runStore';
import {
  clearAppCancel,
  ensurePointFile,
  needsRun,
  pointsDir,
  readSweep,
  slurmDir,
  sweepStatus,
  type ExternalPointState,
  type SweepStatus,
} from '../engine/sweep/sweepStore';
import { slug } from '../engine/store/layout';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { makeDirs } from '../engine/util/makeDirs';
import { cliMainScript } from './local';

/** How long a Slurm command may take before it is given up on, and ended. */
export const SLURM_TIMEOUT_MS = 60_000;

export interface SlurmOptions {
  partition?: string;
  /** Slurm time limit per task, e.g. 30, 1:00:00 or 1-00:00:00. */
  time?: string;
  cpusPerTask?: number;
  /** Memory per task, e.g. 2G or 2000M. */
  mem?: string;
  /** How a node runs racecar (default: this node's node binary and CLI script, which suits a shared install). */
  racecarCmd?: string;
  /** At most this many tasks of the array at once (sbatch --array=...%N). */
  arrayLimit?: number;
  /** How long sbatch may take (default SLURM_TIMEOUT_MS). */
  commandTimeoutMs?: number;
}

export interface SlurmJob {
  jobId: string;
  indices: number[];
  script: string;
  submittedAt: string;
  cancelledAt?: string;
}

export class SlurmError extends Error {
  constructor(
    message: string,
    /** What the command printed before it failed (sbatch may have submitted a job all the same). */
    readonly stdout = '',
  ) {
    super(message);
    this.name = 'SlurmError';
  }
}

const jobsPath = (ws: string, id: string) => path.join(slurmDir(ws, id), 'jobs.json');

export function readSlurmJobs(ws: string, id: string): SlurmJob[] {
  try {
    return JSON.parse(fs.readFileSync(jobsPath(ws, id), 'utf8')) as SlurmJob[];
  } catch {
    return [];
  }
}

const writeJobs = (ws: string, id: string, jobs: SlurmJob[]) => writeFileAtomic(jobsPath(ws, id), `${JSON.stringify(jobs, null, 2)}\n`);

/** Options checked before anything is written: one line naming the option and the fix. */
export function checkSlurmOptions(o: SlurmOptions): void {
  if (o.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(o.partition)) throw new SlurmError(`--partition: '${o.partition}' is not a partition name`);
  if (o.time !== undefined && !/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(o.time)) {
    throw new SlurmError(`--time: '${o.time}' is not a Slurm time: use minutes (30), h:mm:ss (1:00:00) or d-hh:mm:ss`);
  }
  if (o.mem !== undefined && !/^\d+[KMGT]?$/i.test(o.mem)) throw new SlurmError(`--mem: '${o.mem}' is not a memory size: use e.g. 2G or 2000M`);
  if (o.cpusPerTask !== undefined && (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1)) throw new SlurmError(`--cpus: must be a whole number >= 1`);
  if (o.arrayLimit !== undefined && (!Number.isInteger(o.arrayLimit) || o.arrayLimit < 1)) throw new SlurmError(`--array-limit: must be a whole number >= 1`);
  if (o.racecarCmd !== undefined && !o.racecarCmd.trim())
    throw new SlurmError('--racecar-cmd: must not be empty (e.g. racecar or /opt/racecar/bin/racecar.js)');
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** '0,1,2,5,6' -> '0-2,5-6' (sbatch's array syntax). */
export function arraySpec(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function jobScript(ws: string, sweepId: string, name: string, indices: number[], o: SlurmOptions): string {
  const racecar = o.racecarCmd ?? `${shQuote(process.execPath)} ${shQuote(cliMainScript())}`;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=racecar-${slug(name).slice(0, 30)}`,
    `#SBATCH --array=${arraySpec(indices)}${o.arrayLimit ? `%${o.arrayLimit}` : ''}`,
    `#SBATCH --output=${path.join(slurmDir(ws, sweepId), '%A_%a.out')}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`#SBATCH --cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    `# racecar sweep ${sweepId}: one task per point, task id = point index`,
    'set -eu',
    `exec ${racecar} train --config ${shQuote(pointsDir(ws, sweepId) + path.sep)}"\${SLURM_ARRAY_TASK_ID}.json" --workspace ${shQuote(ws)}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Runs a Slurm client command in a process group of its own: one that does not
 * answer in time is ended with everything it started, not left running.
 */
function slurmCmd(cmd: string, args: string[], timeoutMs = SLURM_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT')
        reject(new SlurmError(`${cmd} not found: install Slurm's client commands (slurm-client) on this machine, or use --executor local`));
      else reject(new SlurmError(`${cmd} failed: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new SlurmError(`${cmd} did not answer within ${Math.round(timeoutMs / 1000)} s and was stopped`, stdout));
      else if (code !== 0) reject(new SlurmError(`${cmd} failed: ${(stderr.trim() || `exit ${code ?? signal}`).split('\n')[0]}`, stdout));
      else resolve(stdout);
    });
  });
}

/** The job id sbatch --parsable printed ("<id>" or "<id>;<cluster>"), or null. */
const parsableJobId = (out: string): string | null => /^(\d+)(;\S*)?$/m.exec(out.trim())?.[1] ?? null;

export interface SubmitResult {
  jobId: string | null;
  indices: number[];
  status: SweepStatus & { notes: string[] };
}

/** Submits one job array of the points that need a run (none in progress, none done); jobId null when nothing was left to run. */
export async function submitSweepSlurm(workspace: string, sweepId: string, o: SlurmOptions = {}): Promise<SubmitResult> {
  checkSlurmOptions(o);
  // Not submitted blind: without Slurm's view, points in flight would be submitted a second time.
  const { sweep, points } = readSweep(workspace, sweepId);
  const status = { ...sweepStatus(new RunStore(workspace), sweep, points, (await slurmPointStates(workspace, sweepId)).external), notes: [] };
  const indices = status.points.filter(needsRun).map((p) => p.index);
  if (!indices.length) return { jobId: null, indices, status };
  for (const i of indices) ensurePointFile(workspace, sweepId, points[i]!);
  const dir = slurmDir(workspace, sweepId);
  makeDirs(dir);
  const jobs = readSlurmJobs(workspace, sweepId);
  const script = path.join(dir, `job-${jobs.length}.sh`);
  writeFileAtomic(script, jobScript(workspace, sweepId, status.sweep.name, indices, o));
  fs.chmodSync(script, 0o755);
  let out: string;
  const notes: string[] = [];
  try {
    out = await slurmCmd('sbatch', ['--parsable', script], o.commandTimeoutMs);
  } catch (e) {
    // sbatch can fail after the controller took the job (e.g. a timeout on its reply): a job id means it was submitted.
    if (!(e instanceof SlurmError) || parsableJobId(e.stdout) === null) throw e;
    out = e.stdout;
    notes.push(`${e.message}, but it had submitted job ${parsableJobId(out)}: the job is recorded and runs`);
  }
  const jobId = parsableJobId(out);
  if (jobId === null) throw new SlurmError(`sbatch printed no job id (got ${JSON.stringify(out.trim().slice(0, 80))})`);
  writeJobs(workspace, sweepId, [...jobs, { jobId, indices, script, submittedAt: new Date().toISOString() }]);
  clearAppCancel(workspace, sweepId);
  // Submitted and recorded: a status Slurm cannot give now says so instead of failing the submit.
  const after = await slurmSweepStatus(workspace, sweepId);
  return { jobId, indices, status: { ...after, notes: [...notes, ...after.notes] } };
}

const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING', 'STAGE_OUT', 'SIGNALING']);

/** Task states by `<job>_<index>`, from squeue (live tasks) and sacct (ended ones, where accounting is on). */
async function taskStates(jobIds: string[]): Promise<{ states: Map<string, string>; notes: string[] }> {
  const states = new Map<string, string>();
  const notes: string[] = [];
  if (!jobIds.length) return { states, notes };
  try {
    const sq = await slurmCmd('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T']);
    for (const line of sq.split('\n')) {
      const [id, st] = line.trim().split('|');
      if (id && st) states.set(id, st);
    }
  } catch (e) {
    // squeue rejects a list when every job has left its memory: nothing is live then.
    if (!/Invalid job id/i.test((e as Error).message)) throw e;
  }
  try {
    const sa = await slurmCmd('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State']);
    for (const line of sa.split('\n')) {
      const [id, st] = line.trim().split('|');
      if (id && st && !states.has(id)) states.set(id, st.split(' ')[0]!);
    }
  } catch (e) {
    notes.push(`sacct unavailable (${(e as Error).message}): ended tasks are read from run folders and task output files`);
  }
  return { states, notes };
}

function tail(file: string): string | null {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return null;
  }
}

/** What Slurm knows of each point whose latest task is not represented by a run. */
export async function slurmPointStates(workspace: string, sweepId: string): Promise<{ external: Map<number, ExternalPointState>; notes: string[] }> {
  const jobs = readSlurmJobs(workspace, sweepId);
  const external = new Map<number, ExternalPointState>();
  if (!jobs.length) return { external, notes: [] };
  const { states, notes } = await taskStates(jobs.map((j) => j.jobId));
  for (const job of jobs) {
    // Later jobs overwrite earlier ones: the latest task of a point speaks for it.
    for (const i of job.indices) {
      const task = `${job.jobId}_${i}`;
      const st = states.get(task) ?? states.get(`${job.jobId}_[${i}]`) ?? pendingRange(states, job.jobId, i);
      if (st && ACTIVE.has(st)) {
        external.set(i, { state: st === 'PENDING' || st === 'REQUEUED' ? 'queued' : 'running', detail: `slurm task ${task} ${st}` });
      } else if (st && st !== 'COMPLETED') {
        external.set(i, { state: st.startsWith('CANCELLED') ? 'cancelled' : 'failed', detail: `slurm task ${task} ${st}` });
      } else if (!st) {
        const out = tail(path.join(slurmDir(workspace, sweepId), `${job.jobId}_${i}.out`));
        // scancel can stop a task after it started but before it created its run: its output is empty or slurmstepd's CANCELLED line.
        if (job.cancelledAt && (out === null || out === '' || /CANCELLED/.test(out)))
          external.set(i, { state: 'cancelled', detail: `slurm task ${task} cancelled before ${out === null ? 'it started' : 'it created its run'}` });
        else if (out !== null) external.set(i, { state: 'failed', detail: `slurm task ${task} ended${out ? `: ${out.slice(0, 200)}` : ''}` });
        else external.set(i, { state: 'failed', detail: `slurm task ${task} is gone without output (job ${job.jobId} no longer known to Slurm)` });
      } else {
        external.delete(i);
      }
    }
  }
  return { external, notes };
}

/** squeue -r still prints a never-started remainder of an array as `<job>_[3-5,7]`. */
function pendingRange(states: Map<string, string>, jobId: string, i: number): string | undefined {
  for (const [id, st] of states) {
    const m = new RegExp(`^${jobId}_\\[(.+)\\]$`).exec(id);
    if (!m) continue;
    for (const part of m[1]!.split('%')[0]!.split(',')) {
      const [a, b] = part.split('-').map(Number);
      if (i >= a! && i <= (b ?? a)!) return st;
    }
  }
  return undefined;
}

/** What Slurm knows of the points, or where squeue or sacct cannot be asked, nothing and a note saying so. */
export async function slurmPointStatesOrNote(workspace: string, sweepId: string): Promise<{ external: Map<number, ExternalPointState>; notes: string[] }> {
  try {
    return await slurmPointStates(workspace, sweepId);
  } catch (e) {
    return { external: new Map(), notes: [`Slurm cannot be asked here (${(e as Error).message}): states are read from the run folders only`] };
  }
}

/** The status from the run folders and, where it can be asked, Slurm. */
export async function slurmSweepStatus(workspace: string, sweepId: string): Promise<SweepStatus & { notes: string[] }> {
  const { sweep, points } = readSweep(workspace, sweepId);
  const { external, notes } = await slurmPointStatesOrNote(workspace, sweepId);
  return { ...sweepStatus(new RunStore(workspace), sweep, points, external), notes };
}

/** scancel of every job of the sweep that has tasks left; running tasks end as cancelled runs (racecar train stops on SIGTERM). */
export async function cancelSweepSlurm(workspace: string, sweepId: string): Promise<string[]> {
  const jobs = readSlurmJobs(workspace, sweepId);
  const live = jobs.filter((j) => !j.cancelledAt).map((j) => j.jobId);
  if (!live.length) return [];
  await slurmCmd('scancel', live);
  const now = new Date().toISOString();
  writeJobs(
    workspace,
    sweepId,
    jobs.map((j) => (live.includes(j.jobId) ? { ...j, cancelledAt: now } : j)),
  );
  return live;
}
