// A real single-node Slurm cluster for the Slurm executor's tests: the one
// SLURM_CONF points at (.ci/run starts it), else one started here with
// scripts/slurm-up.sh and stopped afterwards. Nothing is skipped: when Slurm
// cannot start, the error says why and the tests fail.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './cli';
import { tempDir } from './tmp';

export interface SlurmCluster {
  conf: string;
  stop: () => void;
}

function nodeState(): string {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

export function ensureSlurm(): SlurmCluster {
  if (process.env.SLURM_CONF && /idle|mixed|alloc/.test(nodeState())) return { conf: process.env.SLURM_CONF, stop: () => {} };
  const dir = tempDir('racecar-slurm-');
  const up = spawnSync('bash', [path.join(ROOT, 'scripts', 'slurm-up.sh'), dir], { encoding: 'utf8', timeout: 600_000 });
  if (up.status !== 0) {
    throw new Error(`cannot start a Slurm cluster with scripts/slurm-up.sh (exit ${up.status}): ${(up.stderr || up.stdout || String(up.error)).trim()}`);
  }
  process.env.SLURM_CONF = path.join(dir, 'slurm.conf');
  return {
    conf: process.env.SLURM_CONF,
    stop: () => void spawnSync('bash', [path.join(ROOT, 'scripts', 'slurm-down.sh'), dir], { timeout: 60_000 }),
  };
}
