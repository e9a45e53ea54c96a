// The ticks of a logarithmic axis, for the app's charts and the exported
// figures alike. chart.js labels a log axis at 1, 2 and 5 times a power of ten
// only where they fall in the range, so a range inside one decade (a
// reconstruction error between 4000 and 9000) got one label or none. Here every
// log axis gets at least three labelled ticks wherever its range allows. PURE.
import { fmtShort } from './numberFormat';

/** At most this many ticks of whole decades (more would crowd the labels); beyond it every k-th decade. */
const MAX_DECADES = 7;

const inRange = (v: number, min: number, max: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);

/** Candidates m·10^e for the mantissas given, inside [min, max]. */
function multiples(min: number, max: number, mantissas: readonly number[]): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (inRange(v, min, max)) out.push(v);
    }
  }
  return out;
}

/** Evenly spaced round values inside [min, max] (a range narrower than one step of 1..9 per decade). */
function linearTicks(min: number, max: number): number[] {
  const raw = (max - min) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max * (1 + 1e-9); v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Tick values of a log axis over [min, max]: whole decades, else 1-2-5, else 1..9 per decade, else round linear steps; at least three where min < max. */
export function logTickValues(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) return [min];
  const decades = multiples(min, max, [1]);
  if (decades.length >= 3) {
    const every = Math.ceil(decades.length / MAX_DECADES);
    return decades.filter((_, i) => i % every === 0);
  }
  for (const ms of [
    [1, 2, 5],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  ]) {
    const t = multiples(min, max, ms);
    if (t.length >= 3) return t;
  }
  return linearTicks(min, max);
}

/** A log tick's label: every tick given is labelled, in the one number format. */
export const logTickLabel = (v: number | string): string => fmtShort(Number(v));

/** chart.js options of a log axis's ticks: our values (after chart.js has settled min and max), each labelled. */
export function logAxisTicks(): {
  afterBuildTicks: (axis: { min: number; max: number; ticks: { value: number }[] }) => void;
} {
  return { afterBuildTicks: (axis) => void (axis.ticks = logTickValues(axis.min, axis.max).map((value) => ({ value }))) };
}
