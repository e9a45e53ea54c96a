// computeLayerSvd on real runs when the workspace misbehaves: a cache that
// cannot be written (read-only workspace, full disk) or does not read back, and
// an image folder that has moved since training.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint, parseCheckpoint } from '../../../electron/engine/model/checkpoint';
import { RunStore } from '../../../electron/engine/store/runStore';
import { svdDir, svdJsonPath, svdImagePath, testSetPath } from '../../../electron/engine/store/layout';
import { computeLayerSvd, type LayerSvd, type SvdNote } from '../../../electron/engine/svd/runSvd';
import { decodeTestSet } from '../../../electron/engine/data/storedTestSet';
import { loadFolder } from '../../../electron/engine/data/folder';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import { encodeGreyPng } from '../../../electron/engine/util/png';
import { Rng } from '../../../electron/engine/util/rng';
import type { RunRecord } from '../../../electron/engine/types';
import { tempDir } from '../../helpers/tmp';
import { trainSmall } from '../../export/helpers';

function svdWithNotes(store: RunStore, id: string, layer = 0): { r: LayerSvd; notes: SvdNote[] } {
  const notes: SvdNote[] = [];
  const r = computeLayerSvd(store, id, layer, undefined, { onNote: (n) => notes.push(n) });
  return { r, notes };
}

const sameResult = (a: LayerSvd, b: LayerSvd) => {
  expect(a.s).toEqual(b.s);
  expect(a.alignment).toEqual(b.alignment);
  expect(a.vectorPngs.map((p) => p.toString('base64'))).toEqual(b.vectorPngs.map((p) => p.toString('base64')));
};

