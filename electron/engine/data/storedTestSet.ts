// A run's test split, kept in its folder when it came from an image folder:
// the SVD alignment needs the test images, and the user's folder may have
// moved or changed since. Grey values as loaded (0..255, before scaling),
// gzipped float32 in a self-describing JSON file.
import { gunzipSync, gzipSync } from 'fflate';
import { z } from 'zod';
import type { Split } from './dataset';

export const TEST_SET_FORMAT = 'racecar-test-set/1';

const StoredTestSetSchema = z.object({
  format: z.literal(TEST_SET_FORMAT),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  /** 3 for colour images (CHW per image); absent = 1. */
  channels: z.number().int().positive().optional(),
  count: z.number().int().min(0),
  labels: z.array(z.number().int().min(0)),
  /** base64 of gzip(float32 little-endian, count x height*width). */
  images: z.string(),
});

export interface StoredTestSet {
  height: number;
  width: number;
  channels?: number;
  test: Split;
}

export function encodeTestSet(s: StoredTestSet): string {
  const { images, labels, count } = s.test;
  const bytes = new Uint8Array(images.buffer, images.byteOffset, images.byteLength);
  return JSON.stringify({
    format: TEST_SET_FORMAT,
    height: s.height,
    width: s.width,
    ...((s.channels ?? 1) !== 1 ? { channels: s.channels } : {}),
    count,
    labels: Array.from(labels),
    images: Buffer.from(gzipSync(bytes, { level: 6 })).toString('base64'),
  });
}

/** Throws a one-line Error when the file is not a valid test set. */
export function decodeTestSet(text: string): StoredTestSet {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('the stored test set is not valid JSON');
  }
  const r = StoredTestSetSchema.safeParse(raw);
  if (!r.success) throw new Error(`the stored test set is invalid: ${r.error.issues[0]?.path.join('.') || 'file'}: ${r.error.issues[0]?.message}`);
  const { height, width, count, labels } = r.data;
  const channels = r.data.channels ?? 1;
  const values = count * channels * height * width;
  let bytes: Uint8Array;
  try {
    bytes = gunzipSync(Buffer.from(r.data.images, 'base64'));
  } catch {
    throw new Error('the stored test set images are not readable');
  }
  if (labels.length !== count || bytes.byteLength !== values * 4) {
    throw new Error(`the stored test set holds ${bytes.byteLength / 4} values and ${labels.length} labels for ${count} images of ${height}x${width}`);
  }
  const images = new Float32Array(values);
  new Uint8Array(images.buffer).set(bytes);
  return { height, width, ...(channels !== 1 ? { channels } : {}), test: { images, labels: Int32Array.from(labels), count } };
}
