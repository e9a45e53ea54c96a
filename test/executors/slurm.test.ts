// The Slurm executor against a real single-node Slurm cluster: job arrays,
// the same metrics per point as the local executor, status from squeue and the
// run folders, cancel with scancel, and resume.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_PEAK, racecar } from '../helpers/cli';
import { createSweep } from '../../electron/engine/sweep/sweepStore';
import { ensureSlurm, type SlurmCluster } from '../helpers/slurm';
import { tempDir } from '../helpers/tmp';
import { arraySpec, readSlurmJobs, slurmPointStates } from '../../electron/executors/slurm';

let cluster: SlurmCluster;
beforeAll(() => {
  cluster = ensureSlurm();
});
afterAll(() => cluster?.stop());

const tiny = (steps: number) => [...TINY_PEAK, '--steps', String(steps), '--eval-every', String(Math.min(50, steps))];

interface Status {
  complete: boolean;
  counts: Record<string, number>;
  points: { index: number; key: string; state: string; runId: string | null; detail?: string }[];
}
const status = (ws: string, id: string): Status => JSON.parse(racecar(['sweep', 'status', id, '--json', '--workspace', ws]).stdout) as Status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls fn until it returns a value; on timeout the error shows what `seen` last recorded, so a CI failure says where it stuck. */
async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 180_000, seen?: () => unknown): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${seen ? `; last seen: ${JSON.stringify(seen())}` : ''}`);
    await sleep(500);
  }
}

/** Metrics of every point's run, without the timings (which differ between any two runs). */
function metricsByPoint(ws: string, id: string): Map<number, unknown[]> {
  const out = new Map<number, unknown[]>();
  for (const p of status(ws, id).points) {
    const lines = fs
      .readFileSync(path.join(ws, 'runs', p.runId!, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n');
    out.set(
      p.index,
      lines.map((l) => {
        const { elapsed: _e, stepsPerSec: _s, ...rest } = JSON.parse(l);
        return rest;
      }),
    );
  }
  return out;
}

describe('Slurm executor on a real cluster', () => {
  it('the cluster runs an sbatch --array job as many tasks at a time as the node has cores', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'a.sh');
    fs.writeFileSync(script, `#!/bin/bash\n#SBATCH --output=${dir}/%a.out\ndate +%s.%N; sleep 2; date +%s.%N\n`);
    const r = spawnSync('sbatch', ['--parsable', '--array=0-3', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    await until('four finished tasks', () =>
      [0, 1, 2, 3].every((i) => (fs.existsSync(`${dir}/${i}.out`) ? fs.readFileSync(`${dir}/${i}.out`, 'utf8').trim().split('\n').length === 2 : false)),
    );
    const spans = [0, 1, 2, 3].map((i) => fs.readFileSync(`${dir}/${i}.out`, 'utf8').trim().split('\n').map(Number) as [number, number]);
    const most = Math.max(...spans.map(([a]) => spans.filter(([b, e]) => b <= a + 0.01 && e > a).length));
    expect(most).toBe(Math.min(4, os.availableParallelism()));
  });

  it('a sweep on Slurm completes with the same metrics per point as the same sweep run locally', () => {
    const axes = ['--lambda', '0,1e-5', '--seeds', '0-1'];
    const wsLocal = tempDir();
    const local = racecar(['sweep', ...tiny(60), ...axes, '--name', 'same', '--workspace', wsLocal]);
    expect(local.code, local.stderr).toBe(0);
    const wsSlurm = tempDir();
    const s = racecar(['sweep', ...tiny(60), ...axes, '--name', 'same', '--executor', 'slurm', '--wait', '--workspace', wsSlurm]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/submitted Slurm job \d+: 4 tasks \(points 0,1,2,3\)/);
    const jobId = s.stdout.trim();
    expect(jobId).toMatch(/^\d+$/);
    const id = fs.readdirSync(path.join(wsSlurm, 'sweeps'))[0]!;
    expect(readSlurmJobs(wsSlurm, id)).toEqual([expect.objectContaining({ jobId, indices: [0, 1, 2, 3] })]);
    const script = fs.readFileSync(path.join(wsSlurm, 'sweeps', id, 'slurm', 'job-0.sh'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-3');
    expect(script).toMatch(/train --config '.*\/points\/'"\$\{SLURM_ARRAY_TASK_ID\}\.json" --workspace/);
    expect(status(wsSlurm, id).complete).toBe(true);
    const a = metricsByPoint(wsLocal, fs.readdirSync(path.join(wsLocal, 'sweeps'))[0]!);
    const b = metricsByPoint(wsSlurm, id);
    expect(b.size).toBe(4);
    for (const [i, m] of a) expect(b.get(i)).toEqual(m);
    // Seeds and lambdas do change the numbers (the comparison is not vacuous).
    expect(a.get(0)).not.toEqual(a.get(1));
    expect(a.get(0)).not.toEqual(a.get(2));
  }, 600_000);

  it('status shows pending tasks from squeue; cancel scancels them; resume submits only points without a completed run', async () => {
    const ws = tempDir();
    const extra = Math.max(1, os.availableParallelism());
    const lambdas = Array.from({ length: extra + 1 }, (_, i) => (i === 0 ? '0' : `1e-${i + 4}`)).join(',');
    const s = racecar([
      'sweep',
      ...tiny(200_000),
      '--lambda',
      lambdas,
      '--name',
      'queue',
      '--executor',
      'slurm',
      '--time',
      '30',
      '--mem',
      '1G',
      '--cpus',
      '1',
      '--workspace',
      ws,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const id = fs.readdirSync(path.join(ws, 'sweeps'))[0]!;
    const last = extra; // the point that waits for a free core
    let seen: Status | undefined;
    const lastSeen = () => seen && { counts: seen.counts, points: seen.points.map((p) => [p.state, p.runId, p.detail]) };
    // Running means a run record exists, so cancel below exercises the trainer's own SIGTERM handling.
    const st = await until(
      'running points with runs and a pending one',
      () => {
        const x = (seen = status(ws, id));
        return x.counts.running === extra && x.counts.queued === 1 && x.points.filter((p) => p.runId).length === extra ? x : null;
      },
      180_000,
      lastSeen,
    );
    expect(st.points[last]).toMatchObject({ state: 'queued', runId: null });
    expect(st.points[last]!.detail).toMatch(new RegExp(`^slurm task ${s.stdout.trim()}_${last} PENDING`));
    const script = fs.readFileSync(path.join(ws, 'sweeps', id, 'slurm', 'job-0.sh'), 'utf8');
    expect(script).toMatch(/#SBATCH --time=30\n#SBATCH --cpus-per-task=1\n#SBATCH --mem=1G/);

    const c = racecar(['sweep', 'cancel', id, '--workspace', ws]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`cancelled Slurm job(s) ${s.stdout.trim()}`);
    const after = await until(
      'every point cancelled',
      () => {
        const x = (seen = status(ws, id));
        return x.counts.cancelled === extra + 1 ? x : null;
      },
      180_000,
      lastSeen,
    );
    expect(after.points[last]!.detail).toMatch(/cancelled before it started|CANCELLED/);

    // Resume: a completed sweep loses one point's run, as if its node had crashed; only that point is submitted again.
    const ws2 = tempDir();
    const q = racecar(['sweep', ...tiny(40), '--lambda', '0,1e-5,1e-4', '--name', 'resume', '--executor', 'slurm', '--wait', '--workspace', ws2]);
    expect(q.code, q.stderr).toBe(0);
    const id2 = fs.readdirSync(path.join(ws2, 'sweeps'))[0]!;
    const done = status(ws2, id2);
    fs.rmSync(path.join(ws2, 'runs', done.points[1]!.runId!), { recursive: true });
    const r = racecar(['sweep', 'resume', id2, '--executor', 'slurm', '--wait', '--workspace', ws2]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/submitted Slurm job \d+: 1 tasks \(points 1\)/);
    const jobs = readSlurmJobs(ws2, id2);
    expect(jobs.map((j) => j.indices)).toEqual([[0, 1, 2], [1]]);
    const final = status(ws2, id2);
    expect(final.complete).toBe(true);
    expect(final.points[0]!.runId).toBe(done.points[0]!.runId);
    expect(final.points[2]!.runId).toBe(done.points[2]!.runId);
  }, 600_000);

  it('a task that scancel stopped before it created its run is cancelled, one that ended with an error is failed', async () => {
    const ws = tempDir();
    const base = { network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] }, training: { steps: 5 } };
    const id = createSweep(ws, { name: 'gone', base, axes: [{ param: 'lambda', values: [0, 1e-5, 1e-4] }] }).sweep.id;
    const dir = path.join(ws, 'sweeps', id, 'slurm');
    fs.mkdirSync(dir, { recursive: true });
    // Job ids Slurm has never seen: only the jobs file and the task output files speak.
    const job = (jobId: string, indices: number[], cancelled: boolean) => ({
      jobId,
      indices,
      script: '',
      submittedAt: '',
      ...(cancelled ? { cancelledAt: 'x' } : {}),
    });
    fs.writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify([job('990001', [0, 1], true), job('990002', [2], false)]));
    fs.writeFileSync(path.join(dir, '990001_0.out'), 'slurmstepd: error: *** JOB 990002 ON n1 CANCELLED AT 2026-12-01T02:00:00 ***\n');
    fs.writeFileSync(path.join(dir, '990002_2.out'), 'error: network.layers: must not be empty\n');
    const { external } = await slurmPointStates(ws, id);
    expect(external.get(0)).toMatchObject({ state: 'cancelled', detail: expect.stringContaining('before it created its run') });
    expect(external.get(1)).toMatchObject({ state: 'cancelled', detail: expect.stringContaining('before it started') });
    expect(external.get(2)).toMatchObject({ state: 'failed', detail: expect.stringContaining('network.layers') });
  });

  it('writes sbatch array specs as ranges', () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(arraySpec([3])).toBe('3');
  });
});
