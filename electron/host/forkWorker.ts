import { fork } from 'node:child_process';
import { compiledScript } from '../engine/util/compiled';
import type { FromWorker, WorkerHandle } from './workerProtocol';

/** child_process.fork of the compiled worker, with its stderr kept for crash reports. */
export function forkWorker(script = compiledScript(__dirname, 'worker.js')): WorkerHandle {
  const child = fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return {
    send: (msg) => child.send(msg),
    onMessage: (cb) => child.on('message', (m) => cb(m as FromWorker)),
    onExit: (cb) => child.on('exit', (code, signal) => cb(`exit ${signal ?? code}${stderr ? `; stderr: ${stderr.trim()}` : ''}`)),
    kill: () => child.kill('SIGKILL'),
  };
}
