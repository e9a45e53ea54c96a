// SVD of a run's layer at a checkpoint, with its alignment to the run's test
// data; results are cached in the run folder (JSON + vector images).
import { parseCheckpoint } from '../model/checkpoint';
import { loadDataset } from '../data/load';
import { scaleImages } from '../data/dataset';
import type { RunStore } from '../store/runStore';
import { thinSvd } from './svd';
import { svdAlignment } from './alignment';
import { singularVectorPng } from './colormap';

/** Vector images kept per layer: all of them for usual widths (data-like vectors may have the smallest singular values), bounded for very wide layers. */
export const MAX_VECTOR_IMAGES = 1024;

/** How the input-space singular vectors align with the run's test data (first layer only). */
export interface SvdAlignment {
  /** Share of the test data's energy captured by each input-space vector. */
  perVector: number[];
  energyTopK: number;
  energyBestK: number;
  k: number;
  classMeans: { label: number; bestVector: number; cosine: number }[];
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

/** A layer's SVD without its vector images, which stay files in the run folder (the UI loads them by URL). */
export type LayerSvdMeta = Omit<LayerSvd, 'vectorPngs'> & { vectorCount: number };

/** The layer's SVD (computed and cached when missing), reading none of its vector images back. */
export function layerSvdMeta(store: RunStore, runId: string, layer: number, step?: number): LayerSvdMeta {
  const { vectorPngs, ...meta } = layerSvd(store, runId, layer, step, false);
  return { ...meta, vectorCount: vectorPngs.length };
}

export function computeLayerSvd(store: RunStore, runId: string, layer: number, step?: number): LayerSvd {
  return layerSvd(store, runId, layer, step, true);
}

/** With readImages false, a cached result's vectorPngs are empty buffers (only their number is known). */
function layerSvd(store: RunStore, runId: string, layer: number, step: number | undefined, readImages: boolean): LayerSvd {
  const run = store.get(runId);
  const layers = run.config.network.layers.length;
  if (layer >= layers) throw new Error(`layer ${layer + 1}: run "${runId}" has layers 1..${layers} (numbered from 1, as in the app)`);
  const at = step ?? store.latestCheckpointStep(runId);
  if (at === null) throw new Error(`run "${runId}" has no checkpoint yet: wait for its first checkpoint`);
  if (step !== undefined && !run.checkpointSteps.includes(step)) {
    throw new Error(`--step ${step}: run "${runId}" has checkpoints at steps ${run.checkpointSteps.join(', ') || 'none'}`);
  }
  const cached = store.readSvd(runId, layer, at);
  if (cached) {
    // The JSON is written after the images, so a cached result is complete.
    const c = JSON.parse(cached) as Omit<LayerSvd, 'vectorPngs'>;
    const n = c.image ? Math.min(MAX_VECTOR_IMAGES, c.s.length) : 0;
    return { ...c, vectorPngs: Array.from({ length: n }, (_, j) => (readImages ? store.readSvdImage(runId, layer, at, j) : Buffer.alloc(0))) };
  }
  const ck = parseCheckpoint(store.readCheckpoint(runId, at));
  const { shape, data: w } = ck.params[layer].w;
  const [rows, cols] = shape;
  const { s, u } = thinSvd(w, rows, cols);
  const k = s.length;
  const info = run.dataInfo;
  const image = layer === 0 && info && info.height * info.width === rows ? { height: info.height, width: info.width } : null;
  let alignment: SvdAlignment | null = null;
  if (layer === 0) {
    const data = loadDataset(run.config.data.source);
    const test = { ...data.test, images: scaleImages(data.test.images, run.config.data.scale) };
    // k = classes present (the MNIST pair has 2 of 10 possible labels).
    const topK = Math.min(k, new Set(test.labels).size);
    const a = svdAlignment(u, rows, k, test, { topK });
    alignment = {
      perVector: Array.from(a.perVector),
      energyTopK: a.energyTopK,
      energyBestK: a.energyBestK,
      k: topK,
      classMeans: a.classMeans,
      score: a.score,
    };
  }
  const vectorPngs = image
    ? Array.from({ length: Math.min(MAX_VECTOR_IMAGES, k) }, (_, j) => {
        const vec = new Float64Array(rows);
        for (let i = 0; i < rows; i++) vec[i] = u[i * k + j];
        return singularVectorPng(vec, image.height, image.width);
      })
    : [];
  const result: LayerSvd = { runId, layer, step: at, rows, cols, image, s: Array.from(s), alignment, vectorPngs };
  const { vectorPngs: _p, ...json } = result;
  store.writeSvd(runId, layer, at, JSON.stringify(json), vectorPngs);
  return result;
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
  const { shape, data: w } = ck.params[layer].w;
  const [rows, cols] = shape;
  const { s, u } = thinSvd(w, rows, cols);
  const k = s.length;
  const bad = indices.find((j) => j >= k);
  if (bad !== undefined) throw new Error(`vector u${bad + 1}: layer ${layer + 1} of run "${runId}" has ${k} singular vectors (u1..u${k})`);
  const info = run.dataInfo;
  const image = layer === 0 && info && info.height * info.width === rows ? { height: info.height, width: info.width } : null;
  const vectors = [...new Set(indices)].map((j) => {
    const values = new Float32Array(rows);
    for (let i = 0; i < rows; i++) values[i] = u[i * k + j];
    return { index: j, sigma: s[j], values };
  });
  return { runId, layer, step: at, rows, k, image, vectors };
}
