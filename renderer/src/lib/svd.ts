// The SVD view's rules, pure: which vectors are shown in which order, which
// best-aligned ones fall outside them, one colour scale for many vectors, and
// vectors drawn as pixels (the same diverging map as the engine's images).
import type { SvdView } from '../../../electron/contract/contract';
import { divergingColour } from '../../../electron/engine/svd/diverging';
import type { LayerConfig, RunConfig } from '../../../electron/engine/config/schema';
import { layerLabel } from '../../../electron/engine/config/layerNotation';
import { hasKernels } from '../../../electron/engine/model/geometry';

/** Order of the singular-vector images: by σ (descending or ascending) or by share of the data's energy. */
export type SvdSort = 'sigma' | 'sigma-asc' | 'alignment';

/** Vectors are u1..uk (1-based, by descending σ), in the app, the CLI and the figures alike. */
export const vectorName = (index: number): string => `u${index + 1}`;

type Spectrum = Pick<SvdView, 'singularValues' | 'alignment'>;

/** Indices (0-based, descending-σ order) of the vectors shown, in display order; count 0 = all. */
export function shownVectors(v: Spectrum, sort: SvdSort, count: number): number[] {
  const s = v.singularValues;
  const idx = Array.from({ length: s.length }, (_, j) => j);
  const pv = v.alignment?.perVector;
  if (sort === 'alignment' && pv) idx.sort((a, b) => (pv[b] ?? 0) - (pv[a] ?? 0) || a - b);
  else if (sort === 'sigma-asc') idx.sort((a, b) => (s[a] ?? 0) - (s[b] ?? 0) || a - b);
  return idx.slice(0, count > 0 ? count : idx.length);
}

/** Vector index -> the class labels whose mean it is best aligned with. */
export function bestAligned(v: Pick<SvdView, 'alignment'>): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const c of v.alignment?.classMeans ?? []) if (c.bestVector >= 0) m.set(c.bestVector, [...(m.get(c.bestVector) ?? []), c.label]);
  return m;
}

/** Best-aligned vectors that the shown ones leave out (for MNIST RR: the smallest σ), ascending. */
export function alignedOutside(v: Pick<SvdView, 'alignment'>, shown: readonly number[]): number[] {
  return [...bestAligned(v).keys()].filter((j) => !shown.includes(j)).sort((a, b) => a - b);
}

/** One sentence saying where the best-aligned vectors lie when some are not among those shown. */
export function outsideNote(
  v: Pick<SvdView, 'alignment' | 'singularValues'>,
  shown: readonly number[],
  sort: SvdSort,
  className: (label: number) => string,
): string | null {
  const out = alignedOutside(v, shown);
  if (!out.length) return null;
  const best = bestAligned(v);
  const list = out.map((j) => `${vectorName(j)} (class ${best.get(j)!.map(className).join(', ')})`).join(', ');
  const k = v.singularValues.length;
  const where = out.every((j) => j >= k - Math.max(1, Math.ceil(k / 4))) ? ' among the smallest σ' : '';
  const hint = sort === 'alignment' ? '' : ': order by alignment to see them first';
  return `Best aligned with the data: ${list}${where}, outside the ${shown.length} shown${hint}.`;
}

export function decodeF32(base64: string): Float32Array {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function absMax(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (Number.isFinite(a) && a > m) m = a;
  }
  return m;
}

/** RGBA pixels of a vector through the diverging map, scaled so that ±scale are the map's ends (0 = white). */
export function vectorPixels(values: ArrayLike<number>, scale: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  const inv = scale > 0 ? 1 / scale : 0;
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = divergingColour(values[i]! * inv);
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** RGBA of a horizontal colour bar from -1 (left) to +1 (right), `width` pixels, 1 high. */
export function colourBarPixels(width: number): Uint8ClampedArray {
  return vectorPixels(
    Array.from({ length: width }, (_, i) => (width === 1 ? 0 : (2 * i) / (width - 1) - 1)),
    1,
  );
}

/** Draws a vector into a canvas of its image size (CSS scales it up, pixelated). */
export function drawVector(canvas: HTMLCanvasElement, values: ArrayLike<number>, height: number, width: number, scale: number): void {
  canvas.width = width;
  canvas.height = height;
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext('2d');
  } catch {
    ctx = null;
  }
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  img.data.set(vectorPixels(values, scale));
  ctx.putImageData(img, 0, 0);
}

/** Shared range of several spectra for one y axis: [min positive, max]. */
export function sharedSigmaRange(spectra: readonly ArrayLike<number>[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = 0;
  for (const s of spectra)
    for (let i = 0; i < s.length; i++) {
      const v = s[i]!;
      if (Number.isFinite(v) && v > 0) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  return max > 0 ? { min, max } : null;
}

/** What a layer's input-space singular vectors are: filters (k x k x c_in) for kernels, images of the data for a dense first layer. */
export interface VectorKind {
  filters: boolean;
  /** "filters 3 x 3 x 1" or "input images 28 x 28". */
  label: string;
  /** Display pixels per value at zoom 1: a 3x3 filter drawn as large as a 28x28 image would be. */
  magnify: number;
}

/** The display size a tile's image is magnified to (filters as large as an image of the data would be). */
const IMAGE_SIDE = 28;

export function vectorKind(layer: LayerConfig | undefined, image: { height: number; width: number }): VectorKind {
  if (layer && hasKernels(layer)) {
    const k = image.height;
    const channels = Math.max(1, Math.round(image.width / k));
    return { filters: true, label: `filters ${k} x ${k} x ${channels}`, magnify: Math.max(1, Math.floor(IMAGE_SIDE / k)) };
  }
  return { filters: false, label: `input images ${image.height} x ${image.width}`, magnify: 1 };
}

/** The layers an SVD can be taken of in every run shown: those with weights (pooling has none), labelled by their short notation. */
export function svdLayers(configs: readonly RunConfig[]): { index: number; label: string }[] {
  if (configs.length === 0) return [{ index: 0, label: '1 (input layer)' }];
  const n = Math.min(...configs.map((c) => c.network.layers.length));
  const out: { index: number; label: string }[] = [];
  for (let k = 0; k < n; k++) {
    const layers = configs.map((c) => c.network.layers[k]!);
    if (layers.some((l) => l.type === 'pool')) continue;
    const labels = [...new Set(layers.map(layerLabel))];
    out.push({ index: k, label: `${k + 1} (${labels.join(' / ')}${k === 0 ? ', input layer' : ''})` });
  }
  return out;
}
