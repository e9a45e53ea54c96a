// `racecar stats` on real runs: grouped by mode, summarised over seeds, Welch's
// test between modes, CSV and LaTeX tables; bad targets refused before work.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { welch } from '../../../electron/engine/stats/summary';
import { TINY_PEAK, racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { pngInfo } from '../../export/helpers';

let ws = '';
const ids: Record<string, string[]> = { Std: [], RR: [] };

beforeAll(() => {
  ws = tempDir();
  for (const seed of [1, 2, 3])
    for (const [mode, lambda] of [
      ['Std', '0'],
      ['RR', '1e-4'],
    ] as const) {
      const t = racecar(['train', ...TINY_PEAK, '--lambda', lambda, '--steps', '40', '--eval-every', '20', '--seed', String(seed), '--workspace', ws]);
      expect(t.code, t.stderr).toBe(0);
      ids[mode].push(t.stdout.trim());
    }
});

describe('racecar stats', () => {
  it('summarises each mode over its seeds and tests the modes against each other', () => {
    const r = racecar(['stats', ...ids.Std, ...ids.RR, '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.groups.map((g: { mode: string; runs: string[] }) => [g.mode, g.runs.length])).toEqual([
      ['Std', 3],
      ['RR', 3],
    ]);
    // The recorded numbers, read independently of the command.
    const last = (id: string) => {
      const lines = fs
        .readFileSync(path.join(ws, 'runs', id, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n');
      return JSON.parse(lines[lines.length - 1]) as { testRecon: number[] };
    };
    const recon = (mode: string) => ids[mode].map((id) => last(id).testRecon[0]);
    const std = s.groups[0].metrics.recon;
    expect(std.mean).toBeCloseTo(recon('Std').reduce((a, b) => a + b) / 3, 6);
    const test = s.tests.find((t: { metric: string }) => t.metric === 'recon');
    expect(test.test.p).toBeCloseTo(welch(recon('Std'), recon('RR'))!.p, 10);
    expect(s.tests.map((t: { metric: string }) => t.metric).sort()).toEqual(['alignment', 'recon', 'testAccuracy']);
  });

  it('writes CSV and a booktabs table, and refuses a file that exists before computing anything', () => {
    const dir = tempDir();
    const csv = path.join(dir, 'stats.csv');
    const tex = path.join(dir, 'stats.tex');
    const r = racecar(['stats', ...ids.Std, ...ids.RR, '--csv', csv, '--latex', tex, '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^mode\s+runs\s+test accuracy \(mean ± sd \[95% CI\]\)/);
    expect(r.stdout).toMatch(/Std vs RR\s+reconstruction error/);
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('kind,mode,versus,metric,n,mean,sd,ci95_low,ci95_high,t,df,p');
    expect(rows.filter((l) => l.startsWith('summary,'))).toHaveLength(6);
    expect(rows.filter((l) => l.startsWith('welch,Std,RR,'))).toHaveLength(3);
    const latex = fs.readFileSync(tex, 'utf8');
    for (const k of ['\\toprule', '\\midrule', '\\bottomrule', 'Std & 3 &', 'RR & 3 &', 'Std vs RR &']) expect(latex).toContain(k);
    const again = racecar(['stats', ...ids.Std, '--csv', csv, '--workspace', ws]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`racecar: --csv ${csv}: the file exists: name a new file`);
  });

  it('names an unknown run, and says where a mode has too few seeds', () => {
    const bad = racecar(['stats', 'no-such-run', '--workspace', ws]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no-such-run/);
    const one = racecar(['stats', ids.Std[0], ids.RR[0], '--workspace', ws]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('note: Std, RR: fewer than two runs, so no spread, interval or test (train more seeds)');
  });
});

describe('racecar info-plane', () => {
  it('prints the recorded planes, as a table and as JSON; a run without them says how to record them', () => {
    const t = racecar([
      'train',
      ...TINY_PEAK,
      '--lambda',
      '1e-4',
      '--steps',
      '20',
      '--eval-every',
      '10',
      '--info-plane',
      '--info-plane-bins',
      '8',
      '--workspace',
      ws,
    ]);
    expect(t.code, t.stderr).toBe(0);
    const id = t.stdout.trim();
    const r = racecar(['info-plane', id, '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^run ${id}: 8 bins, 4 test images; I\\(X;T\\) / I\\(T;Y\\) in bits`));
    expect(r.stdout).toMatch(/step\s+d1\s+d2\s+d'0\s+d'1/);
    const json = JSON.parse(racecar(['info-plane', id, '--json', '--workspace', ws]).stdout);
    expect(json.evaluations.map((e: { step: number }) => e.step)).toEqual([0, 10, 20]);
    const none = racecar(['info-plane', ids.Std[0], '--workspace', ws]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(`racecar: run ${ids.Std[0]} has no information planes: train it with --info-plane (training.infoPlane)`);
  });
});

describe('racecar study transfer', () => {
  it('trains every mode’s sources, fine-tunes each with layer 1 frozen and not, and tables the accuracy over seeds', () => {
    const study = tempDir();
    const csv = path.join(tempDir(), 'study.csv');
    const png = path.join(tempDir(), 'study.png');
    const r = racecar([
      'study',
      'transfer',
      '--seeds',
      '0-1',
      '--source-steps',
      '12',
      '--target-steps',
      '6',
      '--hidden',
      '8',
      '--csv',
      csv,
      '--figure',
      png,
      '--json',
      '--workspace',
      study,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[24\/24\] Pre target \(layer 1 frozen\), seed 1: completed$/m);
    const res = JSON.parse(r.stdout) as { cells: { mode: string; frozen: boolean; runs: string[]; sources: string[]; accuracy: { n: number } }[] };
    expect(res.cells.map((c) => `${c.mode}${c.frozen ? '*' : ''}:${c.accuracy.n}`)).toEqual([
      'Std:2',
      'Std*:2',
      'Ort:2',
      'Ort*:2',
      'RR:2',
      'RR*:2',
      'Pre:2',
      'Pre*:2',
    ]);
    const runs = JSON.parse(racecar(['runs', '--json', '--workspace', study]).stdout).runs.map(
      (x: { run: { id: string; config: Record<string, unknown> } }) => x.run,
    );
    expect(runs).toHaveLength(24);
    // Each fine-tuning run starts from its own mode's source; the frozen ones keep layer 1 as it was there.
    const frozen = res.cells.find((c) => c.mode === 'RR' && c.frozen)!;
    const target = runs.find((x: { id: string }) => x.id === frozen.runs[0]);
    expect(target.config.init).toEqual({ fromRun: frozen.sources[0], step: 12, layers: [1], freeze: [1] });
    const source = runs.find((x: { id: string }) => x.id === frozen.sources[0]);
    expect((source.config.network as { layers: { lambda: number }[] }).layers[0].lambda).toBeGreaterThan(0);
    expect(fs.readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(9);
    // The figure: 5 x 3.5 in at 300 dpi, drawn.
    const info = pngInfo(fs.readFileSync(png));
    expect([info.width, info.height]).toEqual([1500, 1050]);
    expect(info.nonBackground).toBeGreaterThan(0.005);
  }, 300_000);

  it('refuses a figure that is not .png or .svg before training anything', () => {
    const study = tempDir();
    const r = racecar(['study', 'transfer', '--figure', path.join(tempDir(), 'fig.pdf'), '--workspace', study]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--figure .*fig\.pdf: name a \.png or \.svg file/);
    expect(fs.existsSync(path.join(study, 'runs'))).toBe(false);
  });
});
