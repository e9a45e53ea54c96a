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

/** Every preset `racecar train --preset` takes: the six reference runs and the Pre runs. */
export const PRESETS: ReferenceRun[] = [...REFERENCE_RUNS, ...PRE_PRESETS];

export function findPreset(id: string): ReferenceRun | undefined {
  return PRESETS.find((r) => r.id.toLowerCase() === id.toLowerCase());
}
