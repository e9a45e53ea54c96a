import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../electron/engine/config/schema';
import { checkMemory, estimateMemory, runMemoryLimit } from '../../../electron/engine/train/memoryBudget';
import { prepareRun } from '../../../electron/engine/train/trainer';

const cfg = (units: number[], batchNorm = false, batchSize = 0) =>
  parseRunConfig({
    data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 2 } },
    // Hidden layers with or without batch norm; the output layer is linear logits.
    network: { layers: units.map((u, i) => (i < units.length - 1 ? { units: u, batchNorm, activation: 'relu' } : { units: u, activation: 'linear' })) },
    training: { steps: 1, batchSize },
  });

describe('memory budget', () => {
  it('counts parameters exactly: weights, biases and batch-norm scale and shift', () => {
    expect(estimateMemory(cfg([128, 2]), [784], 100, 10).parameters).toBe(784 * 128 + 128 + 128 * 2 + 2);
    expect(estimateMemory(cfg([128, 2], true), [784], 100, 10).parameters).toBe(784 * 128 + 128 + 2 * 128 + 128 * 2 + 2);
  });

  it('grows with the batch (full batch = the training set) and the test set', () => {
    const full = estimateMemory(cfg([64, 2]), [784], 60000, 10);
    const mini = estimateMemory(cfg([64, 2], false, 128), [784], 60000, 10);
    expect(full.activationBytes).toBeGreaterThan(100 * mini.activationBytes);
    expect(mini.activationBytes).toBe(4 * 12 * 128 * (784 + 64 + 2));
  });

  it('refuses a network that cannot fit with the numbers and the fix, and passes the paper-sized ones', () => {
    expect(() => checkMemory(cfg([128, 2]), [784], 100, 10)).not.toThrow();
    expect(() => checkMemory(cfg([512, 256, 10], false, 128), [784], 60000, 10000)).not.toThrow();
    expect(() => checkMemory(cfg([100000, 50000, 2]), [784], 100, 10)).toThrow(
      /^network: 784-100000-50000-2 has 5\.08e\+9 parameters and needs about 2\d\d GiB to train \(parameters, gradients and optimizer state 11\d GiB, activations 0\.\d\d GiB, data 0\.00 GiB, saving checkpoints and the SVD 11\d GiB\), more than the \d+\.\d\d GiB a run may use here: use fewer or smaller layers/,
    );
    expect(runMemoryLimit(64 * 2 ** 30)).toBe(4 * 2 ** 30); // the wasm heap
    expect(runMemoryLimit(2 * 2 ** 30)).toBe(2 ** 30);
  });

  it('counts saving checkpoints and the SVD: 784-100000-2, which trained and then died writing its checkpoint, is refused', () => {
    const e = estimateMemory(cfg([100000, 2]), [784], 20, 4);
    expect(e.saveBytes).toBe(Math.max(4 * 6 * e.parameters, 4 * 8 * 784 * 100000));
    expect(e.totalBytes - e.saveBytes).toBeLessThan(4 * 2 ** 30);
    expect(() => checkMemory(cfg([100000, 2]), [784], 20, 4, 4 * 2 ** 30)).toThrow(/saving checkpoints and the SVD 2\.\d\d GiB\), more than the 4\.00 GiB/);
  });

  it('is checked before a run starts (validation in the engine)', () => {
    expect(() => prepareRun({ ...cfg([400000, 2]), name: 'huge' })).toThrow(/^network: 784-400000-2 has .* parameters and needs about/);
  });

  it('counts conv kernels and feature maps: W3 fits, 512 full-size maps over a 60,000-image batch do not', () => {
    const conv = (filters: number, stride: number, batchSize: number) =>
      parseRunConfig({
        network: {
          layers: [
            { type: 'conv', filters, kernel: 3, stride, padding: 1 },
            { type: 'conv', filters: 32, kernel: 3, stride: 2, padding: 1 },
            { units: 10, activation: 'linear' },
          ],
        },
        training: { steps: 1, batchSize },
      });
    const w3 = estimateMemory(conv(16, 2, 128), [1, 28, 28], 60000, 10000);
    expect(w3.parameters).toBe(16 * 9 + 16 + 32 * 16 * 9 + 32 + 1568 * 10 + 10);
    // Evaluation holds the 10,000 test images' maps: input 784, 16x14x14 and 32x7x7 values each.
    expect(w3.activationBytes).toBe(4 * 12 * 10000 * (784 + 16 * 14 * 14 + 32 * 7 * 7 + 10));
    expect(() => checkMemory(conv(512, 1, 0), [1, 28, 28], 60000, 10000)).toThrow(/^network: 784-conv512k3p1-conv32k3s2p1-10 has .* activations \d+/);
  });
});
