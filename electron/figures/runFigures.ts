// From a run in the store to the image-grid figures: the backward-pass
// evolution (grid and GIF frames), the first layer's singular vectors and the
// run comparison. The singular vectors are recomputed from the checkpoint so
// any colour map can be applied (computeLayerSvd stores diverging PNGs only);
// singular values and alignment come from computeLayerSvd (and its cache).
import { parseCheckpoint } from '../engine/model/checkpoint';
import { thinSvd } from '../engine/svd/svd';
import { computeLayerSvd } from '../engine/svd/runSvd';
import { layerWeightMatrix } from '../engine/svd/kernelMatrix';
import type { RunStore } from '../engine/store/runStore';
import type { RunRecord } from '../engine/types';
import { decodePng, vectorImage, type GridFigure, type RgbaImage, type VectorColormap } from './imageGrids';
import type { GifFrame } from './gif';
import type { VectorOrder } from './options';
import { runStyles } from './runColors';

export type { VectorOrder };

/** Evenly spaced picks of at most `max` items, always including the first and the last. */
export function evenlySpaced<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return items.slice();
  if (max <= 1) return items.slice(-1);
  const idx = new Set<number>();
  for (let i = 0; i < max; i++) idx.add(Math.round((i * (items.length - 1)) / (max - 1)));
  return [...idx].sort((a, b) => a - b).map((i) => items[i]!);
}

/** Run names as figure labels; repeated names get the id's random suffix. */
export function runLabels(runs: RunRecord[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.name, (count.get(r.name) ?? 0) + 1);
  return new Map(runs.map((r) => [r.id, (count.get(r.name) ?? 0) > 1 ? `${r.name} (${r.id.slice(-4)})` : r.name]));
}

const shareText = (v: number) => (v >= 0.01 || v === 0 ? v.toFixed(2) : v.toExponential(0));
const sigmaText = (v: number) => (v >= 100 || (v < 0.01 && v !== 0) ? v.toExponential(1) : v.toPrecision(3));

// ---- backward-pass reconstructions ----

/** Number of test samples with saved backward images. */
export function backwardSampleCount(run: RunRecord): number {
  const test = run.dataInfo?.testCount ?? Infinity;
  return Math.min(run.config.training.backwardSamples, test);
}

/** Why a run has no backward figure, or null when it has one. */
export function backwardUnavailable(run: RunRecord): string | null {
  if (backwardSampleCount(run) === 0) return 'it saved no backward images (training.backwardSamples is 0)';
  if (run.backwardSteps.length === 0) return 'it has no evaluated step with backward images yet';
  return null;
}

export interface BackwardGridOptions {
  maxSamples: number;
  maxColumns: number;
  label: string;
}

export function backwardGridFigure(store: RunStore, run: RunRecord, o: BackwardGridOptions): { figure: GridFigure; steps: number[]; samples: number } {
  const samples = Math.min(o.maxSamples, backwardSampleCount(run));
  const steps = evenlySpaced(run.backwardSteps, o.maxColumns);
  const cells: RgbaImage[][] = [];
  for (let i = 0; i < samples; i++) {
    cells.push([decodePng(store.readBackward(run.id, 'inputs', i)), ...steps.map((s) => decodePng(store.readBackward(run.id, s, i)))]);
  }
  return {
    figure: {
      title: `${o.label}: reverse pass of test inputs by training step`,
      rowLabels: Array.from({ length: samples }, (_, i) => `test ${i + 1}`),
      colLabels: ['input', ...steps.map((s) => String(s))],
      cells,
    },
    steps,
    samples,
  };
}

/** Why a run has no feature-map figure, or null. */
export function featureMapsUnavailable(run: RunRecord): string | null {
  if (!run.featureLayers?.length) return 'it has no intermediate feature maps (no conv, pool or residual layer below another layer)';
  return backwardUnavailable(run);
}

