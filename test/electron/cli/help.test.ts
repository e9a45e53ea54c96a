// --help / -h on every subcommand: the help generated from the option table
// the parser uses, exit 0, and nothing trained, served or written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { spawnSync } from 'node:child_process';
import { BIN } from '../../helpers/cli';
import { TRAIN_OPTIONS } from '../../../electron/cli/trainArgs';
import { EXPORT_COMMAND } from '../../../electron/cli/export';
import { appPackage } from '../../../electron/engine/util/version';

const COMMANDS: Record<string, string[]> = {
  train: Object.keys(TRAIN_OPTIONS),
  runs: ['workspace', 'json'],
  svd: ['layer', 'step', 'workspace', 'json'],
  reproduce: ['out', 'only', 'jobs', 'steps', 'workspace'],
  serve: ['port', 'workspace'],
  export: Object.keys(EXPORT_COMMAND.options),
};

/** Runs racecar in a fresh folder with a fresh (absent) workspace; returns the result and whatever appeared. */
function inFreshFolder(args: string[]) {
  const cwd = tempDir('racecar-help-');
  const ws = path.join(cwd, 'ws');
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, RACECAR_WORKSPACE: ws }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, created: fs.readdirSync(cwd) };
}

describe('racecar --help', () => {
  for (const [cmd, options] of Object.entries(COMMANDS)) {
    it(`${cmd} --help and -h print every option and exit 0, doing nothing else`, () => {
      for (const flag of ['--help', '-h']) {
        // With other arguments around it too: help wins before anything is parsed or checked.
        const r = inFreshFolder([cmd, '--steps', '5', flag]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.created).toEqual([]);
        expect(r.stdout).toMatch(new RegExp(`^racecar ${cmd}: `));
        expect(r.stdout).toContain(`usage:\n  racecar ${cmd}`);
        for (const o of options) expect(r.stdout).toMatch(new RegExp(`^  --${o}\\b`, 'm'));
        expect(r.stdout).toContain('-h, --help');
      }
    });
  }

  it('racecar --help lists every command; help <command> prints the help of that command; --version and -v print the version', () => {
    const top = racecar(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of Object.keys(COMMANDS)) expect(top.stdout).toMatch(new RegExp(`^  racecar ${cmd}\\b`, 'm'));
    expect(racecar(['-h']).stdout).toBe(top.stdout);
    expect(racecar(['help', 'svd']).stdout).toBe(racecar(['svd', '--help']).stdout);
    for (const v of ['--version', '-v']) expect(racecar([v])).toMatchObject({ code: 0, stdout: `${appPackage().version}\n`, stderr: '' });
  });

  it('a bad flag still fails with one line that points to the help', () => {
    const r = racecar(['runs', '--colour']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^racecar: Unknown option '--colour'.* \(see racecar runs --help\)$/);
  });
});
