// One number format for everything a person reads: the app's tables, tooltips,
// axis labels and config diffs, and the exported figures. PURE.

/** Compact number: `digits` significant digits, exponent for very small or large magnitudes (1.23e-5, 2.5e6). */
export function fmt(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a < 1e-3 || a >= 1e5) return trimExp(n.toExponential(Math.max(0, digits - 1)));
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(digits)));
}

/** Shortest form, as one would type it: 1e-6, 0.1, 0.003, 2.5e-5 (up to 4 significant digits). */
export function fmtShort(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  return fmtExact(Number(n.toPrecision(4)));
}

/** Every digit, in fmtShort's notation: 0.00001 and 1e-7 are 1e-5 and 1e-7 (config values, where rounding would hide a difference). */
export function fmtExact(n: number): string {
  if (!Number.isFinite(n)) return fmtShort(n);
  const a = Math.abs(n);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? n.toExponential().replace('e+', 'e') : String(n);
}

/** 1.230e-5 → 1.23e-5, 1.000e-5 → 1e-5, e+6 → e6. */
function trimExp(s: string): string {
  const [m, e] = s.split('e') as [string, string];
  const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
  return `${mant}e${e.replace('+', '')}`;
}
