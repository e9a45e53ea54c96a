// The reverse steps of the spatial layer types against answers worked out by
// hand: the transposed convolution as a scatter of the kernel (W3's stride 2,
// padding 1, output padding 1), unpooling to the recorded maxima (ties share),
// nearest upsampling for average pooling, and a residual block's transposed skip.
import { describe, expect, it } from 'vitest';
import type { LayerConfig } from '../../../electron/engine/config/schema';
import { Graph } from '../../../electron/engine/graph/ir';
import { forward, reverseStep, type NetShape } from '../../../electron/engine/model/definition';
import { layerInputs } from '../../../electron/engine/model/layout';
import { interpret } from '../graph/float64';

const dense: LayerConfig = { units: 2, activation: 'linear', batchNorm: false, lambda: 0 };

/** Layer 0's reverse step from `upper` (its output's shape), the forward pass run on x for the max positions. */
function reverseOfFirst(image: [number, number, number], first: LayerConfig, upperShape: number[], feeds: Record<string, number[]>): Float64Array {
  const net: NetShape = { inputSize: image[0] * image[1] * image[2], image, layers: [first, dense] };
  const g = new Graph('reverse-step');
  const x = g.input('x', [1, net.inputSize]);
  const P = layerInputs(g, net);
  const { h } = forward(net, P, x, 'batch', false);
  g.output('r', reverseStep(net, P, 0, g.input('upper', [1, ...upperShape]), h));
  const zeros = (n: number) => new Array<number>(n).fill(0);
  const flat = upperShape.reduce((a, b) => a * b, 1);
  return interpret(g, { x: zeros(net.inputSize), w1: zeros(flat * 2), b1: [0, 0], ...feeds }).r;
}

describe('reverse steps of spatial layers', () => {
  it('conv: the transposed convolution scatters (y - b) * K back over the input (stride 2, padding 1, output padding 1)', () => {
    const K = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // 1 x 1 x 3 x 3
    const y = [1, -2, 0.5, 3]; // 1 x 1 x 2 x 2
    const b = 0.25;
    const got = reverseOfFirst(
      [1, 4, 4],
      { type: 'conv', filters: 1, kernel: 3, stride: 2, padding: 1, activation: 'linear', batchNorm: false, lambda: 0 },
      [1, 2, 2],
      {
        w0: K,
        b0: [b],
        upper: y,
      },
    );
    const want = new Array<number>(16).fill(0);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let p = 0; p < 3; p++)
          for (let q = 0; q < 3; q++) {
            const r = i * 2 + p - 1;
            const c = j * 2 + q - 1;
            if (r >= 0 && r < 4 && c >= 0 && c < 4) want[r * 4 + c] += (y[i * 2 + j] - b) * K[p * 3 + q];
          }
    expect(Array.from(got)).toEqual(want);
  });

  // Windows of a 2 x 4 input: [1 5 / 2 0] has its maximum at one place, [3 3 / 3 3] at four.
  const x = [1, 5, 3, 3, 2, 0, 3, 3];

  it('max pooling: unpooled to the recorded maximum, shared equally among tied maxima', () => {
    const got = reverseOfFirst([1, 2, 4], { type: 'pool', kind: 'max', size: 2, lambda: 0 }, [1, 1, 2], { x, upper: [10, 8] });
    expect(Array.from(got)).toEqual([0, 10, 2, 2, 0, 0, 2, 2]);
  });

  it('average pooling: nearest upsampling', () => {
    const got = reverseOfFirst([1, 2, 4], { type: 'pool', kind: 'avg', size: 2, lambda: 0 }, [1, 1, 2], { x, upper: [10, 8] });
    expect(Array.from(got)).toEqual([10, 10, 8, 8, 10, 10, 8, 8]);
  });

  it('residual block with an identity skip: zero kernels leave the skip transposed, the reconstruction is the upper maps', () => {
    const upper = [0.5, -1, 2, 3, 0, 1, -2, 4, 1, 0.5, 0.25, -3, 2, 2, 1, -1, 0, 6]; // 1 x 2 x 3 x 3
    const got = reverseOfFirst([2, 3, 3], { type: 'residual', filters: 2, stride: 1, activation: 'relu', batchNorm: false, lambda: 0 }, [2, 3, 3], {
      w0: new Array<number>(36).fill(0),
      b0: [0.3, -0.7],
      'w0.2': new Array<number>(36).fill(0),
      'b0.2': [1.5, -2],
      upper,
    });
    expect(Array.from(got)).toEqual(upper);
  });

  it('residual block: a non-zero kernel path adds to the skip (the check above can fail)', () => {
    const upper = new Array<number>(18).fill(1);
    const got = reverseOfFirst([2, 3, 3], { type: 'residual', filters: 2, stride: 1, activation: 'relu', batchNorm: false, lambda: 0 }, [2, 3, 3], {
      w0: new Array<number>(36).fill(0.1),
      b0: [0, 0],
      'w0.2': new Array<number>(36).fill(0.1),
      'b0.2': [0, 0],
      upper,
    });
    expect(Array.from(got).every((v, i) => v > upper[i])).toBe(true);
  });
});
