// A figure bundle of a convolutional run: the reconstructed feature maps as a
// figure, the first layer's SVD captioned as filters of its kernel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../electron/engine/store/runStore';
import { trainToEnd } from '../../electron/engine/train/trainer';
import { exportBundle } from '../../electron/export/bundle';
import { smallPeak } from '../helpers/configs';
import { tempDir } from '../helpers/tmp';
import { pngInfo } from './helpers';

describe('a bundle of a conv run', () => {
  it('holds the feature-map figure and describes the filter SVD; a dense run has no feature-map figure', async () => {
    const store = new RunStore(tempDir('racecar-export-conv-'));
    const conv = await trainToEnd(
      smallPeak({
        name: 'peak CNN',
        network: {
          layers: [
            { type: 'conv', filters: 4, kernel: 3, stride: 2, padding: 1, activation: 'relu', lambda: 1e-6 },
            { type: 'conv', filters: 6, kernel: 3, stride: 2, padding: 1, activation: 'relu', lambda: 1e-6 },
            { units: 2, activation: 'linear', lambda: 1e-6 },
          ],
        },
      }),
      { store },
    );
    const dense = await trainToEnd(smallPeak({ name: 'peak dense' }), { store });
    const out = path.join(tempDir('racecar-export-conv-out-'), 'bundle');
    const r = await exportBundle({ store, runIds: [conv.id, dense.id], out, figures: ['feature-maps', 'vectors'], formats: ['png'] });
    expect(r.notes).toEqual([]);
    const fig = pngInfo(fs.readFileSync(path.join(out, 'figures', conv.id, 'feature-maps.png')));
    expect(fig.width).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(out, 'figures', dense.id, 'feature-maps.png'))).toBe(false);
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/peak CNN: the reverse pass's reconstruction of each intermediate layer's input feature maps/);
    expect(readme).toMatch(
      /peak CNN: the 4 input-space singular vectors u_j of the first layer's kernel as the 9x4 matrix W of its filters.*shown as 3x3 filters/,
    );
  });
});
