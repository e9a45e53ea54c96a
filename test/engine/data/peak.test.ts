import { describe, expect, it } from 'vitest';
import { DataError, type Dataset } from '../../../electron/engine/data/dataset';
import { generatePeak } from '../../../electron/engine/data/peak';
import { readGreyPng } from '../../../electron/engine/data/readPng';

const REF = '/work/shared/reference/peak';
const PX = 28 * 28;
// Reference disk boxes [row0, row1, col0, col1): rows 5-10 / cols 4-9 and rows 19-24 / cols 19-24.
const BOX = [
  [5, 11, 4, 10],
  [19, 25, 19, 25],
] as const;

const refImage = (c: number, i: number) => readGreyPng(`${REF}/${c}/${i}.png`).data;
const refTrain = [0, 1].map((c) => Array.from({ length: 50 }, (_, i) => refImage(c, i)));

function mean(images: Float32Array[]): Float64Array {
  const m = new Float64Array(images[0].length);
  for (const img of images) for (let p = 0; p < m.length; p++) m[p] += img[p] / images.length;
  return m;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i] / a.length;
    mb += b[i] / b.length;
  }
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Intensity-weighted centre (row, col) of the disk: the class mean inside its box grown by 2 px. */
function diskCentre(m: ArrayLike<number>, c: number): [number, number] {
  const [r0, r1, c0, c1] = BOX[c];
  let w = 0,
    r = 0,
    k = 0;
  for (let y = r0 - 2; y < r1 + 2; y++)
    for (let x = c0 - 2; x < c1 + 2; x++) {
      const v = m[y * 28 + x];
      w += v;
      r += v * y;
      k += v * x;
    }
  return [r / w, k / w];
}

const classImages = (d: Dataset, split: 'train' | 'test', c: number) => {
  const s = d[split];
  const out: Float32Array[] = [];
  for (let i = 0; i < s.count; i++) if (s.labels[i] === c) out.push(s.images.subarray(i * PX, (i + 1) * PX));
  return out;
};

/** Stroke ink per image (sum/255 outside the disk box grown by 1 px). */
function strokeInk(img: Float32Array, c: number): number {
  const [r0, r1, c0, c1] = BOX[c];
  let s = 0;
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      if (y >= r0 - 1 && y < r1 + 1 && x >= c0 - 1 && x < c1 + 1) continue;
      s += img[y * 28 + x] / 255;
    }
  return s;
}

