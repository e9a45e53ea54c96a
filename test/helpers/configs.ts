// Run configs shared by the engine's training tests.
import type { RunConfigInput } from '../../electron/engine/config/schema';

/** 784-16-2 (BN + ReLU, then linear, lambda 1e-6) on 40 peak images: 60 Adam steps, evaluations every 20, a checkpoint at 40. */
export const smallPeak = (over: Partial<RunConfigInput> = {}): RunConfigInput => ({
  name: 'small',
  seed: 7,
  data: { source: { kind: 'peak', trainPerClass: 20, testPerClass: 4 }, scale: 'raw' },
  network: {
    layers: [
      { units: 16, activation: 'relu', batchNorm: true, lambda: 1e-6 },
      { units: 2, activation: 'linear', batchNorm: false, lambda: 1e-6 },
    ],
  },
  training: { steps: 60, evalEvery: 20, checkpointEvery: 40, backwardSamples: 3, batchSize: 0, optimizer: { kind: 'adam', learningRate: 1e-3 } },
  ...over,
});