/**
 * The reverse pass's reconstructions of each intermediate spatial layer's input
 * feature maps for the first test sample: rows the layers, columns evaluated
 * steps; each cell the grid of that layer's first channels.
 */
export function featureMapsFigure(store: RunStore, run: RunRecord, o: { maxColumns: number; label: string }): { figure: GridFigure; steps: number[] } {
  const layers = run.featureLayers ?? [];
  const steps = evenlySpaced(run.backwardSteps, o.maxColumns);
  return {
    figure: {
      title: `${o.label}: reconstructed feature maps by step`,
      rowLabels: layers.map((k) => `layer ${k + 1} input`),
      colLabels: steps.map((s) => String(s)),
      cells: layers.map((k) => steps.map((s) => decodePng(store.readFeatureMaps(run.id, s, k, 0)))),
    },
    steps,
  };
}

export function backwardGifFrames(store: RunStore, run: RunRecord, o: { maxSamples: number; maxFrames: number }): GifFrame[] {
  const samples = Math.min(o.maxSamples, backwardSampleCount(run));
  const inputs = Array.from({ length: samples }, (_, i) => decodePng(store.readBackward(run.id, 'inputs', i)));
  return evenlySpaced(run.backwardSteps, o.maxFrames).map((step) => ({
    label: `step ${step} of ${run.totalSteps}`,
    inputs,
    outputs: Array.from({ length: samples }, (_, i) => decodePng(store.readBackward(run.id, step, i))),
  }));
}

// ---- singular vectors ----

export interface RunVectors {
  runId: string;
  step: number;
  rows: number;
  cols: number;
  k: number;
  image: { height: number; width: number };
  s: number[];
  /** rows x k row-major; column j is the j-th input-space singular vector. */
  u: Float64Array;
  /** Share of the test data's energy captured by each vector (null when unknown). */
  perVector: number[] | null;
}

/** Why a run has no singular-vector figure, or null. */
export function vectorsUnavailable(store: RunStore, run: RunRecord): string | null {
  if (store.latestCheckpointStep(run.id) === null) return 'it has no checkpoint yet';
  return null;
}

/** SVD of the first layer at the last checkpoint; throws when the layer's input is not an image. */
export function loadRunVectors(store: RunStore, run: RunRecord): RunVectors {
  const svd = computeLayerSvd(store, run.id, 0);
  if (!svd.image) throw new Error(`run "${run.id}": the first layer's input is not an image, so its singular vectors cannot be drawn`);
  const ck = parseCheckpoint(store.readCheckpoint(run.id, svd.step));
  const { data, rows, cols } = layerWeightMatrix(run.config.network.layers[0], ck.params[0], 0);
  const { u } = thinSvd(data, rows, cols);
  return {
    runId: run.id,
    step: svd.step,
    rows,
    cols,
    k: svd.s.length,
    image: svd.image,
    s: svd.s,
    u,
    perVector: svd.alignment?.perVector ?? null,
  };
}

/** Vector indices in display order: by σ (largest first) or by the share of the data they capture. */
export function vectorOrder(v: Pick<RunVectors, 'k' | 'perVector'>, order: VectorOrder): number[] {
  const idx = Array.from({ length: v.k }, (_, j) => j);
  if (order === 'alignment' && v.perVector) {
    const p = v.perVector;
    idx.sort((a, b) => (p[b] ?? 0) - (p[a] ?? 0) || a - b);
  }
  return idx;
}

export function vectorAt(v: RunVectors, j: number): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) out[i] = v.u[i * v.k + j]!;
  return out;
}

export const COLORMAP_NOTE: Record<VectorColormap, string> = {
  diverging: 'each vector scaled by its largest |value|: red positive, white zero, blue negative',
  grey: 'each vector scaled by its largest |value|: white positive, mid-grey zero, black negative',
};

