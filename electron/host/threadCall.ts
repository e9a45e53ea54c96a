// One job on a worker thread of the engine process: its first message is the
// answer; a thread that fails or exits without one rejects. Heavy synchronous
// work (an SVD, checking a large data set) must not stall the engine's
// message loop, which every client's requests go through.
import { Worker } from 'node:worker_threads';
import { compiledScript } from '../engine/util/compiled';

export function callThread<T>(script: string, data: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const w = new Worker(compiledScript(__dirname, script), { workerData: data });
    w.once('message', (m: T) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`${script} exited with code ${code}`)));
  });
}
