// reproduce.sh of a bundle holding a transfer run: executed for real, it
// retrains the source run first (its config exported although the source is
// not one of the bundle's runs), then the transfer run from the new source,
// to the same metrics; a source deleted before the export is named.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricsPath } from '../../../electron/engine/store/layout';
import { RunStore } from '../../../electron/engine/store/runStore';
import { BIN, TINY_PEAK, racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';

let ws = '';
let source = '';
let transfer = '';

const strip = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { elapsed: _e, stepsPerSec: _s, ...rest } = JSON.parse(l);
      return rest;
    });

const runScript = (bundle: string, ws2: string) =>
  spawnSync('bash', [path.join(bundle, 'reproduce.sh'), ws2], {
    cwd: path.dirname(bundle),
    encoding: 'utf8',
    env: { ...process.env, RACECAR: `${process.execPath} ${BIN}`, RACECAR_BACKEND: '' },
    timeout: 240_000,
  });

beforeAll(() => {
  ws = tempDir('racecar-repro-transfer-');
  const s = racecar(['train', ...TINY_PEAK, '--name', 'source', '--steps', '40', '--eval-every', '20', '--checkpoint-every', '20', '--workspace', ws]);
  expect(s.code, s.stderr).toBe(0);
  source = s.stdout.trim();
  // Three outputs here, two there: the output layer is new; layer 1 comes from step 20 (not the source's last) and stays frozen.
  const t = racecar([
    'train',
    ...TINY_PEAK,
    '--layers',
    '16,3',
    '--name',
    'fine-tune',
    '--steps',
    '40',
    '--eval-every',
    '20',
    '--init-from',
    `${source}@20`,
    '--init-layers',
    '1',
    '--freeze',
    '1',
    '--workspace',
    ws,
  ]);
  expect(t.code, t.stderr).toBe(0);
  transfer = t.stdout.trim();
}, 120_000);

describe('reproduce.sh of a transfer run', () => {
  it('retrains the source first, then the transfer run from the new source, to identical metrics', () => {
    const dir = tempDir('racecar-repro-transfer-out-');
    const bundle = path.join(dir, 'bundle');
    const e = racecar(['export', transfer, '--out', bundle, '--figures', 'none', '--workspace', ws]);
    expect(e.code, e.stderr).toBe(0);
    // The source's config travels although only the transfer run was exported.
    const srcConfig = JSON.parse(fs.readFileSync(path.join(bundle, 'configs', `${source}.json`), 'utf8'));
    expect(srcConfig).toEqual(new RunStore(ws).get(source).config);
    expect(fs.readFileSync(path.join(bundle, 'README.md'), 'utf8')).toContain(`← run \`${source}\` at step 20`);

    const ws2 = path.join(dir, 'ws2');
    const sh = runScript(bundle, ws2);
    expect(sh.error, 'reproduce.sh did not finish').toBeUndefined();
    expect(sh.status, sh.stderr).toBe(0);
    const store2 = new RunStore(ws2);
    const runs = store2.list().runs;
    expect(runs.map((r) => r.name).sort()).toEqual(['fine-tune', 'source']);
    const src2 = runs.find((r) => r.name === 'source')!;
    const t2 = runs.find((r) => r.name === 'fine-tune')!;
    expect([src2.status, t2.status]).toEqual(['completed', 'completed']);
    // The new transfer run points at the new source, at the same step, with the same layers copied and frozen.
    expect(t2.config.init).toEqual({ fromRun: src2.id, step: 20, layers: [1], freeze: [1] });
    expect({ ...t2.config, init: undefined }).toEqual({ ...new RunStore(ws).get(transfer).config, init: undefined });
    expect(sh.stderr).toContain(`${source} retrained as ${src2.id}`);
    expect(sh.stdout.trim()).toBe(t2.id);
    expect(strip(metricsPath(ws2, src2.id))).toEqual(strip(metricsPath(ws, source)));
    expect(strip(metricsPath(ws2, t2.id))).toEqual(strip(metricsPath(ws, transfer)));
  }, 300_000);

  it('names a source deleted before the export, and fails without training it', () => {
    const ws3 = tempDir('racecar-repro-transfer-gone-');
    fs.cpSync(path.join(ws, 'runs', transfer), path.join(ws3, 'runs', transfer), { recursive: true });
    const bundle = path.join(tempDir('racecar-repro-transfer-out-'), 'bundle');
    const e = racecar(['export', transfer, '--out', bundle, '--figures', 'none', '--json', '--workspace', ws3]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).notes).toContain(`fine-tune starts from run ${source}, which is no longer in the workspace: reproduce.sh cannot retrain it`);
    const sh = runScript(bundle, path.join(path.dirname(bundle), 'ws2'));
    expect(sh.status).toBe(1);
    expect(sh.stderr).toContain(`${transfer} starts from run ${source}, which was not in the workspace when this bundle was exported`);
    expect(fs.existsSync(path.join(path.dirname(bundle), 'ws2', 'runs'))).toBe(false);
  });
});
