// Choices of how figures are drawn (size units, colour maps, backgrounds, vector
// order, file formats), as plain constants. PURE: no imports, so the contract,
// the renderer, the figure modules and the export share one list of each.

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

/** A length in another unit (px at the given dpi), rounded to 3 decimals (px: whole). */
export function convertLength(v: number, from: SizeUnit, to: SizeUnit, dpi: number): number {
  const inches = from === 'in' ? v : from === 'cm' ? v / 2.54 : v / dpi;
  const out = to === 'in' ? inches : to === 'cm' ? inches * 2.54 : inches * dpi;
  return to === 'px' ? Math.round(out) : Math.round(out * 1000) / 1000;
}