describe('generatePeak', () => {
  const d = generatePeak({ trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 });

  it('has the reference layout: 28x28, classes 0 then 1', () => {
    expect(d.name).toBe('peak');
    expect(d.classNames).toEqual(['0', '1']);
    expect([d.height, d.width]).toEqual([28, 28]);
    expect(d.train.count).toBe(100);
    expect(d.test.count).toBe(10);
    expect(Array.from(d.train.labels)).toEqual([...Array(50).fill(0), ...Array(50).fill(1)]);
    expect(Array.from(d.test.labels)).toEqual([...Array(5).fill(0), ...Array(5).fill(1)]);
  });

  it.each([0, 1, 2])('class means correlate > 0.9 with the reference and put the disk within 1 px of it (seed %i)', (seed) => {
    const g = seed === 0 ? d : generatePeak({ trainPerClass: 50, testPerClass: 5, size: 28, seed });
    for (const c of [0, 1]) {
      const ref = mean(refTrain[c]);
      const gen = mean(classImages(g, 'train', c));
      expect(pearson(ref, gen)).toBeGreaterThan(0.9);
      const [ry, rx] = diskCentre(ref, c);
      const [gy, gx] = diskCentre(gen, c);
      expect(Math.hypot(ry - gy, rx - gx)).toBeLessThan(1);
    }
  });

  it('draws the disk like the reference and never lets the stroke cover it', () => {
    for (const c of [0, 1]) {
      const [r0, r1, c0, c1] = BOX[c];
      const ref = refImage(c, 0);
      let worst = 0;
      for (const img of [...classImages(d, 'train', c), ...classImages(d, 'test', c)]) {
        for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) worst = Math.max(worst, Math.abs(img[y * 28 + x] - ref[y * 28 + x]));
      }
      expect(worst).toBeLessThanOrEqual(12);
    }
  });

  it('adds one stroke per image with reference-like ink and brightness', () => {
    const stats = (imgs: Float32Array[], c: number) => {
      const ink = imgs.map((im) => strokeInk(im, c));
      const max = imgs.map((im) => Math.max(...Array.from(im).filter((_, p) => strokeInkMask(p, c))));
      return { ink, meanInk: ink.reduce((a, b) => a + b) / ink.length, meanMax: max.reduce((a, b) => a + b) / max.length };
    };
    const strokeInkMask = (p: number, c: number) => {
      const [r0, r1, c0, c1] = BOX[c];
      const y = Math.floor(p / 28),
        x = p % 28;
      return !(y >= r0 - 1 && y < r1 + 1 && x >= c0 - 1 && x < c1 + 1);
    };
    const big = generatePeak({ trainPerClass: 200, testPerClass: 1, size: 28, seed: 11 });
    for (const c of [0, 1]) {
      const ref = stats(refTrain[c], c);
      const gen = stats(classImages(big, 'train', c), c);
      expect(Math.min(...gen.ink)).toBeGreaterThan(10);
      expect(gen.meanInk / ref.meanInk).toBeGreaterThan(0.8);
      expect(gen.meanInk / ref.meanInk).toBeLessThan(1.25);
      expect(Math.abs(gen.meanMax - ref.meanMax)).toBeLessThan(20);
    }
  });

  it('stores whole grey values 0..255', () => {
    const bad = [...d.train.images, ...d.test.images].filter((v) => !(Number.isInteger(v) && v >= 0 && v <= 255));
    expect(bad).toEqual([]);
  });

  it('is deterministic for a seed and differs for another', () => {
    const again = generatePeak({ trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 });
    expect(again.train.images).toEqual(d.train.images);
    expect(again.test.images).toEqual(d.test.images);
    const other = generatePeak({ trainPerClass: 50, testPerClass: 5, size: 28, seed: 1 });
    let differing = 0;
    for (let i = 0; i < 100; i++) {
      const a = d.train.images.subarray(i * PX, (i + 1) * PX),
        b = other.train.images.subarray(i * PX, (i + 1) * PX);
      if (a.some((v, p) => v !== b[p])) differing++;
    }
    expect(differing).toBe(100);
  });

  it('keeps the training images when only the test count changes', () => {
    const more = generatePeak({ trainPerClass: 50, testPerClass: 9, size: 28, seed: 0 });
    expect(more.train.images).toEqual(d.train.images);
    expect(more.test.count).toBe(18);
  });

  it('honours counts and size, scaling the disk positions', () => {
    const g = generatePeak({ trainPerClass: 7, testPerClass: 3, size: 56, seed: 4 });
    expect([g.height, g.width, g.train.count, g.test.count]).toEqual([56, 56, 14, 6]);
    expect(g.train.images.length).toBe(14 * 56 * 56);
    expect(g.test.images.length).toBe(6 * 56 * 56);
    expect(g.train.labels.filter((l) => l === 1).length).toBe(7);
    // Disk centres scale from (row 7.5, col 6.5) and (21.5, 21.5) at 28 px: pixel centres at 2x the continuous position.
    for (const [c, y, x] of [
      [0, 15.5, 13.5],
      [1, 43.5, 43.5],
    ] as const) {
      const first = g.train.images.subarray(c * 7 * 56 * 56, (c * 7 + 1) * 56 * 56);
      expect(first[Math.floor(y) * 56 + Math.floor(x)]).toBe(255);
      expect(first[Math.ceil(y) * 56 + Math.ceil(x)]).toBe(255);
    }
  });

  it('refuses a data set larger than the bound before generating it, with the numbers', () => {
    // Generating two million images would take minutes and gigabytes: the check comes first.
    expect(() => generatePeak({ trainPerClass: 1_000_000, testPerClass: 5, size: 28, seed: 0 })).toThrow(
      'peak data: 2000010 images of 784 pixels are 1568 million pixels, more than the 268 million pixels a data set may hold: lower trainPerClass or testPerClass',
    );
  });

  it('rejects bad options with a DataError', () => {
    expect(() => generatePeak({ trainPerClass: 0, testPerClass: 5, size: 28, seed: 0 })).toThrow(DataError);
    expect(() => generatePeak({ trainPerClass: 5, testPerClass: 5, size: 8, seed: 0 })).toThrow(/size/);
  });
});
