// Terminal progress: the time left for one run and for several, the training
// rate right after an evaluation, and the runs table.
import { describe, expect, it } from 'vitest';
import { ProgressPrinter, RunsProgress, duration, eta, runsTable } from '../../../electron/cli/format';
import { RunStore } from '../../../electron/engine/store/runStore';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import type { EvalRecord, TrainEvent } from '../../../electron/engine/types';
import { tempDir } from '../../helpers/tmp';
import { smallConfig } from '../../export/helpers';

class FakeOut {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

const rec = (step: number, stepsPerSec: number): EvalRecord => ({
  step,
  epoch: 0,
  elapsed: 0,
  stepsPerSec,
  loss: { total: 0.5, ce: 0.5, rr: [0], ort: 0 },
  trainAccuracy: 0.9,
  testAccuracy: 0.875,
  testRecon: [12],
});

describe('times', () => {
  it('duration and eta', () => {
    expect([duration(4.6), duration(65), duration(3600 + 120), duration(NaN)]).toEqual(['5s', '1m05s', '1h02m', '?']);
    expect(eta(0, 100, 5)).toBeNull();
    expect(eta(25, 100, 10)).toBe(30);
  });
});

describe('ProgressPrinter', () => {
  it('on a TTY: one redrawn line with the rate and the time left, the rate kept across evaluations', () => {
    const out = new FakeOut(true);
    let t = 1000;
    const p = new ProgressPrinter(out as unknown as NodeJS.WriteStream, '', () => t);
    p.handle({ type: 'started', runId: 'r', backend: 'wasm', totalSteps: 1000 });
    t += 10_000;
    p.handle({ type: 'progress', runId: 'r', step: 250, totalSteps: 1000, stepsPerSec: 25 });
    expect(out.text.split('\r').at(-1)).toBe('\x1b[K[########......................] 250/1000  25 steps/s  ETA 30s');
    p.handle({ type: 'evaluation', runId: 'r', record: rec(250, 24) });
    t += 10_000;
    // Right after an evaluation no step has been timed: the last rate stays on screen, not 0.
    p.handle({ type: 'progress', runId: 'r', step: 500, totalSteps: 1000, stepsPerSec: 0 });
    expect(out.text.split('\r').at(-1)).toBe('\x1b[K[###############...............] 500/1000  24 steps/s  ETA 20s  loss 0.5000  acc 0.875');
  });

  it('elsewhere: one line per evaluation with the time left', () => {
    const out = new FakeOut(false);
    let t = 0;
    const p = new ProgressPrinter(out as unknown as NodeJS.WriteStream, '', () => t);
    p.handle({ type: 'started', runId: 'r', backend: 'wasm', totalSteps: 300 });
    p.handle({ type: 'evaluation', runId: 'r', record: rec(0, 0) });
    t = 20_000;
    p.handle({ type: 'evaluation', runId: 'r', record: rec(100, 5) });
    t = 60_000;
    p.handle({ type: 'evaluation', runId: 'r', record: rec(300, 5) });
    expect(out.text.split('\n')).toEqual([
      'run r on wasm, 300 steps',
      'step 0  loss 0.5000  test acc 0.875  recon 12.0000',
      'step 100  loss 0.5000  test acc 0.875  recon 12.0000  ETA 40s',
      'step 300  loss 0.5000  test acc 0.875  recon 12.0000',
      '',
    ]);
  });

  it('the trainer reports a rate on every progress event, also right after an evaluation', async () => {
    const events: TrainEvent[] = [];
    const cfg = smallConfig('rate');
    await trainToEnd(cfg, { store: new RunStore(tempDir()), progressEveryMs: 0 }, (e) => events.push(e));
    const progress = events.filter((e): e is Extract<TrainEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress).toHaveLength(40);
    for (const e of progress) expect(e.stepsPerSec, `step ${e.step}`).toBeGreaterThan(0);
  });
});

describe('RunsProgress', () => {
  const runs = [
    { id: 'a', totalSteps: 100 },
    { id: 'b', totalSteps: 300 },
  ];
  const progress = (id: string, step: number, totalSteps: number): TrainEvent => ({ type: 'progress', runId: id, step, totalSteps, stepsPerSec: 1 });

  it('elsewhere: a line at each tenth of all steps and per finished run, with runs done and the time left', () => {
    const out = new FakeOut(false);
    let t = 0;
    const p = new RunsProgress(runs, out as unknown as NodeJS.WriteStream, () => t);
    t = 5000;
    p.handle('a', progress('a', 20, 100)); // 20 of 400: under a tenth
    expect(out.text).toBe('');
    p.handle('b', progress('b', 30, 300)); // 50 of 400
    expect(out.text).toBe('[###.....................] 0/2 runs done, 50/400 steps, ETA 35s\n');
    t = 10_000;
    p.handle('a', { type: 'finished', runId: 'a', status: 'completed' });
    expect(out.text.split('\n').at(-2)).toBe('[########................] 1/2 runs done, 130/400 steps, ETA 21s');
  });

  it('on a TTY: one redrawn line, at most every 200 ms', () => {
    const out = new FakeOut(true);
    let t = 0;
    const p = new RunsProgress(runs, out as unknown as NodeJS.WriteStream, () => t);
    t = 1000;
    p.handle('a', progress('a', 10, 100));
    t = 1100;
    p.handle('a', progress('a', 20, 100));
    expect(out.text).toBe('\r\x1b[K[#.......................] 0/2 runs done, 10/400 steps, ETA 39s');
    t = 1300;
    p.handle('b', progress('b', 80, 300));
    expect(out.text.split('\r').at(-1)).toBe('\x1b[K[######..................] 0/2 runs done, 100/400 steps, ETA 4s');
    p.end();
    expect(out.text.endsWith('\n')).toBe(true);
  });
});

describe('runsTable', () => {
  it('has a name column (long names shortened)', async () => {
    const store = new RunStore(tempDir());
    const run = await trainToEnd({ ...smallConfig('a rather long run name for the table'), training: { ...smallConfig('x').training, steps: 2 } }, { store });
    const lines = runsTable([{ run, last: null }]).split('\n');
    expect(lines[0]).toMatch(/^id {2,}name {2,}status {2,}data/);
    expect(lines[2]).toMatch(new RegExp(`^${run.id}  a rather long run name… +completed +peak `));
  });
});
