// Mini-batches are gathered from typed arrays on the host, whatever the
// backend: tf.slice/gather on the wasm backend copy the whole source tensor,
// which dominates small steps, and ONNX Runtime reads its inputs from host
// memory anyway.
import { Rng, range } from '../util/rng';

/** One batch: rows x dim inputs and rows x classes one-hot labels, row-major. */
export interface HostBatch {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /**
   * The full training set, the same arrays every step (a backend may keep it
   * on its side for the run). Other batches are overwritten by the next call.
   */
  full: boolean;
}

export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (out[i * classes + l] = 1));
  return out;
}

/** Rows per training step: the batch size asked for, or the whole training set when it is 0 or at least that large. */
export function effectiveBatchSize(requested: number, trainCount: number): number {
  return requested <= 0 || requested >= trainCount ? trainCount : requested;
}

export class BatchSampler {
  readonly batchSize: number;
  private order: Int32Array;
  private pos = 0;
  private readonly fullBatch?: HostBatch;
  private readonly xBuf: Float32Array;
  private readonly yBuf: Float32Array;

  constructor(
    private images: Float32Array,
    private labels: Int32Array,
    private dim: number,
    private classes: number,
    batchSize: number,
    private rng: Rng,
  ) {
    const n = labels.length;
    this.batchSize = effectiveBatchSize(batchSize, n);
    this.order = range(n);
    if (this.batchSize === n) {
      this.fullBatch = { x: images.subarray(0, n * dim), y: oneHot(labels, classes), rows: n, full: true };
      this.xBuf = this.yBuf = new Float32Array(0);
    } else {
      this.rng.shuffle(this.order);
      this.xBuf = new Float32Array(this.batchSize * dim);
      this.yBuf = new Float32Array(this.batchSize * classes);
    }
  }

  get isFullBatch(): boolean {
    return this.fullBatch !== undefined;
  }

  /** Steps in one pass over the training set (the last partial batch is dropped). */
  get stepsPerEpoch(): number {
    return Math.max(1, Math.floor(this.labels.length / this.batchSize));
  }

  /** The first batch in data order, without advancing (the loss reported at step 0); fresh arrays. */
  first(): HostBatch {
    if (this.fullBatch) return this.fullBatch;
    const { dim, classes, batchSize } = this;
    return {
      x: this.images.slice(0, batchSize * dim),
      y: oneHot(this.labels.subarray(0, batchSize), classes),
      rows: batchSize,
      full: false,
    };
  }

  next(): HostBatch {
    if (this.fullBatch) return this.fullBatch;
    const n = this.labels.length;
    if (this.pos + this.batchSize > n) {
      this.rng.shuffle(this.order);
      this.pos = 0;
    }
    const { dim, classes, batchSize } = this;
    this.yBuf.fill(0);
    for (let i = 0; i < batchSize; i++) {
      const src = this.order[this.pos + i];
      this.xBuf.set(this.images.subarray(src * dim, (src + 1) * dim), i * dim);
      this.yBuf[i * classes + this.labels[src]] = 1;
    }
    this.pos += batchSize;
    return { x: this.xBuf, y: this.yBuf, rows: batchSize, full: false };
  }

  /** Advances past n batches without building them: the same shuffles as n calls of next() (to resume a run). */
  skip(n: number): void {
    if (this.fullBatch) return;
    const size = this.labels.length;
    for (let i = 0; i < n; i++) {
      if (this.pos + this.batchSize > size) {
        this.rng.shuffle(this.order);
        this.pos = 0;
      }
      this.pos += this.batchSize;
    }
  }
}