const ORDER_TEXT: Record<VectorOrder, string> = {
  sigma: 'By σ, largest first',
  alignment: 'By alignment with the test data (e: share of its energy captured)',
};

/** Under each vector: its index and σ, and in alignment order the share e of the data's energy it captures. */
function caption(v: RunVectors, j: number, order: VectorOrder): string {
  const base = `u${j + 1} σ=${sigmaText(v.s[j]!)}`;
  return order === 'alignment' && v.perVector ? `${base}\ne=${shareText(v.perVector[j] ?? 0)}` : base;
}

/** Images per row that make the cells largest in a figure of this width/height ratio. */
export function bestPerRow(n: number, aspect: number, captionShare = 0.3): number {
  let best = 1;
  let bestCell = 0;
  for (let perRow = 1; perRow <= n; perRow++) {
    const rows = Math.ceil(n / perRow);
    const cell = Math.min(aspect / perRow, 1 / (rows * (1 + captionShare)));
    if (cell > bestCell + 1e-12) {
      best = perRow;
      bestCell = cell;
    }
  }
  return best;
}

export function vectorsFigure(
  v: RunVectors,
  o: { label: string; colormap: VectorColormap; order: VectorOrder; maxVectors: number; perRow?: number; aspect?: number },
): GridFigure {
  const order = vectorOrder(v, o.order).slice(0, o.maxVectors);
  const perRow = Math.min(o.perRow ?? bestPerRow(order.length, o.aspect ?? 4 / 3, o.order === 'alignment' ? 0.5 : 0.3), order.length);
  const rows = Math.ceil(order.length / perRow);
  const cells: (RgbaImage | null)[][] = [];
  const captions: (string | null)[][] = [];
  for (let r = 0; r < rows; r++) {
    const js = order.slice(r * perRow, (r + 1) * perRow);
    cells.push(js.map((j) => vectorImage(vectorAt(v, j), v.image.height, v.image.width, o.colormap)));
    captions.push(js.map((j) => caption(v, j, o.order)));
  }
  return {
    title: `${o.label}: singular vectors of W₁ (step ${v.step})`,
    rowLabels: cells.map(() => ''),
    colLabels: [],
    cells,
    captions,
    note: `${ORDER_TEXT[o.order]}; ${COLORMAP_NOTE[o.colormap]}`,
  };
}

/** Rows: runs; columns: each run's top-k vectors (as the paper's Fig. 3). */
export function comparisonFigure(
  runs: { label: string; v: RunVectors }[],
  o: { colormap: VectorColormap; order: VectorOrder; topK: number; workspace?: readonly string[] },
): GridFigure {
  const styles = runStyles(
    runs.map((r) => r.v.runId),
    o.workspace,
  );
  const cols = Math.max(...runs.map((r) => Math.min(o.topK, r.v.k)));
  return {
    title: `Singular vectors of W₁ ${o.order === 'sigma' ? 'by σ, largest first' : 'by alignment with the data'}`,
    rowLabels: runs.map((r) => r.label),
    rowColors: runs.map((r) => styles.get(r.v.runId)!.color),
    colLabels: Array.from({ length: cols }, (_, c) => String(c + 1)),
    cells: runs.map((r) => {
      const js = vectorOrder(r.v, o.order).slice(0, cols);
      return Array.from({ length: cols }, (_, c) =>
        js[c] === undefined ? null : vectorImage(vectorAt(r.v, js[c]), r.v.image.height, r.v.image.width, o.colormap),
      );
    }),
    captions: runs.map((r) => {
      const js = vectorOrder(r.v, o.order).slice(0, cols);
      return Array.from({ length: cols }, (_, c) =>
        js[c] === undefined ? null : o.order === 'sigma' ? `σ=${sigmaText(r.v.s[js[c]]!)}` : `u${js[c] + 1}\nσ=${sigmaText(r.v.s[js[c]]!)}`,
      );
    }),
    note: COLORMAP_NOTE[o.colormap],
  };
}
