import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../../electron/engine/data/dataset';
import { loadFolder, naturalCompare } from '../../../electron/engine/data/folder';
import { encodeGreyPng, encodeRgbPng } from '../../../electron/engine/util/png';
import { readGreyPng } from '../../../electron/engine/data/readPng';
import { tempDir } from '../../helpers/tmp';

const REF = '/work/shared/reference/peak';
const PX = 784;
const RANGE = { kind: 'range' as const, train: [0, 50] as [number, number], test: [50, 55] as [number, number] };

const tmpRoots: string[] = [];
afterAll(() => {
  if (!process.env.KEEP_TMP) for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

/** Builds a folder from {'class/file.png': [width, height, grey] | string}; strings are written verbatim. */
function makeFolder(files: Record<string, [number, number, number] | string>): string {
  const root = tempDir('folder-test-');
  tmpRoots.push(root);
  for (const [rel, spec] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof spec === 'string') fs.writeFileSync(file, spec);
    else fs.writeFileSync(file, encodeGreyPng(new Array(spec[0] * spec[1]).fill(spec[2]), spec[0], spec[1], 0, 255));
  }
  return root;
}

/** Asserts a one-line DataError that mentions every given fragment. */
function expectDataError(fn: () => unknown, ...fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DataError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  for (const f of fragments) expect(msg).toContain(f);
}

describe('loadFolder on the reference peak folder', () => {
  const d = loadFolder({ path: REF, split: RANGE });

  it('splits by index range: 100 train, 10 test, 28x28, classes 0 and 1', () => {
    expect(d.name).toBe('peak');
    expect([d.height, d.width]).toEqual([28, 28]);
    expect(d.classNames).toEqual(['0', '1']);
    expect(d.train.count).toBe(100);
    expect(d.test.count).toBe(10);
    expect(Array.from(d.test.labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(d.train.labels.filter((l) => l === 1).length).toBe(50);
  });

  it('orders files naturally (0, 1, 2, ..., 10), so index i is file i.png', () => {
    for (const [c, i, split, k] of [
      [0, 2, 'train', 2],
      [0, 10, 'train', 10],
      [1, 49, 'train', 99],
      [0, 50, 'test', 0],
      [1, 54, 'test', 9],
    ] as const) {
      const expected = readGreyPng(`${REF}/${c}/${i}.png`).data;
      expect(d[split].images.subarray(k * PX, (k + 1) * PX)).toEqual(expected);
    }
  });

  it('splits by ratio: the last ceil(n * testRatio) files of each class are the test set', () => {
    const r = loadFolder({ path: REF, split: { kind: 'ratio', testRatio: 0.1 } });
    expect(r.train.count).toBe(2 * 49);
    expect(r.test.count).toBe(2 * 6);
    expect(r.test.images.subarray(0, PX)).toEqual(readGreyPng(`${REF}/0/49.png`).data);
    expect(r.train.images.subarray(49 * PX, 50 * PX)).toEqual(readGreyPng(`${REF}/1/0.png`).data);
  });
});

describe('loadFolder on built folders', () => {
  it('sorts class names naturally and ignores hidden and non-PNG files; an RGB file of grey pixels is grey', () => {
    const root = makeFolder({
      'b10/0.png': [2, 2, 10],
      'b2/0.png': [2, 2, 20],
      'b2/1.PNG': [2, 2, 30],
      'b2/notes.txt': 'x',
      'b2/.hidden.png': 'junk',
      '.git/x.png': [2, 2, 0],
    });
    fs.writeFileSync(path.join(root, 'b10', '1.png'), encodeRgbPng(new Uint8Array(12).fill(40), 2, 2));
    const d = loadFolder({ path: root, split: { kind: 'range', train: [0, 1], test: [1, 2] } });
    expect(d.classNames).toEqual(['b2', 'b10']);
    expect(d.channels).toBeUndefined();
    expect(Array.from(d.train.images)).toEqual([...Array(4).fill(20), ...Array(4).fill(10)]);
    expect(Array.from(d.test.images)).toEqual([...Array(4).fill(30), ...Array(4).fill(40)]);
    expect(Array.from(d.test.labels)).toEqual([0, 1]);
  });

  it('reads colour images as R, G and B planes (channel-major), 3 channels', () => {
    const root = makeFolder({});
    // 2x1 pixels: red (200, 10, 0) and blue (0, 20, 150).
    const px = new Uint8Array([200, 10, 0, 0, 20, 150]);
    for (const c of ['a', 'b']) {
      fs.mkdirSync(path.join(root, c));
      for (const i of [0, 1]) fs.writeFileSync(path.join(root, c, `${i}.png`), encodeRgbPng(px, 2, 1));
    }
    const d = loadFolder({ path: root, split: { kind: 'range', train: [0, 1], test: [1, 2] } });
    expect(d.channels).toBe(3);
    expect([d.height, d.width]).toEqual([1, 2]);
    expect(Array.from(d.train.images.subarray(0, 6))).toEqual([200, 0, 10, 20, 0, 150]);
    expect(d.train.images).toHaveLength(12);
  });

  it('refuses a set of grey and colour images, naming a file of each kind', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 10], 'a/1.png': [2, 2, 10], 'b/0.png': [2, 2, 10] });
    fs.writeFileSync(path.join(root, 'b', '1.png'), encodeRgbPng(new Uint8Array([9, 0, 0, 0, 9, 0, 0, 0, 9, 1, 2, 3]), 2, 2));
    expectDataError(
      () => loadFolder({ path: root, split: { kind: 'range', train: [0, 1], test: [1, 2] } }),
      'b/1.png is colour (3 channels)',
      'a/0.png is grey (1 channel)',
    );
  });

  it('naturalCompare orders numbers by value', () => {
    expect(['10.png', '2.png', '1.png', '0.png', '11.png'].sort(naturalCompare)).toEqual(['0.png', '1.png', '2.png', '10.png', '11.png']);
  });

  it('reports a missing path', () => {
    const missing = path.join(makeFolder({}), 'nope');
    expectDataError(() => loadFolder({ path: missing, split: RANGE }), missing, 'does not exist', 'one sub-folder per class');
  });

  it('reports a file given as the folder', () => {
    const root = makeFolder({ 'a.png': [2, 2, 0] });
    const file = path.join(root, 'a.png');
    expectDataError(() => loadFolder({ path: file, split: RANGE }), file, 'not a folder');
  });

  it('reports an empty folder', () => {
    const root = makeFolder({});
    expectDataError(() => loadFolder({ path: root, split: RANGE }), root, 'is empty', 'one sub-folder per class');
  });

  it('reports images lying loose without class folders', () => {
    const root = makeFolder({ '0.png': [2, 2, 0], '1.png': [2, 2, 0] });
    expectDataError(() => loadFolder({ path: root, split: RANGE }), root, 'no class sub-folders', 'one sub-folder per class');
  });

  it('reports a class folder without PNGs', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'b/readme.txt': 'x' });
    expectDataError(() => loadFolder({ path: root, split: RANGE }), path.join(root, 'b'), 'no PNG files');
  });

  it('reports an image of another size, naming it and the expected size', () => {
    const root = makeFolder({ 'a/0.png': [4, 4, 0], 'a/1.png': [4, 4, 0], 'b/0.png': [4, 4, 0], 'b/1.png': [5, 4, 0] });
    expectDataError(() => loadFolder({ path: root, split: { kind: 'ratio', testRatio: 0.5 } }), path.join(root, 'b', '1.png'), '5x4', '4x4');
  });

  it('reports an unreadable PNG by its path', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'a/1.png': 'garbage' });
    expectDataError(() => loadFolder({ path: root, split: { kind: 'ratio', testRatio: 0.5 } }), path.join(root, 'a', '1.png'));
  });

  it('reports index ranges that do not fit a class', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'a/1.png': [2, 2, 0], 'a/2.png': [2, 2, 0], 'b/0.png': [2, 2, 0], 'b/1.png': [2, 2, 0] });
    const ok = loadFolder({ path: root, split: { kind: 'range', train: [0, 1], test: [1, 2] } });
    expect([ok.train.count, ok.test.count]).toEqual([2, 2]);
    expectDataError(() => loadFolder({ path: root, split: { kind: 'range', train: [0, 2], test: [2, 3] } }), path.join(root, 'b'), 'test range [2, 3)', '<= 2');
    expectDataError(() => loadFolder({ path: root, split: { kind: 'range', train: [1, 1], test: [0, 1] } }), 'train range [1, 1)');
  });

  it('reports a class too small for a ratio split', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'a/1.png': [2, 2, 0], 'b/0.png': [2, 2, 0] });
    expectDataError(() => loadFolder({ path: root, split: { kind: 'ratio', testRatio: 0.1 } }), path.join(root, 'b'), 'testRatio');
  });

  it('refuses a PNG bomb from its header, before decoding anything', () => {
    // 8000x8000 pixels claimed by a 61-byte file: only the header is read.
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(8000, 16);
    header.writeUInt32BE(8000, 20);
    header[24] = 8;
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'b/0.png': [2, 2, 0] });
    fs.writeFileSync(path.join(root, 'b', '1.png'), Buffer.concat([header, Buffer.alloc(28)]));
    expectDataError(
      () => loadFolder({ path: root, split: { kind: 'ratio', testRatio: 0.5 } }),
      path.join(root, 'b', '1.png'),
      '8000x8000 pixels',
      '1048576',
      'resize it',
    );
  });

  it('refuses a file too large to read, naming its size', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'b/0.png': [2, 2, 0] });
    const big = path.join(root, 'b', '1.png');
    fs.copyFileSync(path.join(root, 'a', '0.png'), big);
    fs.truncateSync(big, 17 * 2 ** 20); // sparse: costs no disk
    expectDataError(() => loadFolder({ path: root, split: { kind: 'ratio', testRatio: 0.5 } }), big, '17.0 MiB', '16 MiB');
  });

  it('refuses a non-PNG file with a .png name before decoding', () => {
    const root = makeFolder({ 'a/0.png': [2, 2, 0], 'a/1.png': 'GIF89a this is no png at all' });
    expectDataError(() => loadFolder({ path: root, split: { kind: 'ratio', testRatio: 0.5 } }), path.join(root, 'a', '1.png'), 'is not a PNG image');
  });
});
