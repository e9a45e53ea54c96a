// SVD of a run's layer at a checkpoint, with its alignment to the run's test
// data. Results are cached in the run folder (JSON + vector images) when it
// can be written: a read-only workspace or a full disk only costs the cache,
// and a cache file that does not read back is recomputed.
import { z } from 'zod';
import { parseCheckpoint } from '../model/checkpoint';
import { loadDataset } from '../data/load';
import { DataError, imageShape, scaleImages } from '../data/dataset';
import { decodeTestSet } from '../data/storedTestSet';
import type { RunStore } from '../store/runStore';
import type { RunRecord } from '../types';
import { thinSvd } from './svd';
import { svdAlignment, type AlignmentData } from './alignment';
import { singularVectorPng } from './colormap';
import { filterImage, imagePatches, layerWeightMatrix, type WeightMatrix } from './kernelMatrix';
import { encodeGreyPng } from '../util/png';
import { errorMessage } from '../util/errorMessage';

/** Vector images kept per layer: all of them for usual widths (data-like vectors may have the smallest singular values), bounded for very wide layers. */
export const MAX_VECTOR_IMAGES = 1024;

/** How the input-space singular vectors align with the run's test data (first layer only). */
export interface SvdAlignment {
  /** Share of the test data's energy captured by each input-space vector. */
  perVector: number[];
  energyTopK: number;
  energyBestK: number;
  k: number;
  /** meanImage: the class's test-set mean as a grey PNG (data: URL) on its own range, when the layer's input is an image. */
  classMeans: { label: number; bestVector: number; cosine: number; meanImage?: string }[];
  score: number;
}

export interface LayerSvd {
  runId: string;
  layer: number;
  step: number;
  rows: number;
  cols: number;
  image: { height: number; width: number } | null;
  s: number[];
  alignment: SvdAlignment | null;
  /** Input-space singular vectors as PNGs (first-layer only: they are images), in singular-value order. */
  vectorPngs: Buffer[];
}

export interface SvdNote {
  /** not-cached: the result could not be written; cache-invalid: a cached result did not read back and was recomputed; no-alignment: the test data is unavailable. */
  kind: 'not-cached' | 'cache-invalid' | 'no-alignment';
  message: string;
}

export interface SvdOptions {
  /** Told what went without the cache or the data; the result is returned all the same. */
  onNote?: (note: SvdNote) => void;
}

const CachedSchema = z.object({
  runId: z.string(),
  layer: z.number().int().min(0),
  step: z.number().int().min(0),
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
  image: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }).nullable(),
  s: z.array(z.number()),
  alignment: z
    .object({
      perVector: z.array(z.number()),
      energyTopK: z.number(),
      energyBestK: z.number(),
      k: z.number().int(),
      classMeans: z.array(z.object({ label: z.number().int(), bestVector: z.number().int(), cosine: z.number(), meanImage: z.string().optional() })),
      score: z.number(),
    })
    .nullable(),
});

/** A class mean as a small grey image, darkest value black and brightest white (a mean's own range: it is compared by shape). */
function meanImage(mean: Float64Array, image: { height: number; width: number }): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of mean) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return `data:image/png;base64,${encodeGreyPng(mean, image.width, image.height, lo, hi).toString('base64')}`;
}

const msg = (e: unknown) => errorMessage(e).split('\n')[0];

/** The cached result, or null when there is none or it does not read back whole (then it is recomputed). */
function readCached(store: RunStore, runId: string, layer: number, at: number, readImages: boolean, note: (n: SvdNote) => void): LayerSvd | null {
  let text: string | null;
  try {
    text = store.readSvd(runId, layer, at);
  } catch (e) {
    note({ kind: 'cache-invalid', message: `the cached SVD cannot be read (${msg(e)}): recomputed` });
    return null;
  }
  if (text === null) return null;
  try {
    const c = CachedSchema.parse(JSON.parse(text));
    if (c.runId !== runId || c.layer !== layer || c.step !== at || c.s.length !== Math.min(c.rows, c.cols))
      throw new Error('it belongs to another layer or step');
    const n = c.image ? Math.min(MAX_VECTOR_IMAGES, c.s.length) : 0;
    // The JSON is written after the images, so a complete cache has them all.
    const vectorPngs = Array.from({ length: n }, (_, j) => {
      if (readImages) return store.readSvdImage(runId, layer, at, j);
      if (!store.hasSvdImage(runId, layer, at, j)) throw new Error(`vector image ${j} is missing`);
      return Buffer.alloc(0);
    });
    return { ...c, vectorPngs };
  } catch (e) {
    note({ kind: 'cache-invalid', message: `the cached SVD of layer ${layer} at step ${at} is damaged (${msg(e)}): recomputed` });
    return null;
  }
}

/**
 * The run's test images for the alignment: those kept with the run (image
 * folders), else the data source loaded again; or why there are none.
 */
