// How much the input-space singular vectors of a first-layer weight matrix look
// like the training data: the paper's qualitative claim made a number. All k
// vectors are searched, not only the leading ones: in the MNIST RR run the
// data-like vectors are the ones with the SMALLEST singular values (the reverse
// pass pulls them to ~1 while untouched directions keep ~1.3-1.5).

export interface AlignmentData {
  /** count x rows row-major, one flattened image per row. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface AlignmentOptions {
  /** Size of the subspaces compared in energyTopK / energyBestK; default: number of classes. */
  topK?: number;
  /**
   * The energy measures cost count·rows·k; above this many samples an evenly spaced
   * subset is used (class means always use all samples). Default 5000.
   */
  maxSamples?: number;
}

export interface ClassAlignment {
  label: number;
  /** Index (column of u) of the singular vector best aligned with this class's mean image; -1 if the mean is zero. */
  bestVector: number;
  /** |cos| between the class mean and that vector. */
  cosine: number;
}

export interface SvdAlignment {
  /** One entry per distinct label, ascending. */
  classMeans: ClassAlignment[];
  /** Data energy share captured by the topK vectors with the largest singular values. */
  energyTopK: number;
  /** Data energy share captured by the topK vectors that capture the most (sorted by perVector). */
  energyBestK: number;
  /** Per vector j: sum_i (x_i·u_j)² / sum_i ‖x_i‖²; orthonormal u make these sum to <= 1. */
  perVector: Float64Array;
  /** Vector indices by perVector, descending: for views that sort by alignment. */
  byAlignment: Int32Array;
  /** The topK actually used. */
  topK: number;
  /** Mean over classes of the best |cos|: the single number used to rank runs. */
  score: number;
  /** The class means themselves, rows values each, in the order of classMeans (to be shown beside the vectors). */
  means: Float64Array;
}

/**
 * Alignment of the k orthonormal input-space singular vectors (columns of u, rows x k,
 * ordered by descending singular value as thinSvd returns them) with a data set.
 */
export function svdAlignment(u: Float64Array, rows: number, k: number, data: AlignmentData, opts: AlignmentOptions = {}): SvdAlignment {
  const { images, labels, count } = data;
  if (!Number.isInteger(rows) || !Number.isInteger(k) || rows < 1 || k < 1 || k > rows || u.length !== rows * k) {
    throw new RangeError(`svdAlignment: u must be rows x k with 1 <= k <= rows, got ${u.length} values for ${rows} x ${k}`);
  }
  if (!Number.isInteger(count) || count < 1 || images.length < count * rows || labels.length < count) {
    throw new RangeError(`svdAlignment: need ${count} images of ${rows} values and ${count} labels`);
  }

  // Class means, over all samples.
  const classOf = new Map<number, number>();
  for (let i = 0; i < count; i++) if (!classOf.has(labels[i])) classOf.set(labels[i], 0);
  const classLabels = [...classOf.keys()].sort((a, b) => a - b);
  classLabels.forEach((lab, c) => classOf.set(lab, c));
  const nc = classLabels.length;
  const means = new Float64Array(nc * rows);
  const sizes = new Float64Array(nc);
  for (let i = 0; i < count; i++) {
    const c = classOf.get(labels[i])!;
    sizes[c]++;
    const mo = c * rows;
    const xo = i * rows;
    for (let r = 0; r < rows; r++) means[mo + r] += images[xo + r];
  }
  const classMeans: ClassAlignment[] = [];
  const proj = new Float64Array(k);
  for (let c = 0; c < nc; c++) {
    const mo = c * rows;
    let norm2 = 0;
    for (let r = 0; r < rows; r++) {
      means[mo + r] /= sizes[c];
      norm2 += means[mo + r] * means[mo + r];
    }
    project(means, mo, u, rows, k, proj);
    let best = -1;
    let cosine = 0;
    if (norm2 > 0) {
      const inv = 1 / Math.sqrt(norm2);
      for (let j = 0; j < k; j++) {
        const cj = Math.abs(proj[j]) * inv;
        if (best < 0 || cj > cosine) {
          best = j;
          cosine = cj;
        }
      }
    }
    classMeans.push({ label: classLabels[c], bestVector: best, cosine: Math.min(1, cosine) });
  }

  // Energy shares, over an evenly spaced subset if the data set is large.
  const maxSamples = opts.maxSamples ?? 5000;
  if (!Number.isInteger(maxSamples) || maxSamples < 1) throw new RangeError(`svdAlignment: maxSamples must be a positive integer`);
  const used = Math.min(count, maxSamples);
  const perVector = new Float64Array(k);
  let total = 0;
  for (let t = 0; t < used; t++) {
    const i = used === count ? t : Math.floor((t * count) / used);
    const xo = i * rows;
    for (let r = 0; r < rows; r++) total += images[xo + r] * images[xo + r];
    project(images, xo, u, rows, k, proj);
    for (let j = 0; j < k; j++) perVector[j] += proj[j] * proj[j];
  }
  if (total > 0) for (let j = 0; j < k; j++) perVector[j] /= total;

  const topK = Math.min(k, opts.topK ?? nc);
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`svdAlignment: topK must be a positive integer`);
  const byAlignment = Int32Array.from({ length: k }, (_, j) => j).sort((a, b) => perVector[b] - perVector[a] || a - b);
  let energyTopK = 0;
  let energyBestK = 0;
  for (let j = 0; j < topK; j++) {
    energyTopK += perVector[j];
    energyBestK += perVector[byAlignment[j]];
  }

  const score = classMeans.reduce((acc, c) => acc + c.cosine, 0) / nc;
  return { classMeans, energyTopK, energyBestK, perVector, byAlignment, topK, score, means };
}

/** out[j] = x·u_j for the row of x at offset xo; walks u by rows (contiguous). */
function project(x: ArrayLike<number>, xo: number, u: Float64Array, rows: number, k: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const xr = x[xo + r];
    if (xr === 0) continue; // images are mostly background
    const uo = r * k;
    for (let j = 0; j < k; j++) out[j] += xr * u[uo + j];
  }
}
