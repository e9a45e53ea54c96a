// Series helpers for the live charts: {x,y} points and EMA smoothing (log-safe
// values come with the chart definitions: electron/figures/chartSpecs.ts).

import type { ChartPoint } from '../../../electron/figures/chartSpecs';

export type Point = ChartPoint;

/** Exponential moving average: s_t = a*s_{t-1} + (1-a)*v_t; a = 0 leaves the data as it is. Nulls are kept and skipped. */
export function ema(points: Point[], a: number): Point[] {
  if (a <= 0) return points.map((p) => ({ x: p.x, y: p.y }));
  const out: Point[] = [];
  let s: number | null = null;
  for (const p of points) {
    if (p.y === null || !Number.isFinite(p.y)) {
      out.push({ x: p.x, y: null });
      continue;
    }
    s = s === null ? p.y : a * s + (1 - a) * p.y;
    out.push({ x: p.x, y: s });
  }
  return out;
}

/** Continues an EMA by one point given the previous smoothed value. */
export function emaNext(prev: number | null, y: number | null, a: number): number | null {
  if (y === null || !Number.isFinite(y)) return null;
  if (a <= 0 || prev === null) return y;
  return a * prev + (1 - a) * y;
}
