// The choices of a figure bundle and their defaults, as plain constants. PURE:
// no imports at all, so the contract (payload schema) and the renderer (the
// Export dialog) use the same lists as exportBundle and `racecar export`; the
// figure modules take their option types from here.

export const FIGURE_NAMES = ['loss', 'accuracy', 'recon', 'spectrum', 'backward-grid', 'backward-gif', 'vectors', 'comparison'] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/** One line per figure, for pickers (the bundle's README has the full captions). */
export const FIGURE_TITLES: Record<FigureName, string> = {
  loss: 'loss curves',
  accuracy: 'train and test accuracy',
  recon: 'reverse-pass reconstruction error',
  spectrum: 'singular values of the first layer',
  'backward-grid': 'reconstructions over training (grid)',
  'backward-gif': 'reconstructions over training (GIF)',
  vectors: 'singular vectors of the first layer',
  comparison: 'singular vectors of every run side by side',
};

export const SIZE_UNITS = ['in', 'cm', 'px'] as const;
export type SizeUnit = (typeof SIZE_UNITS)[number];
/** Colour maps of singular-vector images. */
export const COLORMAPS = ['diverging', 'grey'] as const;
export type VectorColormap = (typeof COLORMAPS)[number];
export const BACKGROUNDS = ['white', 'transparent'] as const;
export type FigureBackground = (typeof BACKGROUNDS)[number];
/** Order of singular vectors: by σ (largest first) or by alignment with the test data. */
export const VECTOR_ORDERS = ['sigma', 'alignment'] as const;
export type VectorOrder = (typeof VECTOR_ORDERS)[number];
export const FORMATS = ['png', 'svg'] as const;
export type FigureFormat = (typeof FORMATS)[number];

export const EXPORT_DEFAULTS = {
  width: 4,
  height: 3,
  unit: 'in' as SizeUnit,
  dpi: 300,
  colormap: 'diverging' as VectorColormap,
  background: 'white' as FigureBackground,
  vectorOrder: 'sigma' as VectorOrder,
  maxSamples: 8,
  maxColumns: 8,
  maxVectors: 16,
  topK: 8,
  maxFrames: 60,
};

/** A length in another unit (px at the given dpi), rounded to 3 decimals (px: whole). */
export function convertLength(v: number, from: SizeUnit, to: SizeUnit, dpi: number): number {
  const inches = from === 'in' ? v : from === 'cm' ? v / 2.54 : v / dpi;
  const out = to === 'in' ? inches : to === 'cm' ? inches * 2.54 : inches * dpi;
  return to === 'px' ? Math.round(out) : Math.round(out * 1000) / 1000;
}