function alignmentData(store: RunStore, run: RunRecord, m: WeightMatrix): { data: AlignmentData } | { why: string } {
  const scale = run.config.data.scale;
  const source = run.config.data.source;
  const first = run.config.network.layers[0];
  const values = m.kernel ? null : m.rows;
  /** The test images as the alignment's data: whole images for a dense layer, the kernel's patches for a conv layer. */
  const use = (t: { images: Float32Array; labels: Int32Array; count: number }, shape: [number, number, number], what: string) => {
    const [c, h, w] = shape;
    if (values !== null && c * h * w !== values)
      return { why: `${what} holds ${c === 1 ? '' : `${c}x`}${h}x${w} images, but the run's first layer takes ${values} inputs` };
    if (m.kernel && c !== m.kernel.channels) return { why: `${what} holds ${c}-channel images, but the run's first layer takes ${m.kernel.channels}` };
    const images = scaleImages(t.images, scale);
    if (!m.kernel || first.type !== 'conv') return { data: { ...t, images } };
    return { data: imagePatches(images, t.labels, t.count, shape, { size: m.kernel.size, stride: first.stride, padding: first.padding }) };
  };
  let stored = '';
  if (source.kind === 'folder') {
    try {
      const text = store.readTestSet(run.id);
      if (text !== null) {
        const t = decodeTestSet(text);
        const r = use(t.test, imageShape(t), "the run's stored test set");
        if ('data' in r) return r;
        stored = `${r.why}; `;
      }
    } catch (e) {
      stored = `${msg(e)}; `;
    }
  }
  try {
    const d = loadDataset(source);
    const r = use(d.test, imageShape(d), 'the data set');
    return 'data' in r ? r : { why: `${stored}${r.why}` };
  } catch (e) {
    if (e instanceof DataError) return { why: `${stored}${e.message}` };
    throw e;
  }
}

/** How a layer's input-space singular vectors are drawn: filters for kernels, images for a dense first layer on grey images, else not at all. */
function vectorLayout(
  run: RunRecord,
  layer: number,
  m: WeightMatrix,
): { image: { height: number; width: number } | null; toImage: (v: ArrayLike<number>) => ArrayLike<number> } {
  if (m.kernel) {
    const { size, channels } = m.kernel;
    return { image: { height: size, width: channels * size }, toImage: (v) => filterImage(v, size, channels) };
  }
  const info = run.dataInfo;
  const grey = info && (info.channels ?? 1) === 1 && info.height * info.width === m.rows;
  return { image: layer === 0 && grey ? { height: info.height, width: info.width } : null, toImage: (v) => v };
}

/**
 * A layer's SVD without its vector images, which stay files in the run folder
 * (the UI loads them by URL); when they could not be kept as files (a
 * read-only workspace, a full disk), `inlineVectors` holds them as data URLs.
 */
export type LayerSvdMeta = Omit<LayerSvd, 'vectorPngs'> & { vectorCount: number; inlineVectors?: string[] };

/** The layer's SVD (computed and cached when missing), reading none of its cached vector images back. */
export function layerSvdMeta(store: RunStore, runId: string, layer: number, step?: number, opts: SvdOptions = {}): LayerSvdMeta {
  const { result, files } = layerSvd(store, runId, layer, step, false, opts);
  const { vectorPngs, ...meta } = result;
  return {
    ...meta,
    vectorCount: vectorPngs.length,
    ...(files ? {} : { inlineVectors: vectorPngs.map((p) => `data:image/png;base64,${p.toString('base64')}`) }),
  };
}

export function computeLayerSvd(store: RunStore, runId: string, layer: number, step?: number, opts: SvdOptions = {}): LayerSvd {
  return layerSvd(store, runId, layer, step, true, opts).result;
}

/**
 * With readImages false, a cached result's vectorPngs are empty buffers (only
 * their number is known). `files`: whether the vector images are files in the
 * run folder (a cache hit, or a result just cached).
 */
