// Mini-batches are gathered from typed arrays: tf.slice/gather on the wasm
// backend copy the whole source tensor, which dominates small steps.
import * as tf from '@tensorflow/tfjs';
import { Rng, range } from '../util/rng';

export interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  /** xᵀ where it comes for free (the full batch keeps it for the run). */
  xT?: tf.Tensor2D;
  /** Full-batch tensors live for the whole run; mini-batches belong to the caller. */
  owned: boolean;
}

export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (out[i * classes + l] = 1));
  return out;
}

export class BatchSource {
  readonly batchSize: number;
  private order: Int32Array;
  private pos = 0;
  private full?: { x: tf.Tensor2D; y: tf.Tensor2D; xT: tf.Tensor2D };
  private xBuf: Float32Array;
  private yBuf: Float32Array;
  private epochsDone = 0;

  constructor(
    private images: Float32Array,
    private labels: Int32Array,
    private dim: number,
    private classes: number,
    batchSize: number,
    private rng: Rng,
  ) {
    const n = labels.length;
    this.batchSize = batchSize <= 0 || batchSize >= n ? n : batchSize;
    this.order = range(n);
    if (this.batchSize === n) {
      const x = tf.tensor2d(images, [n, dim]);
      this.full = { x, y: tf.tensor2d(oneHot(labels, classes), [n, classes]), xT: tf.transpose(x) };
    } else {
      this.rng.shuffle(this.order);
    }
    this.xBuf = new Float32Array(this.batchSize * dim);
    this.yBuf = new Float32Array(this.batchSize * classes);
  }

  get isFullBatch(): boolean {
    return this.full !== undefined;
  }

  /** Steps in one pass over the training set (the last partial batch is dropped). */
  get stepsPerEpoch(): number {
    return Math.max(1, Math.floor(this.labels.length / this.batchSize));
  }

  /** The first batch in data order, without advancing (the loss reported at step 0). */
  first(): Batch {
    if (this.full) return { ...this.full, owned: false };
    const { dim, classes, batchSize } = this;
    const y = new Float32Array(batchSize * classes);
    for (let i = 0; i < batchSize; i++) y[i * classes + this.labels[i]] = 1;
    return { x: tf.tensor2d(this.images.subarray(0, batchSize * dim), [batchSize, dim]), y: tf.tensor2d(y, [batchSize, classes]), owned: true };
  }

  next(): Batch {
    if (this.full) return { ...this.full, owned: false };
    const n = this.labels.length;
    if (this.pos + this.batchSize > n) {
      this.rng.shuffle(this.order);
      this.pos = 0;
      this.epochsDone++;
    }
    const { dim, classes, batchSize } = this;
    this.yBuf.fill(0);
    for (let i = 0; i < batchSize; i++) {
      const src = this.order[this.pos + i];
      this.xBuf.set(this.images.subarray(src * dim, (src + 1) * dim), i * dim);
      this.yBuf[i * classes + this.labels[src]] = 1;
    }
    this.pos += batchSize;
    return { x: tf.tensor2d(this.xBuf, [batchSize, dim]), y: tf.tensor2d(this.yBuf, [batchSize, classes]), owned: true };
  }

  /** Advances past n batches without building them: the same shuffles as n calls of next() (to resume a run). */
  skip(n: number): void {
    if (this.full) return;
    const size = this.labels.length;
    for (let i = 0; i < n; i++) {
      if (this.pos + this.batchSize > size) {
        this.rng.shuffle(this.order);
        this.pos = 0;
        this.epochsDone++;
      }
      this.pos += this.batchSize;
    }
  }

  dispose(): void {
    this.full?.x.dispose();
    this.full?.y.dispose();
    this.full?.xT.dispose();
  }
}
