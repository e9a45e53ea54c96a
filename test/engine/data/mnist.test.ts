import { describe, expect, it } from 'vitest';
import { DataError } from '../../../electron/engine/data/dataset';
import { loadMnist, MNIST_PAIR } from '../../../electron/engine/data/mnist';
import { MnistDataSchema } from '../../../electron/engine/config/schema';

const PX = 784;
const ALL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('loadMnist', () => {
  it('loads all 60000/10000 images quickly, with the known per-digit counts', () => {
    const t = performance.now();
    const d = loadMnist({ digits: ALL });
    const ms = performance.now() - t;
    expect(ms).toBeLessThan(3000);
    expect(d.name).toBe('mnist');
    expect([d.height, d.width]).toEqual([28, 28]);
    expect(d.train.count).toBe(60000);
    expect(d.test.count).toBe(10000);
    expect(d.train.images.length).toBe(60000 * PX);
    const counts = new Array(10).fill(0);
    for (const l of d.train.labels) counts[l]++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const testCounts = new Array(10).fill(0);
    for (const l of d.test.labels) testCounts[l]++;
    expect(testCounts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    let lo = Infinity,
      hi = -Infinity,
      fractional = 0;
    for (const v of d.test.images) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      if (!Number.isInteger(v)) fractional++;
    }
    expect([lo, hi, fractional]).toEqual([0, 255, 0]);
  });

  it('loads the reference pair: digits 0 and 1, one train and one test image each, 10-way labels', () => {
    const source = MnistDataSchema.parse(MNIST_PAIR);
    const d = loadMnist(source);
    expect(d.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(Array.from(d.train.labels)).toEqual([0, 1]);
    expect(Array.from(d.test.labels)).toEqual([0, 1]);
    expect(d.train.images.length).toBe(2 * PX);
    expect(d.test.images.length).toBe(2 * PX);
  });

  it('returns plausible digits: the first 0 and 1 are centred strokes, the 0 with more ink and a hollow middle', () => {
    const d = loadMnist({ digits: [0, 1], trainPerClass: 1, testPerClass: 1 });
    const stats = (img: Float32Array) => {
      let sum = 0,
        on = 0,
        cy = 0,
        cx = 0;
      img.forEach((v, p) => {
        sum += v;
        if (v > 128) on++;
        cy += v * Math.floor(p / 28);
        cx += v * (p % 28);
      });
      return { mean: sum / PX, on, cy: cy / sum, cx: cx / sum };
    };
    for (const split of [d.train, d.test]) {
      const zero = stats(split.images.subarray(0, PX));
      const one = stats(split.images.subarray(PX, 2 * PX));
      for (const s of [zero, one]) {
        expect(s.mean).toBeGreaterThan(10);
        expect(s.mean).toBeLessThan(80);
        expect(s.on).toBeGreaterThan(25);
        expect(Math.abs(s.cy - 13.5)).toBeLessThan(3);
        expect(Math.abs(s.cx - 13.5)).toBeLessThan(3);
      }
      expect(zero.mean).toBeGreaterThan(one.mean);
      // A zero's centre pixel is background; a one's vertical stroke passes near it.
      const centre = (o: number) => split.images[o + 14 * 28 + 14];
      expect(centre(0)).toBeLessThan(64);
    }
  });

  it('selects the first N images of each digit, grouped in the requested digit order', () => {
    const all = loadMnist({ digits: ALL });
    const d = loadMnist({ digits: [7, 3], trainPerClass: 4, testPerClass: 2 });
    expect(Array.from(d.train.labels)).toEqual([7, 7, 7, 7, 3, 3, 3, 3]);
    expect(Array.from(d.test.labels)).toEqual([7, 7, 3, 3]);
    // Same images as the first 7s and 3s of the full file.
    const firstOf = (digit: number, n: number) => {
      const idx: number[] = [];
      for (let i = 0; idx.length < n; i++) if (all.train.labels[i] === digit) idx.push(i);
      return idx;
    };
    [...firstOf(7, 4), ...firstOf(3, 4)].forEach((src, k) => {
      expect(d.train.images.subarray(k * PX, (k + 1) * PX)).toEqual(all.train.images.subarray(src * PX, (src + 1) * PX));
    });
  });

  it('hands out independent copies of the cached data', () => {
    const a = loadMnist({ digits: [0], trainPerClass: 1, testPerClass: 1 });
    const before = a.train.images[14 * 28 + 10];
    a.train.images.fill(-1);
    const b = loadMnist({ digits: [0], trainPerClass: 1, testPerClass: 1 });
    expect(b.train.images[14 * 28 + 10]).toBe(before);
    expect(Math.min(...b.train.images)).toBe(0);
  });

  it('throws a clear DataError when a digit has fewer images than requested', () => {
    expect(() => loadMnist({ digits: [5], trainPerClass: 6000 })).toThrow(DataError);
    expect(() => loadMnist({ digits: [5], trainPerClass: 6000 })).toThrow(/digit 5 has only 5421 train images, 6000 requested/);
    expect(() => loadMnist({ digits: [0, 1], testPerClass: 1000 })).toThrow(/digit 0 has only 980 test images/);
  });

  it('rejects invalid digits', () => {
    expect(() => loadMnist({ digits: [] })).toThrow(DataError);
    expect(() => loadMnist({ digits: [10] })).toThrow(/0-9/);
    expect(() => loadMnist({ digits: [1, 1] })).toThrow(/repeat/);
  });
});
