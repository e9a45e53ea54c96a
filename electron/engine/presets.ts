// The six reference runs of Xie & Thuerey's example code (see the reference
// README), with its quirks on, plus the generic Std / Ort / RR presets.
import type { RunConfigInput } from './config/schema';

export type Regulariser = 'Std' | 'Ort' | 'RR';

export interface ReferenceRun {
  id: string; // e.g. peak_RR: also the folder name of the reference file layout
  label: string;
  description: string;
  config: RunConfigInput;
}

const REF_TRAINING = {
  optimizer: { kind: 'adam', learningRate: 1e-4, momentum: 0.9 },
  batchSize: 0,
  evalEvery: 100,
  checkpointEvery: 200,
  backwardSamples: 16,
} as const;

function reference(dataset: 'MNIST' | 'peak', reg: Regulariser): ReferenceRun {
  const lambdaRR = reg === 'RR' ? (dataset === 'MNIST' ? 1e-5 : 1e-6) : 0;
  const lambdaOrt = reg === 'Ort' ? 0.1 : 0;
  const id = `${dataset}_${reg}`;
  const config: RunConfigInput =
    dataset === 'MNIST'
      ? {
          name: id,
          seed: 0,
          data: { source: { kind: 'mnist', digits: [0, 1], trainPerClass: 1, testPerClass: 1 }, scale: 'raw' },
          network: { layers: [{ units: 10, activation: 'linear', batchNorm: false, lambda: lambdaRR }] },
          loss: { reduction: 'halfSum', lambdaOrt, referenceQuirks: true },
          training: { ...REF_TRAINING, steps: 1000 },
        }
      : {
          name: id,
          seed: 0,
          data: { source: { kind: 'peak', trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 }, scale: 'raw' },
          network: {
            layers: [
              { units: 128, activation: 'relu', batchNorm: true, lambda: lambdaRR },
              { units: 2, activation: 'relu', batchNorm: true, lambda: lambdaRR },
            ],
          },
          loss: { reduction: 'halfSum', lambdaOrt, referenceQuirks: true },
          training: { ...REF_TRAINING, steps: 5000 },
        };
  const what = dataset === 'MNIST' ? 'MNIST digits 0 and 1, one image each, 784-10 linear' : 'peak data, 784-128-2 with BN and ReLU';
  const reg_ = reg === 'Std' ? 'no regulariser' : reg === 'Ort' ? 'SRIP orthogonality, lambda_ort 0.1' : `reverse pass, lambda ${lambdaRR}`;
  return { id, label: `${dataset} ${reg}`, description: `Reference run: ${what}; ${reg_}; reference quirks on`, config };
}

export const REFERENCE_RUNS: ReferenceRun[] = (['MNIST', 'peak'] as const).flatMap((d) => (['Std', 'Ort', 'RR'] as const).map((r) => reference(d, r)));

export function findReferenceRun(id: string): ReferenceRun | undefined {
  return REFERENCE_RUNS.find((r) => r.id.toLowerCase() === id.toLowerCase());
}

/**
 * The fourth mode, greedy layer-wise autoencoder pretraining ("Pre"), on the
 * reference networks: each hidden layer (the MNIST net's only layer) first
 * learns to reconstruct its input through its transposed weights, then the
 * Std run's task training follows.
 */
function pre(dataset: 'MNIST' | 'peak', stepsPerLayer: number): ReferenceRun {
  const std = reference(dataset, 'Std');
  const id = `${dataset}_Pre`;
  const config = { ...std.config, name: id, training: { ...std.config.training, pretrain: { stepsPerLayer } } };
  return {
    id,
    label: `${dataset} Pre`,
    description: `${std.description.replace('no regulariser', `layer-wise pretraining (${stepsPerLayer} steps per layer), then no regulariser`)}`,
    config,
  };
}

export const PRE_PRESETS: ReferenceRun[] = [pre('MNIST', 500), pre('peak', 1000)];

/**
 * Convolutional networks as Std / Ort / RR: on MNIST the CNN of the speed
 * benchmark's W3 (conv 1->16 and 16->32, 3x3, stride 2, padding 1, ReLU, then
 * dense 1568->10; batch 128, Adam 1e-3, lambda 0.1 with mean squared
 * reconstructions), on peak the same shape with 8 and 16 filters and 2 classes.
 */
function cnn(dataset: 'MNIST' | 'peak', reg: Regulariser): ReferenceRun {
  const lambda = reg === 'RR' ? 0.1 : 0;
  const [f1, f2, classes] = dataset === 'MNIST' ? [16, 32, 10] : [8, 16, 2];
  const conv = (filters: number) => ({
    type: 'conv' as const,
    filters,
    kernel: 3,
    stride: 2,
    padding: 1,
    activation: 'relu' as const,
    batchNorm: false,
    lambda,
  });
  const id = `${dataset}_CNN_${reg}`;
  const config: RunConfigInput = {
    name: id,
    seed: 0,
    data: {
      source:
        dataset === 'MNIST'
          ? { kind: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }
          : { kind: 'peak', trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 },
      scale: 'unit',
    },
    network: { layers: [conv(f1), conv(f2), { units: classes, activation: 'linear', batchNorm: false, lambda }] },
    loss: { reduction: 'mean', lambdaOrt: reg === 'Ort' ? 0.1 : 0, referenceQuirks: false },
    training: {
      optimizer: { kind: 'adam', learningRate: 1e-3, momentum: 0.9 },
      batchSize: dataset === 'MNIST' ? 128 : 0,
      steps: dataset === 'MNIST' ? 2000 : 1000,
      evalEvery: dataset === 'MNIST' ? 200 : 100,
      checkpointEvery: dataset === 'MNIST' ? 400 : 200,
      backwardSamples: 16,
    },
  };
  const what = `${dataset === 'MNIST' ? 'MNIST, all digits' : 'peak data'}, conv${f1}-conv${f2} (3x3, stride 2) ReLU, dense ${classes}`;
  const reg_ =
    reg === 'Std'
      ? 'no regulariser'
      : reg === 'Ort'
        ? 'SRIP orthogonality on the kernels, lambda_ort 0.1'
        : 'reverse pass through transposed convolutions, lambda 0.1';
  return { id, label: `${dataset} CNN ${reg}`, description: `${what}${dataset === 'MNIST' ? ' (the W3 network)' : ''}; ${reg_}`, config };
}

export const CNN_PRESETS: ReferenceRun[] = (['MNIST', 'peak'] as const).flatMap((d) => (['Std', 'Ort', 'RR'] as const).map((r) => cnn(d, r)));

/** Every preset `racecar train --preset` and the app's preset menu offer: the six reference runs, the Pre runs and the CNNs. */
export const PRESETS: ReferenceRun[] = [...REFERENCE_RUNS, ...PRE_PRESETS, ...CNN_PRESETS];

export function findPreset(id: string): ReferenceRun | undefined {
  return PRESETS.find((r) => r.id.toLowerCase() === id.toLowerCase());
}
