// Bounds on what a data set may cost before anything is decoded, so that one
// oversized file, a PNG bomb (a small file that inflates to gigabytes) or a
// mistyped count is refused with the numbers instead of exhausting memory.
import { DataError } from './dataset';

/** Largest PNG file read (bytes). */
export const MAX_PNG_BYTES = 16 * 1024 * 1024;
/** Largest image (pixels): dense networks on bigger inputs do not fit anyway. */
export const MAX_IMAGE_PIXELS = 1024 * 1024;
/** Largest data set (pixels, train + test): 1 GiB as float32, kept twice (raw and scaled). */
export const MAX_DATASET_PIXELS = 256 * 1024 * 1024;

const millions = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} million`;

/** Throws unless `images` images of `pixels` pixels each fit the data-set bound. */
export function checkDatasetSize(what: string, images: number, pixels: number, fix: string): void {
  const total = images * pixels;
  if (total > MAX_DATASET_PIXELS) {
    throw new DataError(
      `${what}: ${images} images of ${pixels} pixels are ${millions(total)} pixels, more than the ${millions(MAX_DATASET_PIXELS)} pixels a data set may hold: ${fix}`,
    );
  }
}