function layerSvd(
  store: RunStore,
  runId: string,
  layer: number,
  step: number | undefined,
  readImages: boolean,
  opts: SvdOptions,
): { result: LayerSvd; files: boolean } {
  const note = opts.onNote ?? (() => {});
  const run = store.get(runId);
  const layers = run.config.network.layers.length;
  if (layer >= layers) throw new Error(`layer ${layer + 1}: run "${runId}" has layers 1..${layers} (numbered from 1, as in the app)`);
  const at = step ?? store.latestCheckpointStep(runId);
  if (at === null) {
    if (run.status === 'running' || run.status === 'queued') throw new Error(`run "${runId}" has no checkpoint yet: wait for its first checkpoint`);
    throw new Error(
      `run "${runId}" has no checkpoint: it ended (${run.status}) before its first one (training.checkpointEvery is ${run.config.training.checkpointEvery})`,
    );
  }
  if (step !== undefined && !run.checkpointSteps.includes(step)) {
    throw new Error(`step ${step}: run "${runId}" has checkpoints at steps ${run.checkpointSteps.join(', ') || 'none'}`);
  }
  const cached = readCached(store, runId, layer, at, readImages, note);
  if (cached) return { result: cached, files: true };

  const ck = parseCheckpoint(store.readCheckpoint(runId, at));
  const m = layerWeightMatrix(run.config.network.layers[layer], ck.params[layer], layer);
  const { data: w, rows, cols } = m;
  if (!w.every(Number.isFinite)) {
    // Only runs trained before divergence stopped a run can have such a checkpoint.
    const earlier = run.checkpointSteps.filter((x) => x < at);
    throw new Error(
      `step ${at}: run "${runId}" has non-finite weights at this checkpoint (it diverged): ${earlier.length ? `choose an earlier checkpoint (${earlier.join(', ')})` : 'it has no earlier checkpoint'}`,
    );
  }
  const { s, u } = thinSvd(w, rows, cols);
  const k = s.length;
  const { image, toImage } = vectorLayout(run, layer, m);
  let alignment: SvdAlignment | null = null;
  let complete = true;
  if (layer === 0) {
    const d = alignmentData(store, run, m);
    if ('why' in d) {
      complete = false; // computed again once the data is back
      note({ kind: 'no-alignment', message: `alignment with the test data left out: ${d.why}` });
    } else {
      // k = classes present (the MNIST pair has 2 of 10 possible labels).
      const topK = Math.min(k, new Set(d.data.labels).size);
      const a = svdAlignment(u, rows, k, d.data, { topK });
      alignment = {
        perVector: Array.from(a.perVector),
        energyTopK: a.energyTopK,
        energyBestK: a.energyBestK,
        k: topK,
        classMeans: a.classMeans.map((c, i) => ({
          ...c,
          ...(image ? { meanImage: meanImage(Float64Array.from(toImage(a.means.subarray(i * rows, (i + 1) * rows))), image) } : {}),
        })),
        score: a.score,
      };
    }
  }
  const vectorPngs = image
    ? Array.from({ length: Math.min(MAX_VECTOR_IMAGES, k) }, (_, j) => {
        const vec = new Float64Array(rows);
        for (let i = 0; i < rows; i++) vec[i] = u[i * k + j];
        return singularVectorPng(Float64Array.from(toImage(vec)), image.height, image.width);
      })
    : [];
  const result: LayerSvd = { runId, layer, step: at, rows, cols, image, s: Array.from(s), alignment, vectorPngs };
  if (!complete) return { result, files: false };
  const { vectorPngs: _p, ...json } = result;
  try {
    store.writeSvd(runId, layer, at, JSON.stringify(json), vectorPngs);
    return { result, files: true };
  } catch (e) {
    note({ kind: 'not-cached', message: `the SVD was computed but not cached in the run folder (${msg(e)})` });
    return { result, files: false };
  }
}

/** Input-space singular vectors of a layer as numbers (for drawing on a shared scale and reading values). */
export interface LayerVectors {
  runId: string;
  layer: number;
  step: number;
  rows: number;
  /** Number of singular vectors. */
  k: number;
  image: { height: number; width: number } | null;
  vectors: { index: number; sigma: number; values: Float32Array }[];
}

/**
 * The requested columns of U (0-based, in descending-σ order) at a checkpoint,
 * decomposed again from the checkpoint (the cache keeps σ and images only);
 * the same decomposition as computeLayerSvd, so signs match its images.
 */
export function layerVectors(store: RunStore, runId: string, layer: number, step: number | undefined, indices: readonly number[]): LayerVectors {
  const run = store.get(runId);
  const layers = run.config.network.layers.length;
  if (layer >= layers) throw new Error(`layer ${layer + 1}: run "${runId}" has layers 1..${layers}`);
  const at = step ?? store.latestCheckpointStep(runId);
  if (at === null) throw new Error(`run "${runId}" has no checkpoint yet: wait for its first checkpoint`);
  if (step !== undefined && !run.checkpointSteps.includes(step)) {
    throw new Error(`step ${step}: run "${runId}" has checkpoints at steps ${run.checkpointSteps.join(', ') || 'none'}`);
  }
  const ck = parseCheckpoint(store.readCheckpoint(runId, at));
  const m = layerWeightMatrix(run.config.network.layers[layer], ck.params[layer], layer);
  const { rows } = m;
  const { s, u } = thinSvd(m.data, rows, m.cols);
  const k = s.length;
  const bad = indices.find((j) => j >= k);
  if (bad !== undefined) throw new Error(`vector u${bad + 1}: layer ${layer + 1} of run "${runId}" has ${k} singular vectors (u1..u${k})`);
  const { image, toImage } = vectorLayout(run, layer, m);
  const vectors = [...new Set(indices)].map((j) => {
    const values = new Float32Array(rows);
    for (let i = 0; i < rows; i++) values[i] = u[i * k + j];
    return { index: j, sigma: s[j], values: Float32Array.from(toImage(values)) };
  });
  return { runId, layer, step: at, rows, k, image, vectors };
}
