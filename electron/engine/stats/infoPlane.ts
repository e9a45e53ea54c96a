// Information planes (Shwartz-Ziv & Tishby 2017): I(X;T) and I(T;Y) of a
// layer's activations T, estimated by binning. Each unit's value is put in one
// of `bins` equal-width bins spanning the layer's range over the sample; a
// sample's binned vector is a discrete symbol. T is a deterministic function
// of X, and the sample's inputs are distinct, so H(T|X) = 0 and
// I(X;T) = H(T); I(T;Y) = H(T) − H(T|Y). In bits.
//
// Limits, stated where the numbers are shown: the estimate depends on the bin
// count; I(X;T) cannot exceed log2(n) for n samples (a fine binning of any
// layer that keeps the inputs apart saturates there) and I(T;Y) cannot exceed
// H(Y); binning is not a consistent estimator of the mutual information of
// continuous variables (it measures how the layer groups the sample at that
// resolution), so compare runs at the same bins and sample size.

export interface InfoPoint {
  /** I(X;T) in bits. */
  ixt: number;
  /** I(T;Y) in bits. */
  ity: number;
}

const entropy = (counts: Iterable<number>, n: number): number => {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log2(c / n);
  return h;
};

/** The binned symbol of each row of `t` (rows x units, row-major). */
export function binRows(t: Float32Array | Float64Array, rows: number, bins: number): string[] {
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`bins must be a whole number of at least 2 (got ${bins})`);
  const units = rows ? t.length / rows : 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out: string[] = new Array<string>(rows);
  const cells = new Int32Array(units);
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < units; u++) cells[u] = Math.min(bins - 1, Math.floor((t[r * units + u] - lo) / width));
    out[r] = cells.join(',');
  }
  return out;
}

/** I(X;T) and I(T;Y) of activations `t` (rows x units) with labels, by binning. */
export function infoPoint(t: Float32Array | Float64Array, labels: ArrayLike<number>, bins: number): InfoPoint {
  const n = labels.length;
  if (n === 0) return { ixt: NaN, ity: NaN };
  const symbols = binRows(t, n, bins);
  const count = <K>(keys: K[]) => {
    const m = new Map<K, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
  };
  const hT = entropy(count(symbols).values(), n);
  // H(T|Y) = Σ_y p(y) H(T | Y = y)
  const byLabel = new Map<number, string[]>();
  symbols.forEach((s, i) => {
    const y = labels[i];
    const list = byLabel.get(y);
    if (list) list.push(s);
    else byLabel.set(y, [s]);
  });
  let hTgivenY = 0;
  for (const list of byLabel.values()) hTgivenY += (list.length / n) * entropy(count(list).values(), list.length);
  return { ixt: hT, ity: hT - hTgivenY };
}