describe('the SVD cache', () => {
  let store: RunStore;
  let run: RunRecord;
  let reference: LayerSvd;

  beforeAll(async () => {
    store = new RunStore(tempDir('racecar-svd-ws-'));
    run = await trainSmall(store, 'svd cache');
    reference = computeLayerSvd(store, run.id, 0);
    expect(fs.existsSync(svdJsonPath(store.workspace, run.id, 0, 40))).toBe(true);
  });

  it('a cache that cannot be written (the svd folder is a file): the result is served all the same, with a note', () => {
    fs.rmSync(svdDir(store.workspace, run.id), { recursive: true });
    fs.writeFileSync(svdDir(store.workspace, run.id), 'not a folder');
    for (const layer of [0, 1]) {
      const { r, notes } = svdWithNotes(store, run.id, layer);
      if (layer === 0) sameResult(r, reference);
      expect(r.s.length).toBe(layer === 0 ? 16 : 2);
      expect(notes).toEqual([{ kind: 'not-cached', message: expect.stringMatching(/^the SVD was computed but not cached in the run folder \(ENOTDIR: /) }]);
    }
    fs.rmSync(svdDir(store.workspace, run.id));
  });

  it('a damaged cache file is recomputed and rewritten, not failed on forever', () => {
    const file = svdJsonPath(store.workspace, run.id, 0, 40);
    for (const damage of ['{"s": [1, 2', '{"runId": "x"}', '']) {
      computeLayerSvd(store, run.id, 0);
      fs.writeFileSync(file, damage);
      const { r, notes } = svdWithNotes(store, run.id);
      sameResult(r, reference);
      expect(notes).toEqual([
        { kind: 'cache-invalid', message: expect.stringMatching(/^the cached SVD of layer 0 at step 40 is damaged \(.+\): recomputed$/) },
      ]);
      // Rewritten: the next read is a clean cache hit.
      expect(svdWithNotes(store, run.id).notes).toEqual([]);
    }
    // A vector image missing from a cached result.
    fs.rmSync(svdImagePath(store.workspace, run.id, 0, 40, 3));
    const { r, notes } = svdWithNotes(store, run.id);
    sameResult(r, reference);
    expect(notes.map((n) => n.kind)).toEqual(['cache-invalid']);
    expect(fs.existsSync(svdImagePath(store.workspace, run.id, 0, 40, 3))).toBe(true);
  });
});

describe('a checkpoint with non-finite weights (from before runs stopped at divergence)', () => {
  it('names the step and the earlier checkpoints instead of failing inside the SVD', async () => {
    const store = new RunStore(tempDir('racecar-svd-nan-'));
    const run = await trainSmall(store, 'nan later');
    const ck = parseCheckpoint(store.readCheckpoint(run.id, 40));
    ck.params[0]!.w!.data[5] = NaN;
    store.writeCheckpoint(run.id, 60, encodeCheckpoint(ck.inputSize, ck.layers, ck.params, 60));
    expect(() => computeLayerSvd(store, run.id, 0)).toThrow(
      `step 60: run "${run.id}" has non-finite weights at this checkpoint (it diverged): choose an earlier checkpoint (20, 40)`,
    );
    expect(computeLayerSvd(store, run.id, 0, 40).s).toHaveLength(16);
  });
});

describe('the SVD of a run trained on an image folder', () => {
  let store: RunStore;
  let run: RunRecord;
  let folder: string;
  let reference: LayerSvd;

  beforeAll(async () => {
    // Two classes of 8x8 images: a bright left or right half, with noise.
    folder = path.join(tempDir('racecar-svd-folder-'), 'halves');
    const rng = new Rng(3);
    for (const cls of ['left', 'right']) {
      fs.mkdirSync(path.join(folder, cls), { recursive: true });
      for (let i = 0; i < 12; i++) {
        const v = Array.from({ length: 64 }, (_, p) => (p % 8 < 4 === (cls === 'left') ? 200 : 30) + 20 * rng.normal());
        fs.writeFileSync(path.join(folder, cls, `${i}.png`), encodeGreyPng(v, 8, 8, 0, 255));
      }
    }
    store = new RunStore(tempDir('racecar-svd-ws-'));
    run = await trainToEnd(
      {
        name: 'halves',
        data: { source: { kind: 'folder', path: folder, split: { kind: 'ratio', testRatio: 0.25 } }, scale: 'unit' },
        network: {
          layers: [
            { units: 8, lambda: 1e-3 },
            { units: 2, activation: 'linear', lambda: 1e-3 },
          ],
        },
        training: { steps: 20, evalEvery: 10, checkpointEvery: 20, backwardSamples: 2 },
      },
      { store },
    );
    expect(run.status).toBe('completed');
    reference = computeLayerSvd(store, run.id, 0);
    expect(reference.alignment).not.toBeNull();
    fs.rmSync(svdDir(store.workspace, run.id), { recursive: true });
  });

  it('shows each class mean as an image beside the vectors: the test-set mean of the class, darkest black, brightest white', () => {
    const means = reference.alignment!.classMeans;
    expect(means.length).toBeGreaterThan(1);
    const kept = decodeTestSet(fs.readFileSync(testSetPath(store.workspace, run.id), 'utf8'));
    const test = { ...kept.test, height: kept.height, width: kept.width };
    const rows = test.height * test.width;
    for (const c of means) {
      expect(c.meanImage).toMatch(/^data:image\/png;base64,/);
      const png = PNG.sync.read(Buffer.from(c.meanImage!.split(',')[1]!, 'base64'));
      expect([png.width, png.height]).toEqual([test.width, test.height]);
      // The brightest pixel of the image is where the class's mean is largest.
      const mean = new Float64Array(rows);
      let n = 0;
      for (let i = 0; i < test.count; i++)
        if (test.labels[i] === c.label) {
          n++;
          for (let r = 0; r < rows; r++) mean[r] += test.images[i * rows + r]!;
        }
      expect(n).toBeGreaterThan(0);
      const top = mean.indexOf(Math.max(...mean));
      expect(png.data[top * 4]).toBe(255);
    }
    // Kept with the cached result.
    const again = computeLayerSvd(store, run.id, 0);
    expect(again.alignment!.classMeans.map((c) => c.meanImage)).toEqual(means.map((c) => c.meanImage));
  });

  it('keeps its test split: the same images and labels as the folder', () => {
    const kept = decodeTestSet(fs.readFileSync(testSetPath(store.workspace, run.id), 'utf8'));
    const loaded = loadFolder({ path: folder, split: { kind: 'ratio', testRatio: 0.25 } });
    expect([kept.height, kept.width, kept.test.count]).toEqual([8, 8, 6]);
    expect(Array.from(kept.test.labels)).toEqual(Array.from(loaded.test.labels));
    expect(Array.from(kept.test.images)).toEqual(Array.from(loaded.test.images));
  });

  it('has the same alignment after the folder has moved', () => {
    const moved = `${folder}-moved`;
    fs.renameSync(folder, moved);
    try {
      const { r, notes } = svdWithNotes(store, run.id);
      expect(notes).toEqual([]);
      sameResult(r, reference);
    } finally {
      fs.renameSync(moved, folder);
    }
  });

  it('without its test split and folder: the SVD without alignment, uncached, and with alignment once the folder is back', () => {
    fs.rmSync(svdDir(store.workspace, run.id), { recursive: true, force: true });
    const kept = fs.readFileSync(testSetPath(store.workspace, run.id));
    fs.rmSync(testSetPath(store.workspace, run.id));
    const moved = `${folder}-moved`;
    fs.renameSync(folder, moved);
    try {
      const { r, notes } = svdWithNotes(store, run.id);
      expect(r.s).toEqual(reference.s);
      expect(r.alignment).toBeNull();
      expect(notes).toEqual([
        { kind: 'no-alignment', message: expect.stringContaining(`alignment with the test data left out: data folder ${folder} does not exist`) },
      ]);
      expect(fs.existsSync(svdJsonPath(store.workspace, run.id, 0, 20))).toBe(false);
    } finally {
      fs.renameSync(moved, folder);
      fs.writeFileSync(testSetPath(store.workspace, run.id), kept);
    }
    sameResult(svdWithNotes(store, run.id).r, reference);
  });
});
