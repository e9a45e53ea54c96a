// `racecar resume`: a run stopped by a signal goes on from its last checkpoint
// to the end, in a new process, as the app's Resume does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_PEAK, racecar, racecarAsync } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import type { RunRecord } from '../../../electron/engine/types';

const flags = [...TINY_PEAK, '--lambda', '1e-6', '--eval-every', '10', '--checkpoint-every', '20'];

async function trainAndStop(ws: string, steps: number): Promise<string> {
  const r = await racecarAsync(['train', ...flags, '--steps', String(steps), '--workspace', ws], {}, { step: 50, signal: 'SIGTERM' });
  return r.stdout.trim();
}

describe('racecar resume', () => {
  it('continues a stopped run from its last checkpoint to the end', async () => {
    const ws = tempDir('racecar-resume-');
    const id = await trainAndStop(ws, 400);
    const stopped = JSON.parse(fs.readFileSync(path.join(ws, 'runs', id, 'run.json'), 'utf8')) as RunRecord;
    expect(stopped.status).toBe('cancelled');
    const from = Math.max(...stopped.checkpointSteps);
    expect(from).toBeGreaterThanOrEqual(50);

    const r = racecar(['resume', id, '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming ${id} from step ${from} of 400`);
    const run = JSON.parse(r.stdout) as RunRecord;
    expect(run).toMatchObject({ id, status: 'completed', lastStep: 400 });
    expect(run.checkpointSteps.at(-1)).toBe(400);
    const steps = fs
      .readFileSync(path.join(ws, 'runs', id, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { step: number }).step);
    // Every evaluation once, in order: those after the checkpoint were dropped and made again.
    expect(steps).toEqual(Array.from({ length: 41 }, (_, i) => i * 10));
    expect(fs.readFileSync(path.join(ws, 'runs', id, 'train.log'), 'utf8')).toContain(`resumed from the checkpoint at step ${from} of 400`);

    // A completed run cannot be resumed: one line saying why, nothing changed.
    const again = racecar(['resume', id, '--workspace', ws]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`racecar: run "${id}" is completed: only a cancelled or interrupted run can be resumed (duplicate it to train again)`);
    expect(racecar(['resume', '--workspace', ws]).stderr).toMatch(/give exactly one run id/);
  });
});
