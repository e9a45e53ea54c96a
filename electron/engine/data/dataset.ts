// In-memory data set shared by every source. Images are row-major grey values
// in the 0..255 range as stored; scaling to the network's input happens once in
// `scaleImages` so that all sources behave the same.

export interface Split {
  /** n x (channels*height*width) values 0..255 per image: channel-major (CHW), each channel row-major. */
  images: Float32Array;
  /** Class index per image (0..classNames.length-1; for MNIST the digit). */
  labels: Int32Array;
  count: number;
}

export interface Dataset {
  name: string;
  height: number;
  width: number;
  /** 1 (grey, every built-in source) or 3 (RGB image folders); absent = 1. */
  channels?: number;
  /** Names of the label indices; labels index into this array. */
  classNames: string[];
  train: Split;
  test: Split;
}

export const pixelCount = (d: Pick<Dataset, 'height' | 'width'>): number => d.height * d.width;

/** [channels, height, width] of the data's images: the network's input shape. */
export const imageShape = (d: Pick<Dataset, 'height' | 'width' | 'channels'>): [number, number, number] => [d.channels ?? 1, d.height, d.width];

/** Values per image (channels x height x width). */
export const valuesPerImage = (d: Pick<Dataset, 'height' | 'width' | 'channels'>): number => (d.channels ?? 1) * d.height * d.width;

/** Returns a copy scaled for the network input: 'raw' keeps 0..255, 'unit' maps to 0..1. */
export function scaleImages(images: Float32Array, scale: 'raw' | 'unit'): Float32Array {
  const out = new Float32Array(images);
  if (scale === 'unit') for (let i = 0; i < out.length; i++) out[i] /= 255;
  return out;
}

/** Largest input value after scaling; backward images are clipped to [0, dataMax]. */
export const dataMax = (scale: 'raw' | 'unit'): number => (scale === 'raw' ? 255 : 1);

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
