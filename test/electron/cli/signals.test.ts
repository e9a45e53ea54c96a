// `racecar train` stopped by a signal (Ctrl-C, kill, a closed terminal) ends
// its run as cancelled with the state reached saved; on a full disk it ends
// the run as failed, naming the disk. Real processes, a real full file system
// (a 600 KiB tmpfs in a private mount namespace: util-linux unshare).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, racecarAsync, type CliResult } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import type { RunRecord } from '../../../electron/engine/types';

const quick = ['train', '--data', 'peak', '--train-per-class', '10', '--test-per-class', '2', '--layers', '16,2', '--lambda', '1e-6', '--eval-every', '10'];

async function stopWith(signal: NodeJS.Signals): Promise<CliResult & { ws: string }> {
  const ws = tempDir('racecar-signal-');
  // After a few evaluations: the run is well under way.
  const r = await racecarAsync([...quick, '--steps', '1000000', '--checkpoint-every', '0', '--workspace', ws], {}, { step: 30, signal });
  return { ...r, ws };
}

describe('racecar train and signals', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} stops the run as cancelled, keeping the state reached (exit ${code})`, async () => {
      const r = await stopWith(signal);
      expect(r.code, r.stderr).toBe(code);
      const id = r.stdout.trim();
      const run = JSON.parse(fs.readFileSync(path.join(r.ws, 'runs', id, 'run.json'), 'utf8')) as RunRecord;
      expect(run.status).toBe('cancelled');
      expect(run.lastStep).toBeGreaterThanOrEqual(30);
      expect(run.checkpointSteps).toHaveLength(1);
      expect(run.checkpointSteps[0]).toBeGreaterThanOrEqual(run.lastStep);
      expect(fs.readFileSync(path.join(r.ws, 'runs', id, 'train.log'), 'utf8')).toContain(`cancelled after step ${run.checkpointSteps[0]}`);
      expect(r.stderr).toMatch(/\ncancelled\n$/);
    });
  }
});

describe('racecar train on a full disk', () => {
  it('ends the run as failed with the disk named, not left running', () => {
    // Inside the namespace: a 600 KiB file system as the workspace, train until it is full, then print what the run recorded.
    const script = [
      'set -e',
      'mount -t tmpfs -o size=600k tmpfs "$1"',
      'set +e',
      `"${process.execPath}" "${BIN}" train --preset MNIST_RR --steps 2000 --eval-every 10 --checkpoint-every 10 --workspace "$1" >/dev/null 2>"$1/../stderr"`,
      'echo "exit $?"',
      'cat "$1"/runs/*/run.json',
    ].join('\n');
    const mnt = path.join(tempDir('racecar-full-'), 'ws');
    fs.mkdirSync(mnt);
    const r = spawnSync('unshare', ['--mount', '--map-root-user', 'sh', '-c', script, 'sh', mnt], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const [first, ...rest] = r.stdout.split('\n');
    expect(first).toBe('exit 1');
    const run = JSON.parse(rest.join('\n')) as RunRecord;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(new RegExp(`^the disk holding ${mnt} is full \\(ENOSPC: .*\\): free some space, then train again$`));
    expect(run.lastStep).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(mnt, '..', 'stderr'), 'utf8')).toMatch(/failed: the disk holding .* is full/);
  });
});
