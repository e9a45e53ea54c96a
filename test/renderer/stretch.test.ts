// The Backward view's contrast stretch: darkest pixel to black, brightest to white.
import { describe, expect, it } from 'vitest';
import { stretchPixels } from '../../renderer/src/lib/stretch';

const grey = (...vs: number[]) => new Uint8ClampedArray(vs.flatMap((v) => [v, v, v, 255]));

describe('contrast stretch', () => {
  it('maps a nearly black image onto 0..255 and says what range it came from', () => {
    const px = grey(2, 3, 4, 6);
    expect(stretchPixels(px)).toEqual({ min: 2, max: 6 });
    expect([...px]).toEqual([...grey(0, 64, 128, 255)]);
  });

  it('leaves a flat image as it is', () => {
    const px = grey(7, 7);
    expect(stretchPixels(px)).toEqual({ min: 7, max: 7 });
    expect([...px]).toEqual([...grey(7, 7)]);
  });

  it('stretches a colour image with one map for R, G and B: its hues stay', () => {
    const px = new Uint8ClampedArray([10, 2, 2, 255, 2, 6, 2, 255]);
    expect(stretchPixels(px)).toEqual({ min: 2, max: 10 });
    expect([...px]).toEqual([255, 0, 0, 255, 0, 128, 0, 255]);
  });
});
