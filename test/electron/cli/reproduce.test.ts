// `racecar reproduce`: the six reference runs end to end on the real engine,
// the reference file layout, and the paper's qualitative result: RR
// reconstructs the input better and its first-layer singular vectors align
// with the data better than Std's and Ort's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../electron/engine/store/runStore';
import { computeLayerSvd } from '../../../electron/engine/svd/runSvd';
import { racecarAsync, type CliResult } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('racecar-reproduce-');
const ws = path.join(dir, 'ws');
const out = path.join(dir, 'out');
let result: CliResult;

beforeAll(async () => {
  result = await racecarAsync(['reproduce', '--out', out, '--workspace', ws]);
}, 900_000);

function finalOf(name: string) {
  const store = new RunStore(ws);
  const run = store.list().runs.find((r) => r.name === name)!;
  const metrics = store.readMetrics(run.id);
  return { run, last: metrics[metrics.length - 1], metrics, svd: computeLayerSvd(store, run.id, 0) };
}

describe('racecar reproduce', () => {
  it('completes all six runs and prints a summary with the wall time', () => {
    expect(result.code, result.stderr).toBe(0);
    for (const id of ['MNIST_Std', 'MNIST_Ort', 'MNIST_RR', 'peak_Std', 'peak_Ort', 'peak_RR'])
      expect(result.stdout).toMatch(new RegExp(`^${id}\\s+completed`, 'm'));
    // Progress while it trains, not silence: the plan, then lines with runs done, steps and the time left.
    expect(result.stderr).toMatch(/^training 6 runs \(\d+ steps\)$/m);
    expect(result.stderr.match(/^\[[#.]+\] [0-5]\/6 runs done, \d+\/\d+ steps, ETA \S+$/gm)?.length).toBeGreaterThanOrEqual(5);
    const wall = /wall time ([\d.]+) s \(backend (\w+)\)/.exec(result.stdout);
    expect(wall).not.toBeNull();
    console.log(`racecar reproduce: ${wall![1]} s on ${wall![2]}`);
  });

  it('writes the reference file layout', () => {
    for (const [name, evals, step] of [
      ['MNIST_RR', 11, 1000],
      ['peak_RR', 51, 5000],
    ] as const) {
      const t = path.join(out, name, 'test_0000');
      for (const f of ['trainloss.txt', 'testaccuracy.txt', 'elapsedtime.txt']) {
        const lines = fs.readFileSync(path.join(t, f), 'utf8').trim().split('\n');
        expect(lines).toHaveLength(evals);
        lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^${i}\\t-?[\\d.e+-]+$`)));
      }
      const img = PNG.sync.read(fs.readFileSync(path.join(t, 'backwardtest_img', `test1_${String(evals - 1).padStart(4, '0')}.png`)));
      expect([img.width, img.height]).toEqual([28, 28]);
      const svdDir = path.join(out, `${name}_SVD_0000_${String(step).padStart(4, '0')}`);
      expect(fs.readdirSync(svdDir).sort()).toEqual(Array.from({ length: 10 }, (_, j) => `v_${String(j).padStart(4, '0')}.png`));
    }
  });

  it('peak: RR reconstructs the test inputs far better than Std', () => {
    const std = finalOf('peak_Std').last.testRecon[0];
    const rr = finalOf('peak_RR').last.testRecon[0];
    expect(rr).toBeLessThan(0.75 * std);
  });

  it("peak and MNIST: RR's first-layer singular vectors align with the data better than Std's and Ort's", () => {
    for (const d of ['peak', 'MNIST']) {
      const [std, ort, rr] = ['Std', 'Ort', 'RR'].map((r) => finalOf(`${d}_${r}`).svd.alignment!);
      expect(rr.score).toBeGreaterThan(std.score + 0.2);
      expect(rr.score).toBeGreaterThan(ort.score + 0.2);
      expect(rr.energyBestK).toBeGreaterThan(2 * Math.max(std.energyBestK, ort.energyBestK));
    }
  });

  it('peak: the class disks appear in the top RR singular vectors', () => {
    const { svd } = finalOf('peak_RR');
    // Each class mean's best-aligned vector is among the two largest singular values.
    for (const c of svd.alignment!.classMeans) expect(c.bestVector).toBeLessThan(2);
  });
});
