// The Slurm executor when Slurm's commands misbehave: an sbatch that hangs
// (after submitting, or before), a controller squeue and sacct cannot reach.
// Stand-in commands on PATH play the faults; the executor runs them as it runs
// the real ones.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSweep } from '../../electron/engine/sweep/sweepStore';
import { readSlurmJobs, submitSweepSlurm } from '../../electron/executors/slurm';
import { racecar } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const base = { network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] }, training: { steps: 5 } };
let bin: string;
let savedPath: string | undefined;

/** A stand-in for a Slurm command: a bash script. */
function fake(name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeEach(() => {
  bin = tempDir('racecar-fakeslurm-');
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
  const down = 'echo "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" >&2; exit 1';
  fake('squeue', down);
  fake('sacct', down);
});

afterEach(() => {
  process.env.PATH = savedPath;
});

describe('Slurm executor with faulty commands', () => {
  it('a hung sbatch that had submitted: it is ended with what it started, and the job is recorded and reported', async () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'hung', base, axes: [{ param: 'lambda', values: [0, 1e-5] }] }).sweep.id;
    const pids = path.join(bin, 'pids');
    // Prints the job id, then hangs waiting on a child of its own.
    fake('sbatch', `echo 4242\nsleep 600 &\necho "$$ $!" > ${pids}\nwait`);
    const r = await submitSweepSlurm(ws, id, { commandTimeoutMs: 500 });
    expect(r.jobId).toBe('4242');
    expect(readSlurmJobs(ws, id).map((j) => j.jobId)).toEqual(['4242']);
    expect(r.status.notes).toEqual([
      'sbatch did not answer within 1 s and was stopped, but it had submitted job 4242: the job is recorded and runs',
      expect.stringMatching(/^Slurm cannot be asked here \(squeue failed: slurm_load_jobs error: Unable to contact slurm controller/),
    ]);
    const [shell, sleep] = fs.readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await expect.poll(() => [alive(shell!), alive(sleep!)], { timeout: 10_000 }).toEqual([false, false]);
  });

  it('a hung sbatch that printed nothing: the submit fails saying so, nothing is recorded, and it is ended', async () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'hung', base, axes: [{ param: 'lambda', values: [0, 1e-5] }] }).sweep.id;
    const pids = path.join(bin, 'pids');
    fake('sbatch', `sleep 600 &\necho "$$ $!" > ${pids}\nwait`);
    await expect(submitSweepSlurm(ws, id, { commandTimeoutMs: 500 })).rejects.toThrow(/^sbatch did not answer within 1 s and was stopped$/);
    expect(readSlurmJobs(ws, id)).toEqual([]);
    const [shell, sleep] = fs.readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await expect.poll(() => [alive(shell!), alive(sleep!)], { timeout: 10_000 }).toEqual([false, false]);
  });

  it('an sbatch that exits with an error after printing its job id: the job is recorded, the error reported', async () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'late', base, axes: [{ param: 'lambda', values: [0, 1e-5] }] }).sweep.id;
    fake('sbatch', 'echo 4243\necho "sbatch: error: Socket timed out on send/recv operation" >&2\nexit 1');
    const r = await submitSweepSlurm(ws, id);
    expect(r.jobId).toBe('4243');
    expect(readSlurmJobs(ws, id).map((j) => j.jobId)).toEqual(['4243']);
    expect(r.status.notes[0]).toBe(
      'sbatch failed: sbatch: error: Socket timed out on send/recv operation, but it had submitted job 4243: the job is recorded and runs',
    );
  });

  it("racecar sweep status shows the run folders' states and says Slurm could not be asked when squeue and sacct fail", () => {
    const ws = tempDir();
    const id = createSweep(ws, { name: 'down', base, axes: [{ param: 'lambda', values: [0, 1e-5] }] }).sweep.id;
    fs.mkdirSync(path.join(ws, 'sweeps', id, 'slurm'));
    fs.writeFileSync(path.join(ws, 'sweeps', id, 'slurm', 'jobs.json'), JSON.stringify([{ jobId: '4242', indices: [0, 1], script: '', submittedAt: '' }]));
    const r = racecar(['sweep', 'status', id, '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`sweep ${id} \\(down\\): 2 points: 2 pending`));
    expect(r.stdout).toMatch(
      /note: Slurm cannot be asked here \(squeue failed: .*Unable to contact slurm controller.*\): states are read from the run folders only/,
    );
  });
});
