import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { divergingColour, divergingRgb, singularVectorPng, spectrumData } from '../../../electron/engine/svd/colormap';

describe('diverging colour map', () => {
  it('is light at zero, blue for negative, red for positive', () => {
    expect(divergingColour(0)).toEqual([0xf7, 0xf7, 0xf7]);
    const [rn, , bn] = divergingColour(-1);
    const [rp, , bp] = divergingColour(1);
    expect(bn).toBeGreaterThan(rn);
    expect(rp).toBeGreaterThan(bp);
    expect(divergingColour(-5)).toEqual(divergingColour(-1)); // clipped
    expect(divergingColour(NaN)).toEqual([0, 0, 0]);
  });

  it('gets darker monotonically away from zero on both sides', () => {
    const lum = (t: number) => divergingColour(t).reduce((a, b) => a + b, 0);
    for (let t = 0.05; t <= 1; t += 0.05) {
      expect(lum(t)).toBeLessThanOrEqual(lum(t - 0.05) + 1);
      expect(lum(-t)).toBeLessThanOrEqual(lum(-t + 0.05) + 1);
    }
  });

  it('scales each vector by its own max |value| unless absMax is given', () => {
    const a = divergingRgb([0.5, -0.25, 0]);
    const b = divergingRgb([50, -25, 0]);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a.slice(0, 3))).toEqual(divergingColour(1));
    const fixed = divergingRgb([0.5], 1);
    expect(Array.from(fixed)).toEqual(divergingColour(0.5));
    expect(Array.from(divergingRgb([0, 0]))).toEqual([0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7]);
    expect(() => divergingRgb([1], -1)).toThrow(RangeError);
  });
});

describe('singularVectorPng', () => {
  it('encodes a height x width RGB image of the vector', () => {
    const h = 3;
    const w = 4;
    const vec = Float64Array.from({ length: h * w }, (_, i) => (i === 1 ? 1 : i === 10 ? -1 : 0));
    const png = PNG.sync.read(singularVectorPng(vec, h, w));
    expect([png.width, png.height]).toEqual([w, h]);
    const px = (x: number, y: number) => Array.from(png.data.subarray(4 * (y * w + x), 4 * (y * w + x) + 3));
    expect(px(1, 0)).toEqual(divergingColour(1));
    expect(px(2, 2)).toEqual(divergingColour(-1));
    expect(px(0, 0)).toEqual(divergingColour(0));
  });

  it('upscales by pixel replication and checks sizes', () => {
    const vec = [1, -1, 0, 0.5];
    const png = PNG.sync.read(singularVectorPng(vec, 2, 2, { scale: 3 }));
    expect([png.width, png.height]).toEqual([6, 6]);
    const px = (x: number, y: number) => Array.from(png.data.subarray(4 * (y * 6 + x), 4 * (y * 6 + x) + 3));
    expect(px(2, 2)).toEqual(divergingColour(1));
    expect(px(3, 0)).toEqual(divergingColour(-1));
    expect(px(5, 5)).toEqual(divergingColour(0.5));
    expect(() => singularVectorPng(vec, 3, 2)).toThrow(RangeError);
    expect(() => singularVectorPng(vec, 2, 2, { scale: 0 })).toThrow(RangeError);
  });
});

describe('spectrumData', () => {
  it('gives relative values and cumulative energy', () => {
    const d = spectrumData([2, 1, 1]);
    expect(d.relative).toEqual([1, 0.5, 0.5]);
    expect(d.cumulativeEnergy).toEqual([4 / 6, 5 / 6, 1]);
    expect(spectrumData([0, 0]).relative).toEqual([0, 0]);
  });
});
