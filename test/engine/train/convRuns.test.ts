// Whole runs of convolutional networks: a residual net learns the peak task,
// a colour image folder trains a CNN whose run folder holds colour backward
// images, channel grids of the reconstructed feature maps and filter SVDs
// aligned with the data's patches.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { featurePath } from '../../../electron/engine/store/layout';
import { RunStore } from '../../../electron/engine/store/runStore';
import { computeLayerSvd } from '../../../electron/engine/svd/runSvd';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import { encodeRgbPng } from '../../../electron/engine/util/png';
import { Rng } from '../../../electron/engine/util/rng';
import { smallPeak } from '../../helpers/configs';
import { tempDir } from '../../helpers/tmp';

/** Three classes of 8x8 colour images: mostly red, green or blue, with noise. */
function colourFolder(): string {
  const root = tempDir('colour-');
  const rng = new Rng(3);
  ['red', 'green', 'blue'].forEach((name, c) => {
    fs.mkdirSync(path.join(root, name));
    for (let i = 0; i < 12; i++) {
      const px = new Uint8Array(8 * 8 * 3).map((_, j) => Math.round((j % 3 === c ? 160 : 40) + 60 * rng.uniform(0, 1)));
      fs.writeFileSync(path.join(root, name, `${i}.png`), encodeRgbPng(px, 8, 8));
    }
  });
  return root;
}

describe('convolutional runs', () => {
  it('a residual net (projection and identity skips) trains on peak to test accuracy >= 0.9', async () => {
    const store = new RunStore(tempDir());
    const run = await trainToEnd(
      smallPeak({
        network: {
          layers: [
            { type: 'conv', filters: 4, kernel: 3, stride: 2, padding: 1, activation: 'relu', lambda: 1e-6 },
            { type: 'residual', filters: 6, stride: 2, lambda: 1e-6 },
            { type: 'residual', filters: 6, lambda: 1e-6 },
            { units: 2, activation: 'linear', lambda: 1e-6 },
          ],
        },
        training: { steps: 200, evalEvery: 100, checkpointEvery: 200, backwardSamples: 2, batchSize: 0, optimizer: { kind: 'adam', learningRate: 3e-3 } },
      }),
      { store },
    );
    expect(run.status).toBe('completed');
    expect(run.last!.testAccuracy).toBeGreaterThanOrEqual(0.9);
    // One input reconstruction per layer, all finite.
    expect(run.last!.testRecon).toHaveLength(4);
    expect(run.last!.testRecon.every(Number.isFinite)).toBe(true);
    // Feature-map grids of every intermediate layer's input (layers 2, 3 and the dense one's, 0-based 1..3).
    expect(store.get(run.id).featureLayers).toEqual([1, 2, 3]);
  });

  it('a CNN on a colour folder saves colour backward images, feature-map grids and filter SVDs aligned with patches', async () => {
    const store = new RunStore(tempDir());
    const run = await trainToEnd(
      {
        ...smallPeak(),
        data: { source: { kind: 'folder', path: colourFolder(), split: { kind: 'ratio', testRatio: 0.25 } }, scale: 'unit' },
        network: {
          layers: [
            { type: 'conv', filters: 5, kernel: 3, padding: 1, activation: 'relu', batchNorm: true, lambda: 0.1 },
            { type: 'pool', kind: 'max', size: 2, lambda: 0.1 },
            { units: 3, activation: 'linear', lambda: 0.1 },
          ],
        },
        training: { steps: 40, evalEvery: 20, checkpointEvery: 40, backwardSamples: 2, batchSize: 0, optimizer: { kind: 'adam', learningRate: 1e-2 } },
      },
      { store },
    );
    expect(run.status).toBe('completed');
    const rec = store.get(run.id);
    expect(rec.dataInfo).toMatchObject({ channels: 3, height: 8, width: 8 });
    // The input's reconstruction in colour: an RGB PNG whose channels differ.
    const img = PNG.sync.read(store.readBackward(run.id, 40, 0));
    expect([img.width, img.height]).toEqual([8, 8]);
    let coloured = false;
    for (let j = 0; j < img.data.length; j += 4) coloured ||= img.data[j] !== img.data[j + 1] || img.data[j + 1] !== img.data[j + 2];
    expect(coloured).toBe(true);
    // Layer 2 (pooling) reads the conv's 5 x 8 x 8 maps: a grid of 5 tiles with 1-pixel gaps; the dense layer's input 5 x 4 x 4.
    expect(rec.featureLayers).toEqual([1, 2]);
    const grid = PNG.sync.read(fs.readFileSync(featurePath(store.workspace, run.id, 40, 1, 1)));
    expect([grid.width, grid.height]).toEqual([5 * 8 + 4, 8]);
    expect(PNG.sync.read(store.readFeatureMaps(run.id, 40, 2, 0)).width).toBe(5 * 4 + 4);
    // The first layer's kernel as a (3*3*3) x 5 matrix: filters drawn 3 high and 3 channels wide, aligned with 3x3 colour patches.
    const svd = computeLayerSvd(store, run.id, 0);
    expect([svd.rows, svd.cols]).toEqual([27, 5]);
    expect(svd.image).toEqual({ height: 3, width: 9 });
    expect(svd.vectorPngs).toHaveLength(5);
    expect(svd.alignment!.score).toBeGreaterThan(0);
    expect(svd.alignment!.score).toBeLessThanOrEqual(1);
    expect(() => computeLayerSvd(store, run.id, 1)).toThrow(/layer 2 is a pool layer: it has no weights to decompose/);
  });
});
