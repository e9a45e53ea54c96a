// A figure bundle of real Pre runs with information planes (784-16-8-2 on the
// peak data): the phase of every evaluation in metrics.csv and metrics.json,
// the info-plane figure of each run and overlaid, and info-plane.csv equal
// to the run store's records.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../electron/engine/store/runStore';
import { trainToEnd } from '../../electron/engine/train/trainer';
import { exportBundle } from '../../electron/export/bundle';
import type { RunRecord } from '../../electron/engine/types';
import { tempDir } from '../helpers/tmp';
import { parseCsv, pngInfo, smallConfig } from './helpers';

let store: RunStore;
let pre: RunRecord;
let plain: RunRecord;
let out: string;
let files: string[];

async function train(name: string, pretrain: boolean): Promise<RunRecord> {
  const c = smallConfig(name);
  const layers = [
    { units: 16, activation: 'relu' as const },
    { units: 8, activation: 'relu' as const },
    { units: 2, activation: 'linear' as const },
  ];
  const run = await trainToEnd(
    {
      ...c,
      network: { layers },
      training: { ...c.training, infoPlane: { bins: 8, samples: 8 }, ...(pretrain ? { pretrain: { stepsPerLayer: 10 } } : {}) },
    },
    { store },
  );
  if (run.status !== 'completed') throw new Error(`training ${name} ended ${run.status}: ${run.error ?? ''}`);
  return run;
}

beforeAll(async () => {
  store = new RunStore(tempDir('racecar-export-pre-'));
  pre = await train('peak Pre', true);
  plain = await train('peak Std', false);
  out = path.join(tempDir('racecar-export-pre-out-'), 'bundle');
  files = (await exportBundle({ store, runIds: [pre.id, plain.id], out, figures: ['accuracy', 'info-plane'], formats: ['png'] })).files;
}, 120_000);

describe('a bundle of Pre runs with information planes', () => {
  it('metrics.csv says the phase of every evaluation; metrics.json lists the phases', () => {
    const rows = parseCsv(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8'));
    const col = (n: string) => rows[0]!.indexOf(n);
    const ofRun = (id: string) => rows.slice(1).filter((r) => r[col('run_id')] === id);
    // 10 steps per hidden layer, then the 40 task steps; the evaluation before training belongs to the first phase.
    expect(ofRun(pre.id).map((r) => [r[col('step')], r[col('phase')]])).toEqual([
      ['0', 'pretraining layer 1'],
      ['10', 'pretraining layer 1'],
      ['20', 'pretraining layer 2'],
      ['30', 'task'],
      ['40', 'task'],
      ['50', 'task'],
      ['60', 'task'],
    ]);
    expect(ofRun(plain.id).every((r) => r[col('phase')] === 'task')).toBe(true);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { runs: { id: string; phases: unknown[] }[] };
    expect(json.runs.find((r) => r.id === pre.id)!.phases).toEqual([
      { kind: 'pretrain', layer: 0, start: 1, end: 10, label: 'pretraining layer 1' },
      { kind: 'pretrain', layer: 1, start: 11, end: 20, label: 'pretraining layer 2' },
      { kind: 'task', start: 21, end: 60, label: 'task' },
    ]);
  });

  it("each run's information plane and the overlay, drawn; the README captions them and the phase lines", () => {
    for (const f of [`figures/${pre.id}/info-plane.png`, `figures/${plain.id}/info-plane.png`, 'figures/overlay-info-plane.png']) {
      expect(files).toContain(f);
      expect(pngInfo(fs.readFileSync(path.join(out, f))).nonBackground).toBeGreaterThan(0.02);
    }
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain(`figures/${pre.id}/info-plane.png`);
    expect(readme).toMatch(/I\(X;T\) \(x\) against I\(T;Y\) \(y\)/);
    expect(readme).toContain(
      'dashed vertical lines mark where each phase starts: pretraining layer 1 after step 0, pretraining layer 2 after step 10, task after step 20',
    );
  });

  it("info-plane.csv holds every layer's estimate of every evaluation, as the run recorded it", () => {
    const rows = parseCsv(fs.readFileSync(path.join(out, 'info-plane.csv'), 'utf8'));
    expect(rows[0]).toEqual(['run_id', 'run_name', 'step', 'layer', 'kind', 'i_xt_bits', 'i_ty_bits', 'bins', 'samples']);
    const recorded = store
      .readMetrics(pre.id)
      .flatMap((m) => [
        ...m.infoPlane!.forward.map((p, k) => [pre.id, 'peak Pre', String(m.step), `d${k + 1}`, 'forward', String(p.ixt), String(p.ity), '8', '8']),
        ...m.infoPlane!.reverse.map((p, k) => [pre.id, 'peak Pre', String(m.step), `d'${k}`, 'reverse', String(p.ixt), String(p.ity), '8', '8']),
      ]);
    expect(recorded).toHaveLength(7 * 6);
    expect(rows.filter((r) => r[0] === pre.id)).toEqual(recorded);
  });
});
