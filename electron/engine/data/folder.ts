// A user's image folder as a data set: one sub-folder per class holding PNGs,
// grey or colour (RGB planes, channel-major), detected from the images.
// Every problem is reported as one DataError line naming the path and the fix,
// since this is the source users get wrong.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import type { FolderDataSchema } from '../config/schema';
import { checkPngBounds, readImagePng } from './readPng';
import { checkDatasetSize } from './limits';
import { DataError, type Dataset, type Split } from './dataset';

export type FolderOptions = Pick<z.output<typeof FolderDataSchema>, 'path' | 'split'>;

const collator = new Intl.Collator('en', { numeric: true });
/** Natural order (2.png before 10.png); plain comparison breaks collator ties so the order never depends on the OS listing. */
export const naturalCompare = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

const LAYOUT = 'one sub-folder per class, each holding PNG images (e.g. <folder>/0/0.png, <folder>/1/0.png)';

function listDir(dir: string): fs.Dirent[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new DataError(`data folder ${dir} does not exist: give an existing folder with ${LAYOUT}`);
  }
  if (!st.isDirectory()) throw new DataError(`data folder ${dir} is a file, not a folder: give a folder with ${LAYOUT}`);
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
}

export function loadFolder(opts: FolderOptions): Dataset {
  const root = path.resolve(opts.path);
  const entries = listDir(root);
  if (entries.length === 0) throw new DataError(`data folder ${root} is empty: add ${LAYOUT}`);
  const classNames = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(naturalCompare);
  if (classNames.length === 0) throw new DataError(`data folder ${root} has no class sub-folders: move the images into ${LAYOUT}`);

  const filesPerClass = classNames.map((name) => {
    const dir = path.join(root, name);
    const files = listDir(dir)
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.png'))
      .map((e) => path.join(dir, e.name))
      .sort(naturalCompare);
    if (files.length === 0) throw new DataError(`class folder ${dir} holds no PNG files: add .png images to it or remove it`);
    return files;
  });
  // Every header first: sizes and the data set's total are checked before one image is decoded.
  let first: { width: number; height: number; file: string } | undefined;
  for (const file of filesPerClass.flat()) {
    const size = checkPngBounds(file);
    first ??= { ...size, file };
    if (size.width !== first.width || size.height !== first.height) {
      throw new DataError(
        `${file} is ${size.width}x${size.height} but the data set's images are ${first.width}x${first.height} (as ${first.file}): resize or remove it`,
      );
    }
  }
  checkDatasetSize(`data folder ${root}`, filesPerClass.flat().length, first!.width * first!.height, 'use fewer or smaller images');
  // Grey or colour is known once decoded (an RGB file of grey pixels is grey): one kind for the whole set.
  const kinds: Partial<Record<1 | 3, string>> = {};
  const perClass = filesPerClass.map((files) =>
    files.map((file) => {
      const img = readImagePng(file);
      // A file changed since its header was read.
      if (img.width !== first!.width || img.height !== first!.height) throw new DataError(`${file} changed while it was read: try again`);
      kinds[img.channels] ??= file;
      return img;
    }),
  );
  if (kinds[1] && kinds[3]) {
    throw new DataError(
      `${kinds[3]} is colour (3 channels) but ${kinds[1]} is grey (1 channel): a data set's images must all be grey or all colour: convert them to one kind`,
    );
  }
  const channels = kinds[3] ? 3 : 1;
  if (channels === 3) checkDatasetSize(`data folder ${root}`, filesPerClass.flat().length, 3 * first!.width * first!.height, 'use fewer or smaller images');
  const { width, height } = first!;

  const trainIdx: number[][] = [];
  const testIdx: number[][] = [];
  perClass.forEach((imgs, c) => {
    const n = imgs.length;
    const dir = path.join(root, classNames[c]);
    if (opts.split.kind === 'ratio') {
      const nTest = Math.ceil(n * opts.split.testRatio);
      if (n - nTest < 1) {
        throw new DataError(`class folder ${dir} has ${n} image(s), too few to split off a test part: add images or lower split.testRatio`);
      }
      trainIdx.push(rangeOf(0, n - nTest));
      testIdx.push(rangeOf(n - nTest, n));
    } else {
      for (const [what, [start, end]] of [
        ['train', opts.split.train],
        ['test', opts.split.test],
      ] as const) {
        if (!(start >= 0 && start < end && end <= n)) {
          throw new DataError(`class folder ${dir} has ${n} images, so the ${what} range [${start}, ${end}) does not fit: use 0 <= start < end <= ${n}`);
        }
      }
      trainIdx.push(rangeOf(...opts.split.train));
      testIdx.push(rangeOf(...opts.split.test));
    }
  });

  return {
    name: path.basename(root),
    height,
    width,
    classNames,
    ...(channels === 3 ? { channels } : {}),
    train: gather(
      perClass.map((c) => c.map((img) => img.data)),
      trainIdx,
      channels * width * height,
    ),
    test: gather(
      perClass.map((c) => c.map((img) => img.data)),
      testIdx,
      channels * width * height,
    ),
  };
}

function rangeOf(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** Concatenates the chosen images, class by class. */
function gather(perClass: Float32Array[][], idx: number[][], px: number): Split {
  const count = idx.reduce((a, l) => a + l.length, 0);
  const images = new Float32Array(count * px);
  const labels = new Int32Array(count);
  let k = 0;
  idx.forEach((list, c) => {
    for (const i of list) {
      images.set(perClass[c][i], k * px);
      labels[k++] = c;
    }
  });
  return { images, labels, count };
}
