// Statistics by mode in `racecar sweep status` and in a sweep's bundle: the
// finished points' runs grouped over their seeds (real tiny sweep), the same
// numbers as `racecar stats --sweep`, CSV and LaTeX written where asked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_PEAK, racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';

/** Runs in sorted order, numbers to 10 significant digits: the sum of the same values in another order may differ in the last bit. */
const same = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'runs' && Array.isArray(x) ? [...x].sort() : typeof x === 'number' ? Number(x.toPrecision(10)) : x)));

let ws = '';
let id = '';

beforeAll(() => {
  ws = tempDir('racecar-sweep-stats-');
  const r = racecar(['sweep', ...TINY_PEAK, '--steps', '40', '--eval-every', '20', '--lambda', '0,1e-4', '--seeds', '1-2', '--jobs', '1', '--workspace', ws]);
  expect(r.code, r.stderr).toBe(0);
  id = /created sweep (\S+)/.exec(r.stderr)![1]!;
}, 300_000);

describe('sweep status statistics', () => {
  it('groups the completed points by mode over the seeds, as racecar stats --sweep does, and writes CSV and LaTeX', () => {
    const dir = tempDir('racecar-sweep-stats-out-');
    const csv = path.join(dir, 'stats.csv');
    const tex = path.join(dir, 'stats.tex');
    const r = racecar(['sweep', 'status', id, '--json', '--csv', csv, '--latex', tex, '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.complete).toBe(true);
    expect(s.stats.groups.map((g: { mode: string; runs: string[] }) => [g.mode, g.runs.length])).toEqual([
      ['Std', 2],
      ['RR', 2],
    ]);
    const direct = racecar(['stats', '--sweep', id, '--json', '--csv', path.join(dir, 'direct.csv'), '--workspace', ws]);
    expect(direct.code, direct.stderr).toBe(0);
    // The same runs and numbers (listed in point order here, newest first there).
    expect(same(s.stats)).toEqual(same(JSON.parse(direct.stdout)));
    expect(fs.readFileSync(csv, 'utf8')).toBe(fs.readFileSync(path.join(dir, 'direct.csv'), 'utf8'));
    expect(fs.readFileSync(tex, 'utf8')).toMatch(/^RR & 2 & \$/m);

    const text = racecar(['sweep', 'status', id, '--workspace', ws]);
    expect(text.stdout).toContain('statistics of the 4 completed runs by mode:');
    expect(text.stdout).toMatch(/Welch's t-test between modes/);
    // A target that exists is refused before anything is computed.
    const again = racecar(['sweep', 'status', id, '--csv', csv, '--workspace', ws]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`racecar: --csv ${csv}: the file exists: name a new file`);
    expect(racecar(['sweep', ...TINY_PEAK, '--lambda', '0,1', '--csv', path.join(dir, 'x.csv'), '--workspace', ws]).stderr).toContain(
      '--csv and --latex go with sweep status <sweep>',
    );
  });

  it("puts stats.csv and stats.tex in the sweep's bundle", () => {
    const out = path.join(tempDir('racecar-sweep-stats-bundle-'), 'b');
    const e = racecar(['export', '--sweep', id, '--out', out, '--formats', 'svg', '--dpi', '50', '--json', '--workspace', ws]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).files).toEqual(expect.arrayContaining(['stats.csv', 'stats.tex', 'sweep.csv']));
    const direct = path.join(path.dirname(out), 'direct.csv');
    expect(racecar(['stats', '--sweep', id, '--csv', direct, '--workspace', ws]).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'stats.csv'), 'utf8')).toBe(fs.readFileSync(direct, 'utf8'));
  });
});
