// `racecar sweep` with the local executor, as a user runs it: a grid of real
// training processes, status from the run folders, a sweep killed mid-way and
// resumed, cancel, bad input, and the sweep's figure bundle.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_PEAK, BIN, racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';

const tiny = (steps: number) => [...TINY_PEAK, '--steps', String(steps), '--eval-every', String(Math.min(100, steps)), '--checkpoint-every', '0'];

interface Status {
  complete: boolean;
  counts: Record<string, number>;
  points: { index: number; key: string; state: string; runId: string | null; runIds: string[] }[];
}

const status = (ws: string, id: string): Status => JSON.parse(racecar(['sweep', 'status', id, '--json', '--workspace', ws]).stdout) as Status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

/** A sweep driver in its own process group, so the test can kill it with its training processes. */
function startDetached(args: string[]): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, stderr: () => err };
}

const sweepIdOf = (stderr: string) => /created sweep (\S+)/.exec(stderr)?.[1];

describe('racecar sweep (local executor)', () => {
  it('runs a 2 x 2 grid as normal tagged runs, reports status, and a re-run starts nothing', () => {
    const ws = tempDir();
    const r = racecar(['sweep', ...tiny(30), '--lambda', '0,1e-5', '--seeds', '0-1', '--name', 'grid', '--jobs', '2', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^\d{8}-\d{6}-grid-[0-9a-f]{4}$/);
    expect(r.stderr).toMatch(/4 points, 0 done, 0 in progress elsewhere, 4 to run, 2 at a time/);
    const s = status(ws, id);
    expect(s.complete).toBe(true);
    expect(s.points.map((p) => [p.key, p.state])).toEqual([
      ['lambda=0 seed=0', 'done'],
      ['lambda=0 seed=1', 'done'],
      ['lambda=1e-5 seed=0', 'done'],
      ['lambda=1e-5 seed=1', 'done'],
    ]);
    // Normal runs, tagged with sweep and point, with the point's settings.
    const runs = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout).runs as {
      run: { id: string; sweep: unknown; config: { seed: number; network: { layers: { lambda: number }[] } } };
    }[];
    expect(runs).toHaveLength(4);
    for (const p of s.points) {
      const run = runs.find((x) => x.run.id === p.runId)!.run;
      expect(run.sweep).toEqual({ id, point: p.index });
      expect(run.config.seed).toBe(p.index % 2);
      expect(run.config.network.layers.map((l) => l.lambda)).toEqual(p.index < 2 ? [0, 0] : [1e-5, 1e-5]);
    }
    // Seeds 0 and 1 differ, and the sweep file is saved with the sweep.
    const saved = JSON.parse(fs.readFileSync(path.join(ws, 'sweeps', id, 'sweep.json'), 'utf8'));
    expect(saved).toMatchObject({
      id,
      name: 'grid',
      axes: [
        { param: 'lambda', values: [0, 1e-5] },
        { param: 'seed', values: [0, 1] },
      ],
    });
    const text = racecar(['sweep', 'status', id, '--workspace', ws]).stdout;
    expect(text).toMatch(new RegExp(`sweep ${id} \\(grid\\): 4 points: 4 done`));

    // Re-running from the saved sweep file starts nothing.
    const again = racecar(['sweep', '--file', path.join(ws, 'sweeps', id, 'sweep.json'), '--workspace', ws]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/4 done, 0 in progress elsewhere, 0 to run/);
    expect(JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout).runs).toHaveLength(4);
    expect(racecar(['sweep', 'list', '--workspace', ws]).stdout).toMatch(new RegExp(`${id}\\s+grid\\s+grid\\s+lambda\\(2\\) x seed\\(2\\)`));

    // The sweep's figure bundle.
    const out = path.join(tempDir(), 'sweep.zip');
    const e = racecar(['export', '--sweep', id, '--out', out, '--metric', 'alignment,testAccuracy', '--dpi', '100', '--workspace', ws]);
    expect(e.code, e.stderr).toBe(0);
    const files = JSON.parse(racecar(['export', '--sweep', id, '--out', `${out}.d`, '--dpi', '100', '--formats', 'svg', '--json', '--workspace', ws]).stdout)
      .files as string[];
    expect(files).toEqual(
      expect.arrayContaining([
        'figures/sweep/sweep-alignment-lambda.svg',
        'figures/sweep/sweep-recon-lambda.svg',
        'figures/sweep/sweep-testAccuracy-lambda.svg',
        'figures/sweep/sweep-finalLoss-lambda.svg',
        'sweep.csv',
        'sweep.json',
        'metrics.csv',
      ]),
    );
    expect(files.filter((f) => f.startsWith('configs/'))).toHaveLength(4);
    const csv = fs
      .readFileSync(path.join(`${out}.d`, 'sweep.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('point,lambda,seed,state,run_id,alignment,recon,testAccuracy,finalLoss');
    expect(csv.slice(1).map((l) => l.split(',')[3])).toEqual(['done', 'done', 'done', 'done']);
    expect(fs.statSync(out).size).toBeGreaterThan(1000);
  }, 600_000);

  it('killed mid-way with its training processes, a resumed sweep keeps every finished point and reruns the rest', async () => {
    const ws = tempDir();
    // Points long enough (seconds) that the running one cannot finish between the status read and the kill.
    const d = startDetached(['sweep', ...tiny(6000), '--lambda', '0,1e-6,1e-5', '--name', 'killed', '--jobs', '1', '--workspace', ws]);
    const id = await until('the sweep id', () => sweepIdOf(d.stderr()));
    // One point finished, the next one training.
    const mid = await until('one finished point', () => {
      const s = status(ws, id);
      return s.counts.done === 1 && s.counts.running === 1 ? s : null;
    });
    process.kill(-d.child.pid!, 'SIGKILL');
    await d.exited;
    const finished = mid.points.find((p) => p.state === 'done')!;
    const finishedMetrics = fs.readFileSync(path.join(ws, 'runs', finished.runId!, 'metrics.jsonl'), 'utf8');
    const after = await until('the killed run to read as interrupted', () => {
      const s = status(ws, id);
      return s.counts.interrupted === 1 ? s : null;
    });
    expect(after.counts).toMatchObject({ done: 1, interrupted: 1, pending: 1 });

    const r = racecar(['sweep', 'resume', id, '--jobs', '2', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/3 points, 1 done, 0 in progress elsewhere, 2 to run/);
    const s = status(ws, id);
    expect(s.complete).toBe(true);
    // The finished point is the same run, untouched.
    expect(s.points[finished.index]!.runId).toBe(finished.runId);
    expect(fs.readFileSync(path.join(ws, 'runs', finished.runId!, 'metrics.jsonl'), 'utf8')).toBe(finishedMetrics);
    // The interrupted point was trained again: its old run stays, marked interrupted.
    const redone = s.points.find((p) => p.runIds.length === 2)!;
    expect(redone.state).toBe('done');
    const runs = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout).runs as { run: { id: string; status: string } }[];
    expect(runs.map((x) => x.run.status).sort()).toEqual(['completed', 'completed', 'completed', 'interrupted']);
  }, 600_000);

  it('cancel stops the driver and its training processes; the runs end as cancelled', async () => {
    const ws = tempDir();
    const d = startDetached(['sweep', ...tiny(200_000), '--lambda', '0,1e-6,1e-5', '--name', 'cancelme', '--jobs', '2', '--workspace', ws]);
    const id = await until('the sweep id', () => sweepIdOf(d.stderr()));
    await until('two running points', () => status(ws, id).counts.running === 2);
    const c = racecar(['sweep', 'cancel', id, '--workspace', ws]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(new RegExp(`sweep ${id}: stopped the local driver \\(pid \\d+\\); asked 2 training process\\(es\\) to stop`));
    expect(await d.exited).toBe(130);
    const s = status(ws, id);
    expect(s.points.map((p) => p.state)).toEqual(['cancelled', 'cancelled', 'pending']);
    expect(racecar(['sweep', 'cancel', id, '--workspace', ws]).stdout.trim()).toBe(`sweep ${id}: nothing running to cancel`);
  }, 300_000);

  it('bad input: one line naming the flag, nothing created', () => {
    const ws = tempDir();
    const bad = (args: string[]) => racecar(['sweep', ...args, '--workspace', ws]);
    let r = bad([...tiny(10), '--lambda', '0,x']);
    expect([r.code, r.stderr.trim()]).toEqual([1, "racecar: --lambda: 'x' is not a number: give values like 0,1e-6,1e-5"]);
    r = bad([...tiny(10), '--lambda', '0,-1']);
    expect(r.stderr.trim()).toBe('racecar: sweep point 1 (lambda=-1): network.layers.0.lambda: lambda must be 0 or more (got a negative value)');
    r = bad([...tiny(10), '--seeds', '3-1']);
    expect(r.stderr.trim()).toBe("racecar: --seeds: range '3-1' runs backwards: use 1-3");
    r = bad([...tiny(10), '--lambda', '0,1', '--executor', 'cloud']);
    expect([r.code, r.stderr.trim()]).toEqual([2, "racecar: --executor: unknown executor 'cloud': use local or slurm"]);
    r = bad(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown subcommand 'frobnicate'/);
    r = bad(['status', '20200101-000000-none-abcd']);
    expect(r.stderr.trim()).toBe(`racecar: sweep "20200101-000000-none-abcd" not found in ${ws}: list sweeps with racecar sweep list`);
    r = bad([...tiny(10), '--lambda', '0,1', '--executor', 'slurm', '--time', 'soon']);
    expect(r.stderr.trim()).toBe("racecar: --time: 'soon' is not a Slurm time: use minutes (30), h:mm:ss (1:00:00) or d-hh:mm:ss");
    // The dry run counts points without creating anything.
    r = bad([...tiny(10), '--lambda', '0,1e-6', '--lr', '1e-3,1e-4', '--seeds', '0-2', '--dry-run']);
    expect(r.stdout.split('\n')[0]).toBe('12 points');
    // --executor slurm failed before anything was created? The sweep folder may exist only for valid sweeps.
    expect(fs.existsSync(path.join(ws, 'sweeps')) ? fs.readdirSync(path.join(ws, 'sweeps')) : []).toEqual([]);
  });
});
