// What the training loop needs from a backend: one interface, implemented by
// the tfjs path (tfjsEngine.ts) and the ONNX Runtime path (onnx/onnxEngine.ts),
// so that the loop, its events, checkpoints, metrics and images are one code path.
import type { RunConfig } from '../config/schema';
import type { LossSettings, NetShape } from '../model/definition';
import type { LayerArrays } from '../model/params';
import type { BackendName } from '../types';
import type { HostBatch } from './batches';
import type { OptimizerState } from './optimizers';

/** Everything an engine is built from. */
export interface EngineSetup {
  config: RunConfig;
  settings: LossSettings;
  /** Values per input (channels x height x width). */
  dim: number;
  /** [C, H, W] of the inputs (needed by conv, pool and residual layers; absent = flat vectors). */
  image?: readonly [number, number, number];
  classes: number;
  /** Rows of every training batch. */
  batchSize: number;
  /** Initial parameters (model/params.ts). */
  params: LayerArrays[];
  /** Scaled training and test images with their labels. */
  train: { images: Float32Array; labels: Int32Array };
  test: { images: Float32Array; labels: Int32Array };
  /** Test inputs whose reverse-pass reconstructions each evaluation returns. */
  samples: number;
  /** Test inputs whose activations each evaluation returns for the information plane (0: none). */
  infoRows?: number;
}

/** The network an engine runs. */
export const setupNet = (s: Pick<EngineSetup, 'config' | 'dim' | 'image'>): NetShape => ({
  inputSize: s.dim,
  ...(s.image ? { image: s.image } : {}),
  layers: s.config.network.layers,
});

export interface Evaluation {
  trainAccuracy: number;
  testAccuracy: number;
  /** Mean squared reconstruction error of each layer's input over the test set. */
  testRecon: number[];
  /** Reconstructions of the first `samples` test inputs (samples x dim). */
  backward: Float32Array;
  /** Reconstructions d'_k of each intermediate spatial layer's input feature maps on the samples, by layer k (samples x C*H*W). */
  features?: Map<number, Float32Array>;
  /** With infoRows: each layer's output d_k (forward[k-1]) and reconstruction d'_k (reverse[k]) on the first infoRows test inputs. */
  activations?: { rows: number; forward: Float32Array[]; reverse: Float32Array[] };
}

/** SRIP's random start vectors, one per layer (units values), or null without SRIP. */
export type SripVectors = Float32Array[] | null;

export interface StepResult {
  parts: number[] | null;
  checksum: number;
}

export interface StepEngine {
  readonly backend: BackendName;
  /** Loss parts [ce, rr_0..rr_{L−1}, ort, total] on a batch at the current parameters; nothing changes. */
  lossParts(batch: HostBatch, srip: SripVectors): Promise<number[]>;
  /**
   * One optimisation step: the loss parts of its batch (before the update)
   * when asked, and the sum of every parameter and moving statistic after it,
   * which is finite exactly while all of them are (the divergence check).
   */
  step(batch: HostBatch, srip: SripVectors, wantParts: boolean): Promise<StepResult>;
  /** One step of layer-wise pretraining of layer k (0-based): its reconstruction error (when asked) and the state's checksum. */
  pretrainStep(layer: number, batch: HostBatch, wantParts: boolean): Promise<StepResult>;
  /** A new training phase: the optimizer starts afresh (its slots at zero, Adam's bias corrections from the start). */
  startPhase(): void;
  evaluate(): Promise<Evaluation>;
  /** The current parameters (for checkpoints). */
  params(): LayerArrays[];
  /** The optimizer's state (moments, step counts) to save beside a checkpoint; null before its first step. */
  exportOptimizerState(): Promise<OptimizerState | null>;
  /** Takes up a state saved by the same backend (resuming a run): the next step is as if training had never stopped. */
  importOptimizerState(state: OptimizerState): Promise<void>;
  /** How the engine used its threads, for the run's log; null when there is nothing to say. */
  threadReport(): string | null;
  dispose(): void;
}
