// metrics.csv formatting and the SHA-256 manifest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvNumber, infoPlaneCsv, metricsColumns, metricsCsv } from '../../electron/export/csv';
import { csvField } from '../../electron/figures/csvField';
import { manifestOfDir, manifestText, parseManifest, sha256, verifyBundleDir } from '../../electron/export/manifest';
import { parseRunConfig } from '../../electron/engine/config/schema';
import type { EvalRecord, RunRecord } from '../../electron/engine/types';
import { tempDir } from '../helpers/tmp';
import { parseCsv } from './helpers';

const run = (id: string, name: string, layers: number): RunRecord => ({
  id,
  name,
  status: 'completed',
  config: parseRunConfig({
    name,
    network: { layers: Array.from({ length: layers }, (_, i) => ({ units: 4, activation: i === layers - 1 ? 'linear' : 'relu' })) },
  }),
  totalSteps: 10,
  backend: 'cpu',
  versions: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  lastStep: 10,
  backwardSteps: [],
  checkpointSteps: [],
});
const rec = (step: number, layers: number, over: Partial<EvalRecord> = {}): EvalRecord => ({
  step,
  epoch: step / 3,
  elapsed: 0.1 + step,
  stepsPerSec: 1 / 3,
  loss: { total: 1e-7 * (step + 1), ce: 0.1, rr: Array.from({ length: layers }, (_, k) => k + 0.5), ort: 0 },
  trainAccuracy: 0.5,
  testAccuracy: 1,
  testRecon: Array.from({ length: layers }, (_, k) => 1234.5678 * (k + 1)),
  ...over,
});

describe('metrics.csv', () => {
  it('columns: one loss_rr_k and test_recon_k per layer, 1-based', () => {
    expect(metricsColumns(2)).toEqual([
      'run_id',
      'run_name',
      'step',
      'epoch',
      'elapsed',
      'steps_per_sec',
      'loss_total',
      'loss_ce',
      'loss_rr_1',
      'loss_rr_2',
      'loss_ort',
      'train_accuracy',
      'test_accuracy',
      'test_recon_1',
      'test_recon_2',
      'phase',
    ]);
  });

  it('phase: the training phase of each evaluation (pretraining layer k, then task); task for a run of one phase', () => {
    const pre = run('pre', 'pre', 3);
    pre.config = parseRunConfig({ ...pre.config, training: { ...pre.config.training, steps: 50, pretrain: { stepsPerLayer: 10 } } });
    pre.totalSteps = 50;
    const rows = parseCsv(
      metricsCsv([
        { run: pre, metrics: [rec(10, 3), rec(11, 3), rec(20, 3), rec(30, 3)] },
        { run: run('std', 'std', 3), metrics: [rec(5, 3)] },
      ]),
    );
    const col = rows[0]!.indexOf('phase');
    expect(rows.slice(1).map((r) => r[col])).toEqual(['pretraining layer 1', 'pretraining layer 2', 'pretraining layer 2', 'task', 'task']);
  });

  it('info-plane.csv: one row per run, evaluation and layer; none without information planes', () => {
    const ip = {
      bins: 30,
      samples: 8,
      forward: [{ ixt: 3, ity: 1 }],
      reverse: [
        { ixt: 2.5, ity: 0.5 },
        { ixt: 2, ity: 1 },
      ],
    };
    const csv = infoPlaneCsv([{ run: run('a', 'a', 1), metrics: [rec(10, 1, { infoPlane: ip }), rec(20, 1)] }]);
    expect(parseCsv(csv!)).toEqual([
      ['run_id', 'run_name', 'step', 'layer', 'kind', 'i_xt_bits', 'i_ty_bits', 'bins', 'samples'],
      ['a', 'a', '10', 'd1', 'forward', '3', '1', '30', '8'],
      ['a', 'a', '10', "d'0", 'reverse', '2.5', '0.5', '30', '8'],
      ['a', 'a', '10', "d'1", 'reverse', '2', '1', '30', '8'],
    ]);
    expect(infoPlaneCsv([{ run: run('b', 'b', 1), metrics: [rec(10, 1)] }])).toBeNull();
  });

  it('numbers as JSON writes them, NaN for non-finite, empty for a layer the run lacks, quoted names', () => {
    const csv = metricsCsv([
      { run: run('r1', 'three, "layers"', 3), metrics: [rec(0, 3), rec(10, 3, { loss: { total: NaN, ce: Infinity, rr: [1, 2, 3], ort: 0 } })] },
      { run: run('r2', 'two', 2), metrics: [rec(0, 2)] },
    ]);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(metricsColumns(3));
    expect(rows).toHaveLength(4);
    expect(rows[1]![1]).toBe('three, "layers"');
    expect(csv.split('\n')[1]).toContain('"three, ""layers"""');
    const r = rec(0, 3);
    expect(rows[1]!.slice(2, 8)).toEqual([0, r.epoch, r.elapsed, r.stepsPerSec, r.loss.total, r.loss.ce].map((v) => JSON.stringify(v)));
    expect(rows[1]![6]).toBe('1e-7');
    expect(rows[2]![6]).toBe('NaN');
    expect(rows[2]![7]).toBe('NaN');
    expect(rows[3]![10]).toBe(''); // loss_rr_3 of a two-layer run
    expect(rows[3]![16]).toBe(''); // test_recon_3
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvNumber(-0)).toBe('0');
    expect(csvNumber(0.1 + 0.2)).toBe(JSON.stringify(0.1 + 0.2));
  });
});

describe('MANIFEST.sha256', () => {
  it('sha256sum format, sorted, round-trips, and catches changed, missing and extra files', () => {
    const dir = tempDir('racecar-manifest-');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'b.txt'), 'bee');
    fs.writeFileSync(path.join(dir, 'sub', 'a.txt'), 'ay');
    const text = manifestOfDir(dir, ['sub/a.txt', 'b.txt']);
    expect(text).toBe(`${sha256('bee')}  b.txt\n${sha256('ay')}  sub/a.txt\n`);
    expect([...parseManifest(text)]).toEqual([
      ['b.txt', sha256('bee')],
      ['sub/a.txt', sha256('ay')],
    ]);
    fs.writeFileSync(path.join(dir, 'MANIFEST.sha256'), text);
    expect(verifyBundleDir(dir)).toEqual([]);
    fs.writeFileSync(path.join(dir, 'b.txt'), 'changed');
    fs.writeFileSync(path.join(dir, 'extra.txt'), 'x');
    fs.rmSync(path.join(dir, 'sub', 'a.txt'));
    expect(verifyBundleDir(dir).sort()).toEqual(['b.txt: SHA-256 differs', 'extra.txt: not in MANIFEST.sha256', 'sub/a.txt: missing']);
    expect(() => manifestText([{ path: 'a\nb', sha256: 'x' }])).toThrow(/unsupported file name/);
    expect(() => parseManifest('nonsense\n')).toThrow(/malformed line/);
  });
});
