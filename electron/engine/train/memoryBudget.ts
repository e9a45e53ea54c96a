// What a run will cost in memory, estimated from its config and data set
// before training starts, so that a network that cannot fit is refused with
// the numbers instead of exhausting the machine (or the 4 GiB heap of the
// WebAssembly backend) halfway through.
import * as os from 'node:os';
import { ConfigError, type RunConfig } from '../config/schema';
import { layerLabel } from '../config/layerNotation';
import { featureSize, inputLabel, netGeometry, type FeatureShape } from '../model/geometry';
import { effectiveBatchSize } from './batches';

const GiB = 2 ** 30;
/** WebAssembly memory is 32-bit: the wasm backend's tensors all live in at most 4 GiB. */
const WASM_HEAP = 4 * GiB;
/** Float32 copies per parameter: weights, gradient, two optimizer slots, and temporaries of the step. */
const COPIES_PER_PARAM = 6;
/** Float32 values per unit of a batch row: forward and reverse activations, batch-norm terms and their gradients. */
const COPIES_PER_ACTIVATION = 12;
/**
 * Float32 copies per parameter while a checkpoint is saved: the weights and
 * two optimizer slots read out of the backend, and their safetensors bytes.
 */
const COPIES_PER_CHECKPOINT = 6;
/**
 * Float32 copies of the first layer's weights when its SVD is computed (for
 * the SVD view and exports): the file read, the weights, the matrix in float64,
 * and its singular vectors in float64.
 */
const COPIES_FOR_SVD = 8;

export interface MemoryEstimate {
  parameters: number;
  /** Bytes. */
  parameterBytes: number;
  activationBytes: number;
  dataBytes: number;
  /** The larger of saving a checkpoint (while training) and the first layer's SVD (after it, for the SVD view and exports). */
  saveBytes: number;
  totalBytes: number;
}

export function estimateMemory(cfg: RunConfig, input: FeatureShape, trainCount: number, testCount: number): MemoryEstimate {
  const inputSize = featureSize(input);
  const geometry = netGeometry(input, cfg.network.layers);
  const parameters = geometry.reduce((a, g) => a + g.params, 0);
  const batch = effectiveBatchSize(cfg.training.batchSize, trainCount);
  // A residual block also holds its inner feature maps (and their reverse-pass counterparts).
  const units = inputSize + geometry.reduce((a, g, k) => a + featureSize(g.output) * (cfg.network.layers[k].type === 'residual' ? 2 : 1), 0);
  // Evaluation runs the whole test set through the forward and reverse passes at once.
  const rows = Math.max(batch, testCount);
  const parameterBytes = 4 * COPIES_PER_PARAM * parameters;
  const activationBytes = 4 * COPIES_PER_ACTIVATION * rows * units;
  // Raw and scaled images on the JavaScript side, and the backend's copy.
  const dataBytes = 4 * 3 * (trainCount + testCount) * inputSize;
  const first = geometry[0]?.tensors.find((t) => t.kind === 'w');
  const saveBytes = Math.max(4 * COPIES_PER_CHECKPOINT * parameters, 4 * COPIES_FOR_SVD * (first ? featureSize(first.shape) : 0));
  return { parameters, parameterBytes, activationBytes, dataBytes, saveBytes, totalBytes: parameterBytes + activationBytes + dataBytes + saveBytes };
}

/** The memory one run may use here: half of this machine's, and no more than the wasm heap. */
export function runMemoryLimit(totalMem = os.totalmem()): number {
  return Math.min(totalMem / 2, WASM_HEAP);
}

const gib = (b: number) => `${(b / GiB).toFixed(b < 10 * GiB ? 2 : 0)} GiB`;

/** Throws a ConfigError naming the numbers when the run cannot fit in `limit` bytes. */
export function checkMemory(cfg: RunConfig, input: FeatureShape, trainCount: number, testCount: number, limit = runMemoryLimit()): MemoryEstimate {
  const e = estimateMemory(cfg, input, trainCount, testCount);
  if (e.totalBytes > limit) {
    const shape = [inputLabel(input), ...cfg.network.layers.map(layerLabel)].join('-');
    throw new ConfigError(
      `network: ${shape} has ${e.parameters.toExponential(2)} parameters and needs about ${gib(e.totalBytes)} to train ` +
        `(parameters, gradients and optimizer state ${gib(e.parameterBytes)}, activations ${gib(e.activationBytes)}, data ${gib(e.dataBytes)}, ` +
        `saving checkpoints and the SVD ${gib(e.saveBytes)}), ` +
        `more than the ${gib(limit)} a run may use here: use fewer or smaller layers, a smaller batch or fewer images`,
    );
  }
  return e;
}
