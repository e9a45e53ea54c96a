// The diverging colour map itself, PURE (no Node imports): the engine's PNGs,
// the figures and the app's canvases draw with these same colours.

/** matplotlib 'RdBu_r' control points (ColorBrewer RdBu, 11 classes, reversed), evenly spaced over [-1, 1]. */
const RDBU_R: ReadonlyArray<readonly [number, number, number]> = [
  [0x05, 0x30, 0x61],
  [0x21, 0x66, 0xac],
  [0x43, 0x93, 0xc3],
  [0x92, 0xc5, 0xde],
  [0xd1, 0xe5, 0xf0],
  [0xf7, 0xf7, 0xf7],
  [0xfd, 0xdb, 0xc7],
  [0xf4, 0xa5, 0x82],
  [0xd6, 0x60, 0x4d],
  [0xb2, 0x18, 0x2b],
  [0x67, 0x00, 0x1f],
];

/** Colour of t in [-1, 1] (clipped); non-finite t is black, which the map never produces. */
export function divergingColour(t: number): [number, number, number] {
  if (!Number.isFinite(t)) return [0, 0, 0];
  const x = ((Math.min(1, Math.max(-1, t)) + 1) / 2) * (RDBU_R.length - 1);
  const i = Math.min(RDBU_R.length - 2, Math.floor(x));
  const f = x - i;
  const a = RDBU_R[i];
  const b = RDBU_R[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/**
 * Interleaved RGB (3 bytes per value) of values / absMax through the diverging map.
 * absMax defaults to the largest finite |value|; an all-zero vector is all centre colour.
 */
export function divergingRgb(values: ArrayLike<number>, absMax?: number): Uint8Array {
  let scale = absMax;
  if (scale === undefined) {
    scale = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]);
      if (Number.isFinite(a) && a > scale) scale = a;
    }
  } else if (!(scale >= 0) || !Number.isFinite(scale)) {
    throw new RangeError(`divergingRgb: absMax must be a finite number >= 0, got ${absMax}`);
  }
  const inv = scale > 0 ? 1 / scale : 0;
  const rgb = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const c = divergingColour(Number.isFinite(v) ? v * inv : v);
    rgb[3 * i] = c[0];
    rgb[3 * i + 1] = c[1];
    rgb[3 * i + 2] = c[2];
  }
  return rgb;
}
