import { describe, expect, it } from 'vitest';
import { QueueFullError, SerialQueue } from '../../../electron/host/serialQueue';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SerialQueue', () => {
  it('runs jobs one at a time, in arrival order, whether they succeed or fail', async () => {
    const q = new SerialQueue('test', 10);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const job =
      (i: number, fail = false) =>
      async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        order.push(i);
        running--;
        if (fail) throw new Error(`job ${i} failed`);
        return i;
      };
    const results = await Promise.allSettled([q.run(job(0)), q.run(job(1, true)), q.run(job(2)), q.run(job(3))]);
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 'job 1 failed', 2, 3]);
    expect(q.size).toBe(0);
  });

  it('refuses more waiting jobs than its bound, with a clear message, and takes new ones once there is room', async () => {
    const q = new SerialQueue('SVD', 2);
    let release!: () => void;
    const first = q.run(() => new Promise<void>((r) => (release = r)));
    const second = q.run(async () => 2);
    await expect(q.run(async () => 3)).rejects.toThrow(QueueFullError);
    await expect(q.run(async () => 3)).rejects.toThrow('2 SVD requests are already waiting: wait for them to finish and try again');
    release();
    await first;
    expect(await second).toBe(2);
    expect(await q.run(async () => 4)).toBe(4);
  });
});
