// The choices of a figure bundle and their defaults, as plain constants. PURE
// (only the figure options beside them), so the contract (payload schema) and
// the renderer (the Export dialog) use the same lists as exportBundle and
// `racecar export`.
import type { FigureBackground, SizeUnit, VectorColormap, VectorOrder } from '../figures/options';
export * from '../figures/options';

export const FIGURE_NAMES = [
  'loss',
  'accuracy',
  'recon',
  'spectrum',
  'backward-grid',
  'backward-gif',
  'feature-maps',
  'vectors',
  'comparison',
  'info-plane',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/** One line per figure, for pickers (the bundle's README has the full captions). */
export const FIGURE_TITLES: Record<FigureName, string> = {
  loss: 'loss curves',
  accuracy: 'train and test accuracy',
  recon: 'reverse-pass reconstruction error',
  spectrum: 'singular values of the first layer',
  'backward-grid': 'reconstructions over training (grid)',
  'backward-gif': 'reconstructions over training (GIF)',
  'feature-maps': 'reconstructed feature maps of conv layers',
  vectors: 'singular vectors of the first layer',
  comparison: 'singular vectors of every run side by side',
  'info-plane': 'information plane: I(X;T) vs I(T;Y) of every layer (runs trained with info planes)',
};

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
