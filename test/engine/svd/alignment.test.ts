import { describe, expect, it } from 'vitest';
import { svdAlignment } from '../../../electron/engine/svd/alignment';
import { Rng } from '../../../electron/engine/util/rng';
import { randomOrthonormal } from './helpers';

/** count images, each sum_c coef·(column c of basis), labels alternating 0/1. */
function dataFrom(basis: Float64Array, rows: number, width: number, perClass: number[][], count: number, rng: Rng) {
  const images = new Float32Array(count * rows);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % perClass.length;
    labels[i] = label;
    for (const c of perClass[label]) {
      const a = 1 + rng.next(); // positive weights, so the class mean is along the span too
      for (let r = 0; r < rows; r++) images[i * rows + r] += a * basis[r * width + c];
    }
  }
  return { images, labels, count };
}

describe('svdAlignment', () => {
  const rows = 64;
  const rng = new Rng(21);
  const full = randomOrthonormal(rng, rows, 20); // columns 0..9 play U, 10..19 the outside
  const k = 10;
  const u = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) u[r * k + j] = full[r * 20 + j];

  it('data in the span of chosen vectors: energy 1 and cosine 1', () => {
    // Class 0 lies along u_7, class 1 along u_3: low-ranked by singular value, as in MNIST_RR.
    const data = dataFrom(full, rows, 20, [[7], [3]], 40, rng);
    const res = svdAlignment(u, rows, k, data);
    expect(res.topK).toBe(2);
    expect(res.classMeans.map((c) => c.label)).toEqual([0, 1]);
    expect(res.classMeans[0].bestVector).toBe(7);
    expect(res.classMeans[1].bestVector).toBe(3);
    for (const c of res.classMeans) expect(c.cosine).toBeCloseTo(1, 6);
    expect(res.score).toBeCloseTo(1, 6);
    expect(res.energyBestK).toBeCloseTo(1, 6);
    expect(res.energyTopK).toBeLessThan(1e-6); // u_0, u_1 see nothing
    expect(res.perVector[7] + res.perVector[3]).toBeCloseTo(1, 6);
    expect(Array.from(res.byAlignment.slice(0, 2)).sort()).toEqual([3, 7]);
    // A singular vector's sign is arbitrary: flipping one changes nothing.
    const flipped = u.map((x, i) => (i % k === 3 ? -x : x));
    const again = svdAlignment(flipped, rows, k, data);
    expect(again.classMeans).toEqual(res.classMeans.map((c) => expect.objectContaining({ label: c.label, bestVector: c.bestVector })));
    expect(again.score).toBeCloseTo(res.score, 12);
    expect(again.perVector[3]).toBeCloseTo(res.perVector[3], 12);
  });

  it('data orthogonal to all vectors: everything ~0', () => {
    const data = dataFrom(full, rows, 20, [[12, 15], [18]], 30, rng);
    const res = svdAlignment(u, rows, k, data);
    expect(res.score).toBeLessThan(1e-6);
    expect(res.energyTopK).toBeLessThan(1e-10);
    expect(res.energyBestK).toBeLessThan(1e-10);
    for (const x of res.perVector) expect(x).toBeLessThan(1e-10);
  });

  it('mixed data: shares add up and best-k beats top-k', () => {
    const data = dataFrom(full, rows, 20, [[0, 12], [9, 15], [4]], 60, rng);
    const res = svdAlignment(u, rows, k, data, { topK: 3 });
    const sum = res.perVector.reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThan(0.2);
    expect(sum).toBeLessThan(1);
    expect(res.energyBestK).toBeGreaterThanOrEqual(res.energyTopK);
    expect(res.classMeans[2]).toMatchObject({ label: 2, bestVector: 4 });
    expect(res.classMeans[2].cosine).toBeCloseTo(1, 6);
    expect(res.classMeans[0].cosine).toBeGreaterThan(0.4);
    expect(res.classMeans[0].cosine).toBeLessThan(0.95);
  });

  it('random orthonormal basis vs isotropic data: captured share ~ k/rows', () => {
    const r2 = new Rng(3);
    const dim = 100;
    const kk = 20;
    const basis = randomOrthonormal(r2, dim, kk);
    const count = 2000;
    const images = Float32Array.from({ length: count * dim }, () => r2.normal());
    const labels = Int32Array.from({ length: count }, (_, i) => i % 5);
    const res = svdAlignment(basis, dim, kk, { images, labels, count });
    const total = res.perVector.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0.17);
    expect(total).toBeLessThan(0.23);
    expect(res.topK).toBe(5);
    expect(res.energyTopK).toBeGreaterThan(0.03);
    expect(res.energyTopK).toBeLessThan(0.07);
    // Class means of noise are noise: best |cos| over 20 of 100 dims stays well below 1.
    expect(res.score).toBeLessThan(0.6);
  });

  it('a full basis captures all energy; subsampling keeps the estimate', () => {
    const r3 = new Rng(4);
    const dim = 30;
    const basis = randomOrthonormal(r3, dim, dim);
    const count = 500;
    const images = Float32Array.from({ length: count * dim }, () => r3.next() * 255);
    const labels = Int32Array.from({ length: count }, (_, i) => (i * 7) % 3);
    const res = svdAlignment(basis, dim, dim, { images, labels, count });
    expect(res.perVector.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const sub = svdAlignment(basis, dim, dim, { images, labels, count }, { maxSamples: 100 });
    expect(sub.perVector.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(sub.classMeans).toEqual(res.classMeans); // means always use every sample
  });

  it('rejects inconsistent sizes', () => {
    const data = { images: new Float32Array(rows * 2), labels: new Int32Array(2), count: 2 };
    expect(() => svdAlignment(u, rows, k + 1, data)).toThrow(RangeError);
    expect(() => svdAlignment(u, rows, k, { ...data, count: 3 })).toThrow(RangeError);
    expect(() => svdAlignment(u, rows, k, data, { topK: 0 })).toThrow(RangeError);
  });
});
