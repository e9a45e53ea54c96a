// Statistics over seeds: mean, sample standard deviation, the 95% confidence
// interval of the mean (Student's t) and Welch's t-test between two groups.
import { tQuantile, twoSidedP } from './tdist';

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN for one value. */
  sd: number;
  /** Half-width of the 95% confidence interval of the mean; NaN for one value. */
  ci95: number;
}

export function summarize(xs: number[]): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, ci95: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: NaN, ci95: NaN };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { n, mean, sd, ci95: (tQuantile(0.95, n - 1) * sd) / Math.sqrt(n) };
}

export interface Welch {
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/** Welch's unequal-variances t-test of a against b; null with fewer than two values in either. */
export function welch(a: number[], b: number[]): Welch | null {
  const sa = summarize(a);
  const sb = summarize(b);
  if (sa.n < 2 || sb.n < 2) return null;
  const va = (sa.sd * sa.sd) / sa.n;
  const vb = (sb.sd * sb.sd) / sb.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    const same = sa.mean === sb.mean;
    return { t: same ? 0 : Math.sign(sa.mean - sb.mean) * Infinity, df: sa.n + sb.n - 2, p: same ? 1 : 0 };
  }
  const t = (sa.mean - sb.mean) / se;
  const df = (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1));
  return { t, df, p: twoSidedP(t, df) };
}
