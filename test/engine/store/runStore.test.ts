import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, type DenseLayer } from '../../../electron/engine/config/schema';
import { InvalidRunIdError, RUN_ID_RE } from '../../../electron/engine/store/layout';
import { RunNotFoundError } from '../../../electron/engine/store/runErrors';
import { RunStore } from '../../../electron/engine/store/runStore';
import type { RunRecord } from '../../../electron/engine/types';
import { processStartTime } from '../../../electron/engine/util/processStart';
import { config, evalRecord, extra, removeTempWorkspaces, tempWorkspace, walk } from './helpers';

// The mutable CommonJS fs object: the ESM namespace cannot be spied on, but
// syncBuiltinESMExports() pushes changes made here into it, so atomicWrite.ts's
// writeFileAtomic sees the simulated failures whatever way it imports fs.
const fsMut = process.getBuiltinModule('node:fs') as typeof fs;

const runJson = (ws: string, id: string) => path.join(ws, 'runs', id, 'run.json');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;

/** Pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  expect(r.status).toBe(0);
  return r.pid!;
}

afterAll(removeTempWorkspaces);

afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

describe('create / update / finish', () => {
  it('round-trips a run through run.json', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const before = Date.now();
    const rec = store.createRun(config(), extra);

    expect(rec.id).toMatch(RUN_ID_RE);
    expect(rec.id).toContain('-my-run-');
    expect(rec).toMatchObject({
      name: 'My Run',
      status: 'running',
      totalSteps: 500,
      backend: 'cpu',
      versions: { tfjs: '4.22.0' },
      lastStep: 0,
      backwardSteps: [],
      checkpointSteps: [],
      pid: process.pid,
      host: os.hostname(),
    });
    expect(Date.parse(rec.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(rec.startedAt).toBe(rec.createdAt);
    expect(rec.config).toEqual(config());

    const text = fs.readFileSync(runJson(ws, rec.id), 'utf8');
    expect(text).toContain('\n  "id": '); // pretty-printed
    expect(JSON.parse(text)).toEqual(rec);
    expect(new RunStore(ws).get(rec.id)).toEqual(rec);

    const dataInfo = { name: 'peak', height: 28, width: 28, classNames: ['a', 'b'], trainCount: 100, testCount: 10 };
    const upd = store.updateRun(rec.id, { dataInfo, backend: 'wasm' });
    expect(upd.dataInfo).toEqual(dataInfo);
    expect(readJson(runJson(ws, rec.id)).backend).toBe('wasm');

    const fin = store.finishRun(rec.id, 'failed', 'out of memory');
    expect(fin).toMatchObject({ status: 'failed', error: 'out of memory', dataInfo });
    expect(Date.parse(fin.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(rec.createdAt));
    expect(new RunStore(ws).get(rec.id)).toEqual(fin);

    // undefined in a patch clears a field
    expect(store.updateRun(rec.id, { error: undefined }).error).toBeUndefined();
    expect('error' in readJson(runJson(ws, rec.id))).toBe(false);
  });

  it('gives unique, sortable, filesystem-safe ids', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const ids = Array.from({ length: 5 }, () => store.createRun(config({ name: '../../Ünïcode / name: with "quotes"' + 'x'.repeat(80) }), extra).id);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) {
      expect(id).toMatch(/^\d{8}-\d{6}-unicode-name-with-quotes-x+-[0-9a-f]{4}$/);
      const slugPart = id.slice(16, -5);
      expect(slugPart.length).toBeLessThanOrEqual(40);
    }
    expect(fs.readdirSync(path.join(ws, 'runs')).sort()).toEqual([...ids].sort());
  });

  it('creates nothing until the first write, and nothing for a rejected config', () => {
    const ws = path.join(tempWorkspace(), 'not-yet');
    const store = new RunStore(ws);
    expect(store.list()).toEqual({ runs: [], problems: [] });
    expect(fs.existsSync(ws)).toBe(false);

    const bad = { ...config(), seed: -1 };
    expect(() => store.createRun(bad, extra)).toThrow(ConfigError);
    expect(() => store.createRun(config(), { ...extra, totalSteps: -5 })).toThrow(/totalSteps/);
    expect(fs.existsSync(ws)).toBe(false);

    store.createRun(config(), extra);
    expect(fs.readdirSync(path.join(ws, 'runs'))).toHaveLength(1);
  });

  it('removes what it created when writing run.json fails', () => {
    const ws = path.join(tempWorkspace(), 'ws');
    vi.spyOn(fsMut, 'renameSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
    });
    syncBuiltinESMExports();
    expect(() => new RunStore(ws).createRun(config(), extra)).toThrow(/simulated/);
    expect(fs.existsSync(ws)).toBe(false);
  });

  it('rename updates name and config.name; duplicateConfig returns an independent copy', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    expect(store.rename(id, '  better name ')).toMatchObject({ name: 'better name', config: { name: 'better name' } });
    expect(store.get(id).name).toBe('better name');
    expect(() => store.rename(id, '   ')).toThrow(/empty/);
    expect(() => store.rename(id, 'x'.repeat(121))).toThrow(/120/);
    expect(store.get(id).name).toBe('better name');

    const dup = store.duplicateConfig(id);
    expect(dup).toEqual({ ...config(), name: 'better name' });
    (dup.network.layers[0] as DenseLayer).units = 999;
    expect((store.get(id).config.network.layers[0] as DenseLayer).units).toBe(8);
  });

  it('refuses to change the id and rejects an invalid status', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    expect(() => store.updateRun(id, { id: 'other' })).toThrow(/cannot change the id/);
    expect(() => store.updateRun(id, { status: 'bogus' as never })).toThrow(/status/);
    expect(() => store.finishRun(id, 'running' as never)).toThrow(/completed, cancelled, failed, diverged or interrupted \(got running\)/);
    expect(store.get(id).status).toBe('running');
  });
});

describe('metrics and log', () => {
  it('appends, reads back and tracks lastStep', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    expect(store.readMetrics(id)).toEqual([]);
    for (const s of [0, 100, 200]) store.appendMetrics(id, evalRecord(s));
    expect(store.readMetrics(id)).toEqual([evalRecord(0), evalRecord(100), evalRecord(200)]);
    expect(store.get(id).lastStep).toBe(200);
    const lines = fs.readFileSync(path.join(ws, 'runs', id, 'metrics.jsonl'), 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
  });

  it('ignores a torn last line, and does not glue the next record onto it', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    store.appendMetrics(id, evalRecord(100));
    const file = path.join(ws, 'runs', id, 'metrics.jsonl');
    const torn = JSON.stringify(evalRecord(200)).slice(0, 40);
    fs.appendFileSync(file, torn);
    expect(store.readMetrics(id)).toEqual([evalRecord(100)]);

    // a resumed trainer appends after the crash
    store.appendMetrics(id, evalRecord(300));
    expect(store.readMetrics(id)).toEqual([evalRecord(100), evalRecord(300)]);
  });

  it('reads a diverged (NaN) loss back as NaN instead of dropping the line', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    const r = evalRecord(10);
    r.loss.total = NaN;
    r.loss.rr = [Infinity, 1];
    store.appendMetrics(id, r);
    const [back] = store.readMetrics(id);
    expect(back!.loss.total).toBeNaN();
    expect(back!.loss.rr[0]).toBeNaN();
    expect(back!.loss.rr[1]).toBe(1);
  });

  it('appends log lines', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    store.appendLog(id, 'first');
    store.appendLog(id, 'second\n');
    expect(fs.readFileSync(path.join(ws, 'runs', id, 'train.log'), 'utf8')).toBe('first\nsecond\n');
  });
});

describe('backward images, checkpoints, SVD', () => {
  const png = (n: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, n]);

  it('writes and reads backward images at the documented paths', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    store.writeBackwardInputs(id, [png(0), png(1)]);
    store.writeBackward(id, 100, [png(2), png(3)]);
    store.writeBackward(id, 0, [png(4), png(5)]);
    store.writeBackward(id, 100, [png(6), png(7)]);

    const dir = path.join(ws, 'runs', id);
    expect(store.backwardPath(id, 100, 1)).toBe(path.join(dir, 'backward', '0000100', '1.png'));
    expect(store.backwardPath(id, 'inputs', 0)).toBe(path.join(dir, 'backward', 'inputs', '0.png'));
    expect(store.readBackward(id, 'inputs', 1)).toEqual(png(1));
    expect(store.readBackward(id, 100, 1)).toEqual(png(7));
    expect(store.readBackward(id, 0, 0)).toEqual(png(4));
    expect(store.get(id).backwardSteps).toEqual([0, 100]);
    expect(() => store.readBackward(id, 200, 0)).toThrow(`run "${id}" has no backward image 0 for step 200`);
    expect(() => store.backwardPath(id, -1, 0)).toThrow(/step/);
    expect(() => store.backwardPath(id, 1.5, 0)).toThrow(/step/);
  });

  it('writes checkpoints and finds the latest one on disk', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    expect(store.latestCheckpointStep(id)).toBeNull();
    store.writeCheckpoint(id, 200, Buffer.from('two'));
    store.writeCheckpoint(id, 100, Buffer.from('one'));
    expect(store.get(id).checkpointSteps).toEqual([100, 200]);
    expect(store.readCheckpoint(id, 100).toString()).toBe('one');
    expect(fs.existsSync(path.join(ws, 'runs', id, 'checkpoints', '0000200.safetensors'))).toBe(true);
    expect(store.latestCheckpointStep(id)).toBe(200);
    // an older run's JSON checkpoint is read too
    fs.writeFileSync(path.join(ws, 'runs', id, 'checkpoints', '0000150.json'), '{"old":1}');
    expect(store.readCheckpoint(id, 150).toString()).toBe('{"old":1}');
    // a checkpoint written just before a crash, not yet in run.json, still counts
    fs.writeFileSync(path.join(ws, 'runs', id, 'checkpoints', '0001000.json'), '{}');
    fs.writeFileSync(path.join(ws, 'runs', id, 'checkpoints', '0009000.json.tmp-1-abc'), '{');
    expect(store.latestCheckpointStep(id)).toBe(1000);
    expect(() => store.readCheckpoint(id, 300)).toThrow(`run "${id}" has no checkpoint at step 300`);
  });

  it('writes SVD results; a missing one reads as null', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    expect(store.readSvd(id, 1, 100)).toBeNull();
    store.writeSvd(id, 1, 100, '{"s":[3,2]}', [png(0), png(1)]);
    expect(store.readSvd(id, 1, 100)).toBe('{"s":[3,2]}');
    expect(store.readSvd(id, 0, 100)).toBeNull();
    const dir = path.join(ws, 'runs', id, 'svd');
    expect(walk(dir)).toEqual(['layer1_0000100.json', path.join('layer1_0000100', 'u0.png'), path.join('layer1_0000100', 'u1.png')]);
  });

  it('leaves no temp files behind', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    store.updateRun(id, { totalSteps: 10 });
    store.appendMetrics(id, evalRecord(5));
    store.writeBackwardInputs(id, [png(0)]);
    store.writeBackward(id, 5, [png(1)]);
    store.writeCheckpoint(id, 5, Buffer.from('{}'));
    store.writeSvd(id, 0, 5, '{}', [png(2)]);
    store.appendLog(id, 'done');
    store.finishRun(id, 'completed');
    const files = walk(ws);
    expect(files.filter((f) => /tmp/i.test(f))).toEqual([]);
    expect(files).toHaveLength(8);
  });
});

describe('interrupted runs', () => {
  const write = (ws: string, rec: RunRecord) => {
    fs.mkdirSync(path.join(ws, 'runs', rec.id), { recursive: true });
    fs.writeFileSync(runJson(ws, rec.id), JSON.stringify(rec));
  };

  it('reports a running run with a dead owner as interrupted without rewriting it', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const live = store.createRun(config({ name: 'live' }), extra);
    const dead = { ...live, id: live.id.replace('-live-', '-dead-'), name: 'dead', pid: deadPid() };
    const noPid = { ...live, id: live.id.replace('-live-', '-nopid-'), name: 'nopid', pid: undefined };
    const remote = { ...dead, id: live.id.replace('-live-', '-remote-'), host: `not-${os.hostname()}` };
    const done = { ...dead, id: live.id.replace('-live-', '-done-'), status: 'completed' as const };
    for (const r of [dead, noPid, remote, done]) write(ws, r);
    const onDisk = fs.readFileSync(runJson(ws, dead.id), 'utf8');

    expect(store.get(live.id).status).toBe('running');
    expect(store.get(dead.id).status).toBe('interrupted');
    expect(store.get(noPid.id).status).toBe('interrupted');
    expect(store.get(remote.id).status).toBe('running');
    expect(store.get(done.id).status).toBe('completed');
    expect(fs.readFileSync(runJson(ws, dead.id), 'utf8')).toBe(onDisk);

    const byId = new Map(store.list().runs.map((r) => [r.id, r.status]));
    expect(byId.get(dead.id)).toBe('interrupted');
    expect(byId.get(live.id)).toBe('running');

    expect(store.markInterrupted(dead.id).status).toBe('interrupted');
    expect(readJson(runJson(ws, dead.id)).status).toBe('interrupted');
    // a live run is left alone
    expect(store.markInterrupted(live.id).status).toBe('running');
    expect(readJson(runJson(ws, live.id)).status).toBe('running');
  });

  it('a writer killed between appending an evaluation and recording it: the interrupted run shows the evaluation on disk', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const run = store.createRun(config({ name: 'killed' }), extra);
    store.appendMetrics(run.id, evalRecord(10));
    // The append of step 20 landed; the process died before run.json took it.
    fs.appendFileSync(path.join(ws, 'runs', run.id, 'metrics.jsonl'), `${JSON.stringify(evalRecord(20))}\n`);
    write(ws, { ...readJson(runJson(ws, run.id)), pid: deadPid() } as RunRecord);
    expect(readJson(runJson(ws, run.id)).last?.step).toBe(10);
    expect(store.get(run.id)).toMatchObject({ status: 'interrupted', lastStep: 20, last: { step: 20 } });
    expect(store.list().runs.find((r) => r.id === run.id)?.last?.step).toBe(20);
    store.markInterrupted(run.id);
    expect(readJson(runJson(ws, run.id))).toMatchObject({ status: 'interrupted', lastStep: 20, last: { step: 20 } });
  });

  it('a pid reused by another process: the run reads interrupted and can be deleted; its real owner keeps it running', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const mine = store.createRun(config({ name: 'mine' }), extra);
    expect(mine.pidStart).toBe(processStartTime(process.pid));
    // Another live process stands in for the process that got the dead owner's pid.
    const other = spawn('sleep', ['30']);
    try {
      const otherStart = processStartTime(other.pid!);
      expect(otherStart).toMatch(/^.+:\d+$/);
      expect(otherStart).not.toBe(mine.pidStart);
      const reused = { ...mine, id: mine.id.replace('-mine-', '-reused-'), name: 'reused', pid: other.pid!, pidStart: `${otherStart}0` };
      const owner = { ...mine, id: mine.id.replace('-mine-', '-owner-'), name: 'owner', pid: other.pid!, pidStart: otherStart! };
      const legacy = { ...reused, id: mine.id.replace('-mine-', '-legacy-'), name: 'legacy', pidStart: undefined };
      const ownPidEarlier = { ...mine, id: mine.id.replace('-mine-', '-earlier-'), name: 'earlier', pidStart: `${mine.pidStart}0` };
      for (const r of [reused, owner, legacy, ownPidEarlier]) write(ws, r);
      expect(store.get(mine.id).status).toBe('running');
      expect(store.get(reused.id).status).toBe('interrupted');
      expect(store.get(ownPidEarlier.id).status).toBe('interrupted');
      expect(store.get(owner.id).status).toBe('running');
      expect(store.get(legacy.id).status).toBe('running'); // no start time recorded: the pid alone decides
      expect(() => store.delete(owner.id)).toThrow(`run "${owner.id}" is still running (pid ${other.pid}); cancel it before deleting`);
      store.delete(reused.id);
      store.delete(ownPidEarlier.id);
      expect(fs.existsSync(path.join(ws, 'runs', reused.id))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('process start times tell processes apart and stay the same for one process', () => {
    expect(processStartTime(process.pid)).toBe(processStartTime(process.pid));
    expect(processStartTime(deadPid())).toBeNull();
    expect(processStartTime(-1)).toBeNull();
  });

  it('lets the owner declare liveness through a hook', () => {
    const ws = tempWorkspace();
    const rec = new RunStore(ws).createRun(config(), extra);
    fs.writeFileSync(runJson(ws, rec.id), JSON.stringify({ ...rec, pid: deadPid() }));
    expect(new RunStore(ws).get(rec.id).status).toBe('interrupted');
    expect(new RunStore(ws, { isLive: (r) => r.id === rec.id }).get(rec.id).status).toBe('running');
  });
});

describe('list', () => {
  it('reports broken run folders as problems, skips them and never throws', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const a = store.createRun(config({ name: 'a' }), extra);
    const b = store.createRun(config({ name: 'b' }), extra);
    store.updateRun(a.id, { createdAt: '2020-01-01T00:00:00.000Z' });
    store.updateRun(b.id, { createdAt: '2030-01-01T00:00:00.000Z' });

    const runs = path.join(ws, 'runs');
    const ids = {
      corrupt: '20240101-000000-corrupt-0001',
      empty: '20240101-000000-empty-0002',
      shape: '20240101-000000-shape-0003',
      badConfig: '20240101-000000-badconfig-0004',
      otherId: '20240101-000000-other-0005',
    };
    for (const id of Object.values(ids)) fs.mkdirSync(path.join(runs, id));
    fs.writeFileSync(runJson(ws, ids.corrupt), fs.readFileSync(runJson(ws, a.id), 'utf8').slice(0, 100));
    const good = readJson(runJson(ws, a.id));
    fs.writeFileSync(runJson(ws, ids.shape), JSON.stringify({ ...good, id: ids.shape, lastStep: '12', status: 'bogus' }));
    fs.writeFileSync(runJson(ws, ids.badConfig), JSON.stringify({ ...good, id: ids.badConfig, config: { ...good.config, network: { layers: [] } } }));
    fs.writeFileSync(runJson(ws, ids.otherId), JSON.stringify(good));
    fs.mkdirSync(path.join(runs, 'not a run'));
    fs.writeFileSync(path.join(runs, '.DS_Store'), 'x');
    fs.writeFileSync(path.join(runs, 'stray.txt'), 'x');

    const res = store.list();
    expect(res.runs.map((r) => r.id)).toEqual([b.id, a.id]);
    const problems = new Map(res.problems.map((p) => [p.id, p.error]));
    expect([...problems.keys()].sort()).toEqual([...Object.values(ids), 'not a run'].sort());
    expect(problems.get(ids.corrupt)).toMatch(/not valid JSON/);
    expect(problems.get(ids.empty)).toMatch(/no run\.json/);
    expect(problems.get(ids.shape)).toMatch(/invalid: (lastStep|status)/);
    expect(problems.get(ids.badConfig)).toMatch(/invalid: config\.network\.layers/);
    expect(problems.get(ids.otherId)).toMatch(new RegExp(`belongs to run "${a.id}"`));

    // the same runs fail loudly when asked for directly
    expect(() => store.get(ids.corrupt)).toThrow(/not valid JSON/);
    expect(() => store.updateRun(ids.shape, { lastStep: 1 })).toThrow(/invalid/);
  });

  it('does not throw when runs/ is not a folder', () => {
    const ws = tempWorkspace();
    fs.writeFileSync(path.join(ws, 'runs'), 'oops');
    const res = new RunStore(ws).list();
    expect(res.runs).toEqual([]);
    expect(res.problems).toHaveLength(1);
  });
});

describe('ids', () => {
  const bad = ['../x', 'a/b', '', '..', 'a\\b', '20240101-000000-x-0001/../..', '20240101-000000-X-0001', '20240101-000000--abcd'];

  it('rejects ids that are not generated ids, before touching the disk', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    store.createRun(config(), extra);
    fs.mkdirSync(path.join(ws, 'x'));
    fs.writeFileSync(path.join(ws, 'x', 'run.json'), '{}');
    for (const id of bad) {
      expect(() => store.get(id), id).toThrow(InvalidRunIdError);
      expect(() => store.delete(id), id).toThrow(InvalidRunIdError);
      expect(() => store.updateRun(id, {}), id).toThrow(InvalidRunIdError);
      expect(() => store.appendLog(id, 'x'), id).toThrow(InvalidRunIdError);
      expect(() => store.readMetrics(id), id).toThrow(InvalidRunIdError);
      expect(() => store.backwardPath(id, 0, 0), id).toThrow(InvalidRunIdError);
      expect(() => store.writeCheckpoint(id, 0, Buffer.from('{}')), id).toThrow(InvalidRunIdError);
    }
    expect(() => store.get('../x')).toThrow('invalid run id "../x"');
    expect(fs.readFileSync(path.join(ws, 'x', 'run.json'), 'utf8')).toBe('{}');
    expect(fs.readdirSync(path.join(ws, 'runs'))).toHaveLength(1);
  });

  it('names the missing id and the workspace', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const id = '20240101-000000-nope-abcd';
    const message = `run "${id}" not found in ${ws}`;
    expect(() => store.get(id)).toThrow(message);
    expect(() => store.get(id)).toThrow(RunNotFoundError);
    expect(() => store.delete(id)).toThrow(message);
    expect(() => store.appendMetrics(id, evalRecord(0))).toThrow(message);
    expect(() => store.writeBackward(id, 0, [])).toThrow(message);
    expect(() => store.readSvd(id, 0, 0)).toThrow(message);
    expect(() => store.appendLog(id, 'x')).toThrow(message);
    expect(fs.existsSync(path.join(ws, 'runs'))).toBe(false);
  });
});

describe('delete', () => {
  it('removes only that run, including a broken one, but not a live one', () => {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const a = store.createRun(config({ name: 'a' }), extra);
    const b = store.createRun(config({ name: 'b' }), extra);
    store.appendMetrics(a.id, evalRecord(1));
    store.writeBackward(a.id, 1, [Buffer.from('x')]);

    expect(() => store.delete(a.id)).toThrow(/still running/);
    store.finishRun(a.id, 'completed');
    store.delete(a.id);
    expect(fs.existsSync(path.join(ws, 'runs', a.id))).toBe(false);
    expect(() => store.get(a.id)).toThrow(RunNotFoundError);
    expect(store.get(b.id).status).toBe('running');
    expect(fs.readdirSync(path.join(ws, 'runs'))).toEqual([b.id]);

    fs.writeFileSync(runJson(ws, b.id), '{broken');
    store.delete(b.id);
    expect(fs.readdirSync(path.join(ws, 'runs'))).toEqual([]);
    expect(fs.existsSync(ws)).toBe(true);

    const c = store.createRun(config({ name: 'c' }), extra);
    store.delete(c.id, { force: true });
    expect(store.list().runs).toEqual([]);
  });
});

describe('failed writes keep the previous run.json', () => {
  function setup() {
    const ws = tempWorkspace();
    const store = new RunStore(ws);
    const { id } = store.createRun(config(), extra);
    store.appendMetrics(id, evalRecord(7));
    const file = runJson(ws, id);
    return { ws, store, id, file, before: fs.readFileSync(file, 'utf8') };
  }
  const noTemp = (ws: string) => expect(walk(ws).filter((f) => f.includes('.tmp'))).toEqual([]);

  it('when the rename fails', () => {
    const { ws, store, id, file, before } = setup();
    vi.spyOn(fsMut, 'renameSync').mockImplementation(() => {
      throw Object.assign(new Error('EXDEV: simulated rename failure'), { code: 'EXDEV' });
    });
    syncBuiltinESMExports();
    expect(() => store.finishRun(id, 'completed')).toThrow(/simulated rename failure/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    noTemp(ws);
  });

  it('when the disk fills up mid-write', () => {
    const { ws, store, id, file, before } = setup();
    const real = fsMut.writeFileSync;
    vi.spyOn(fsMut, 'writeFileSync').mockImplementation((target, data, opts) => {
      // write half, as a full disk would, then fail
      const s = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString();
      real(target, s.slice(0, s.length >> 1), opts);
      throw Object.assign(new Error('ENOSPC: simulated full disk'), { code: 'ENOSPC' });
    });
    syncBuiltinESMExports();
    expect(() => store.rename(id, 'new name')).toThrow(/simulated full disk/);
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(store.get(id).name).toBe('My Run');
    noTemp(ws);
  });

  it.skipIf(process.getuid?.() === 0)('when the run folder is read-only', () => {
    const { store, id, file, before } = setup();
    fs.chmodSync(path.dirname(file), 0o555);
    try {
      expect(() => store.finishRun(id, 'completed')).toThrow(/EACCES|EPERM/);
    } finally {
      fs.chmodSync(path.dirname(file), 0o755);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('when a file sits where a folder must go (path collision)', () => {
    const { ws, store, id, file, before } = setup();
    const dir = path.dirname(file);
    fs.writeFileSync(path.join(dir, 'checkpoints'), 'not a folder');
    fs.mkdirSync(path.join(dir, 'backward'));
    fs.writeFileSync(path.join(dir, 'backward', '0000100'), 'not a folder');
    expect(() => store.writeCheckpoint(id, 100, Buffer.from('{}'))).toThrow(/EEXIST|ENOTDIR/);
    expect(() => store.writeBackward(id, 100, [Buffer.from('x')])).toThrow(/EEXIST|ENOTDIR/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(store.get(id)).toMatchObject({ checkpointSteps: [], backwardSteps: [] });
    noTemp(ws);
  });

  it('when the patch would make an invalid record', () => {
    const { store, id, file, before } = setup();
    expect(() => store.updateRun(id, { lastStep: -1 })).toThrow(/lastStep/);
    expect(() => store.updateRun(id, { config: { ...store.get(id).config, seed: 1.5 } })).toThrow(/seed/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});
