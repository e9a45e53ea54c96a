import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin', 'racecar.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (npm test builds first). */
export function racecar(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the built CLI in the background; with stopAt, sends that signal once its progress line reaches that step. */
export function racecarAsync(args: string[], env: NodeJS.ProcessEnv = {}, stopAt?: { step: number; signal: NodeJS.Signals }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    const reached = stopAt && new RegExp(`^step ${stopAt.step} `, 'm');
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (reached && !sent && reached.test(stderr)) {
        sent = true;
        child.kill(stopAt.signal);
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `racecar train` flags of a small peak run (784-16-2, BN + ReLU, 20 training images): a few seconds for a few hundred steps. */
export const TINY_PEAK = [
  '--data',
  'peak',
  '--train-per-class',
  '10',
  '--test-per-class',
  '2',
  '--layers',
  '16,2',
  '--activation',
  'relu',
  '--batch-norm',
  '--lr',
  '1e-3',
];
