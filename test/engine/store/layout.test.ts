import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../../electron/engine/store/layout';
import { EvalRecordSchema, parseEvalRecord, parseRunRecord, RunRecordSchema } from '../../../electron/engine/store/recordSchema';
import type { RunRecord } from '../../../electron/engine/types';
import { config, evalRecord } from './helpers';

describe('layout', () => {
  it('builds ids from UTC time, a slug and 4 hex digits', () => {
    const t = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(L.makeRunId('Peak, λ=0.5 (BN)', t, 'beef')).toBe('20240102-030405-peak-0-5-bn-beef');
    expect(L.makeRunId('', t, '0a0b')).toBe('20240102-030405-run-0a0b');
    expect(L.makeRunId('///', t, '0000')).toBe('20240102-030405-run-0000');
    expect(L.slug('Café Über')).toBe('cafe-uber');
    const long = L.slug('a'.repeat(39) + '-bcd');
    expect(long).toBe('a'.repeat(39)); // cut on the dash, and the dash dropped
    expect(() => L.makeRunId('x', t, 'zzzz')).toThrow(L.InvalidRunIdError);
  });

  it('sorts ids by creation time', () => {
    const ids = [
      L.makeRunId('zzz', new Date(Date.UTC(2024, 0, 1, 23, 59, 59)), 'ffff'),
      L.makeRunId('aaa', new Date(Date.UTC(2024, 0, 2, 0, 0, 0)), '0000'),
      L.makeRunId('mmm', new Date(Date.UTC(2024, 9, 1, 0, 0, 0)), '1234'),
    ];
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it('validates ids', () => {
    for (const ok of ['20240101-000000-a-0000', '20240101-000000-a-b-c-ffff', `20240101-000000-${'a'.repeat(40)}-0000`]) {
      expect(L.validateRunId(ok)).toBe(ok);
    }
    for (const bad of ['', '../x', 'a/b', '..', '20240101-000000-a-0000/', `20240101-000000-${'a'.repeat(41)}-0000`, '20240101-000000-a-', 42, null]) {
      expect(() => L.validateRunId(bad)).toThrow(L.InvalidRunIdError);
    }
  });

  it('places files as documented', () => {
    const ws = path.join(os.tmpdir(), 'ws');
    const id = '20240101-000000-a-0000';
    const run = path.join(ws, 'runs', id);
    expect(L.runJsonPath(ws, id)).toBe(path.join(run, 'run.json'));
    expect(L.metricsPath(ws, id)).toBe(path.join(run, 'metrics.jsonl'));
    expect(L.logPath(ws, id)).toBe(path.join(run, 'train.log'));
    expect(L.backwardPath(ws, id, 'inputs', 12)).toBe(path.join(run, 'backward', 'inputs', '12.png'));
    expect(L.backwardPath(ws, id, 1500, 3)).toBe(path.join(run, 'backward', '0001500', '3.png'));
    expect(L.checkpointPath(ws, id, 0)).toBe(path.join(run, 'checkpoints', '0000000.safetensors'));
    expect(L.svdJsonPath(ws, id, 2, 40)).toBe(path.join(run, 'svd', 'layer2_0000040.json'));
    expect(L.svdImagePath(ws, id, 2, 40, 5)).toBe(path.join(run, 'svd', 'layer2_0000040', 'u5.png'));
    expect(() => L.backwardPath(ws, id, 0, -1)).toThrow(/image index/);
    expect(() => L.svdJsonPath(ws, id, 0.5, 0)).toThrow(/layer/);
    expect(() => L.padStep(NaN)).toThrow(/step/);
  });
});

describe('recordSchema', () => {
  const good: RunRecord = {
    id: '20240101-000000-a-0000',
    name: 'a',
    status: 'completed',
    config: config(),
    totalSteps: 10,
    backend: null,
    versions: {},
    createdAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:10:00.000Z',
    lastStep: 10,
    backwardSteps: [0, 10],
    checkpointSteps: [10],
  };

  it('accepts a valid record unchanged', () => {
    expect(parseRunRecord(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });

  it.each<[string, Record<string, unknown>]>([
    ['wrong status', { status: 'done' }],
    ['string number', { lastStep: '10' }],
    ['negative step', { backwardSteps: [-1] }],
    ['fractional step', { checkpointSteps: [1.5] }],
    ['bad backend', { backend: 'gpu' }],
    ['bad date', { createdAt: 'yesterday' }],
    ['non-string version', { versions: { tfjs: 4 } }],
    ['missing id', { id: undefined }],
    ['missing config', { config: undefined }],
    ['invalid config', { config: { ...config(), network: { layers: [{ units: 0 }] } } }],
    ['bad pid', { pid: -3 }],
    ['bad dataInfo', { dataInfo: { name: 'x', height: 0, width: 1, classNames: [], trainCount: 0, testCount: 0 } }],
  ])('rejects %s', (_what, change) => {
    const r = RunRecordSchema.safeParse({ ...good, ...change });
    expect(r.success).toBe(false);
  });

  it('rejects non-objects', () => {
    for (const v of [null, [], 'run', 3]) expect(() => parseRunRecord(v)).toThrow();
  });

  it('validates metrics lines, reading null numbers as NaN', () => {
    expect(parseEvalRecord(JSON.parse(JSON.stringify(evalRecord(3))))).toEqual(evalRecord(3));
    const withNull = { ...evalRecord(3), testAccuracy: null };
    expect(parseEvalRecord(withNull)!.testAccuracy).toBeNaN();
    expect(parseEvalRecord({ ...evalRecord(3), step: -1 })).toBeNull();
    expect(parseEvalRecord({ ...evalRecord(3), loss: { total: 1 } })).toBeNull();
    expect(EvalRecordSchema.safeParse({ step: 1 }).success).toBe(false);
  });
});
