// Heavy jobs of one kind (SVDs, exports) run one at a time, in arrival order,
// instead of side by side: thirty SVD requests must not become thirty threads.
// The number of jobs waiting is bounded; one more gets a clear error.
export class QueueFullError extends Error {}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly what: string,
    private readonly maxWaiting: number,
  ) {}

  /** Jobs queued or running. */
  get size(): number {
    return this.waiting;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.maxWaiting) {
      return Promise.reject(new QueueFullError(`${this.maxWaiting} ${this.what} requests are already waiting: wait for them to finish and try again`));
    }
    this.waiting++;
    const result = this.tail.then(job).finally(() => this.waiting--);
    // The next job waits for this one however it ends.
    this.tail = result.catch(() => {});
    return result;
  }
}
