// Contrast stretch of a grey or colour image for display: its darkest pixel to black,
// its brightest to white. The Std and Ort runs' reconstructions are nearly
// black on the fixed 0-255 scale; stretched, their structure shows. The
// stored images are untouched; the range each was stretched from is shown.

/**
 * Remaps RGBA pixels in place so that the darkest channel value goes to 0 and
 * the brightest to 255, the same map for R, G and B (a grey image stays grey,
 * a colour one keeps its hues); returns the range.
 */
export function stretchPixels(data: Uint8ClampedArray): { min: number; max: number } {
  let min = 255;
  let max = 0;
  for (let i = 0; i < data.length; i += 4) {
    for (let c = i; c < i + 3; c++) {
      const v = data[c]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (max > min) {
    const k = 255 / (max - min);
    for (let i = 0; i < data.length; i += 4) for (let c = i; c < i + 3; c++) data[c] = Math.round((data[c]! - min) * k);
  }
  return { min, max };
}

export interface Stretched {
  url: string;
  min: number;
  max: number;
}

/** The image at `src`, stretched, as a data URL; null where the page cannot read its pixels (no canvas). */
export async function stretchedImage(src: string): Promise<Stretched | null> {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(img, 0, 0);
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const range = stretchPixels(pixels.data);
  ctx.putImageData(pixels, 0, 0);
  return { url: canvas.toDataURL('image/png'), ...range };
}
