// `racecar export` through the built CLI (npm test builds first): bundles,
// one-line errors that write nothing, and reproduce.sh retraining a run to
// identical metrics.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../electron/engine/store/runStore';
import { metricsPath } from '../../../electron/engine/store/layout';
import type { RunRecord } from '../../../electron/engine/types';
import { BIN, racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { pngInfo, trainSmall } from '../../export/helpers';

let ws: string;
let run: RunRecord;

beforeAll(async () => {
  ws = tempDir('racecar-cli-export-ws-');
  run = await trainSmall(new RunStore(ws), 'peak RR', { lambda: 1e-6, seed: 11 });
});

describe('racecar export', () => {
  it('--help documents the options', () => {
    const r = racecar(['export', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--figures', '--width', '--dpi', '--colormap', '--order', '--background', '--force']) expect(r.stdout).toContain(flag);
    expect(racecar(['help']).stdout).toContain('racecar export <run...>');
  });

  it('writes a zip and prints its path; sizes in cm at a dpi', () => {
    const out = path.join(tempDir('racecar-cli-export-'), 'figs.zip');
    const r = racecar(['export', run.id, '--out', out, '--workspace', ws, '--figures', 'loss,vectors', '--width', '8cm', '--height', '6cm', '--dpi', '150']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const entries = unzipSync(new Uint8Array(fs.readFileSync(out)));
    const info = pngInfo(Buffer.from(entries[`figures/${run.id}/loss.png`]!));
    expect([info.width, info.height]).toEqual([Math.round((8 / 2.54) * 150), Math.round((6 / 2.54) * 150)]);
    expect(Object.keys(entries)).toContain(`figures/${run.id}/vectors.svg`);
    expect(Object.keys(entries)).not.toContain(`figures/${run.id}/accuracy.png`);
  });

  it('--json prints the files', () => {
    const out = path.join(tempDir('racecar-cli-export-'), 'b');
    const r = racecar(['export', run.id, '--out', out, '--workspace', ws, '--figures', 'none', '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.out).toBe(out);
    expect(res.files).toEqual(['MANIFEST.sha256', 'README.md', `configs/${run.id}.json`, 'metrics.csv', 'metrics.json', 'reproduce.sh'].sort());
  });

  const errors: [string, (dir: string) => string[], RegExp][] = [
    [
      'a run that does not exist',
      (d) => ['20250101-000000-nope-abcd', '--out', path.join(d, 'b')],
      /run "20250101-000000-nope-abcd" not found in .*: list the run ids with racecar runs/,
    ],
    [
      'an unknown figure',
      (d) => [run.id, '--out', path.join(d, 'b'), '--figures', 'loss,pie'],
      /unknown figure 'pie': use loss, accuracy, recon, spectrum, backward-grid, backward-gif, feature-maps, vectors, comparison, info-plane/,
    ],
    [
      'a folder under a regular file',
      (d) => [run.id, '--out', path.join(d, 'file', 'sub')],
      /cannot write the bundle to .*file\/sub: .*file.*choose another --out/,
    ],
    ['no --out', () => [run.id], /give --out <folder> or --out <file\.zip>/],
    [
      'a bad length',
      (d) => [run.id, '--out', path.join(d, 'b'), '--width', 'wide', '--height', '3in'],
      /--width: 'wide' is not a length: use e\.g\. 4in, 10cm or 1200px/,
    ],
    ['an unknown flag', (d) => [run.id, '--out', path.join(d, 'b'), '--colour', 'red'], /Unknown option '--colour'/],
  ];
  for (const [what, args, message] of errors) {
    it(`${what}: one line naming it, non-zero exit, nothing written`, () => {
      const dir = tempDir('racecar-cli-export-err-');
      fs.writeFileSync(path.join(dir, 'file'), 'x');
      const r = racecar(['export', ...args(dir), '--workspace', ws]);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^racecar: /);
      expect(lines[0]).toMatch(message);
      expect(r.stdout).toBe('');
      expect(fs.readdirSync(dir)).toEqual(['file']);
    });
  }
});

describe('reproduce.sh', () => {
  it('retrains the run from its config to identical metrics (except timings)', () => {
    const dir = tempDir('racecar-cli-repro-');
    const bundle = path.join(dir, 'bundle');
    const r = racecar(['export', run.id, '--out', bundle, '--workspace', ws, '--figures', 'loss']);
    expect(r.code).toBe(0);
    const ws2 = path.join(dir, 'ws2');
    // Not on PATH here: RACECAR names the command; run from another folder to check the script finds its configs.
    const sh = spawnSync('bash', [path.join(bundle, 'reproduce.sh'), ws2], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, RACECAR: `${process.execPath} ${BIN}`, RACECAR_BACKEND: '' },
      // spawnSync blocks vitest's own timeout: fail on a hung CLI in reasonable time.
      timeout: 240_000,
    });
    expect(sh.error, 'reproduce.sh did not finish (a training process that does not exit?)').toBeUndefined();
    expect(sh.stderr).not.toMatch(/failed|error/i);
    expect(sh.status).toBe(0);
    const store2 = new RunStore(ws2);
    const runs = store2.list().runs;
    expect(runs).toHaveLength(1);
    const again = runs[0]!;
    expect(sh.stdout.trim()).toBe(again.id);
    expect(again.status).toBe('completed');
    expect(again.config).toEqual(run.config);
    expect(again.backend).toBe(run.backend);
    const strip = (file: string) =>
      fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const { elapsed: _e, stepsPerSec: _s, ...rest } = JSON.parse(l);
          return rest;
        });
    const original = strip(metricsPath(ws, run.id));
    expect(original.length).toBe(5);
    expect(strip(metricsPath(ws2, again.id))).toEqual(original);
  });

  it('explains what to do when racecar cannot be found', () => {
    const dir = tempDir('racecar-cli-repro-');
    const bundle = path.join(dir, 'bundle');
    expect(racecar(['export', run.id, '--out', bundle, '--workspace', ws, '--figures', 'none']).code).toBe(0);
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: process.env.HOME };
    const sh = spawnSync('bash', [path.join(bundle, 'reproduce.sh'), path.join(dir, 'ws2')], { cwd: dir, encoding: 'utf8', env });
    expect(sh.status).toBe(127);
    expect(sh.stderr).toMatch(/racecar not found: put it on PATH or set RACECAR="node \/path\/to\/racecar-workbench\/bin\/racecar\.js"/);
    expect(fs.existsSync(path.join(dir, 'ws2'))).toBe(false);
  });
});
