// Training runs in a separate process. Under Electron that process is a
// utilityProcess (a Node process, no second copy of the browser), wrapped in
// the same WorkerHandle the service gets from forkWorker in browser mode, so
// the service does not care which one it has.
//
// The worker script (electron/host/worker.ts) talks through
// process.parentPort (postMessage / on('message', e => e.data)) here and
// through process.send / process.on('message') under child_process.fork.
// utilityProcess structured-clones messages where fork JSON-serialises them,
// so messages must stay plain JSON data to mean the same thing in both.
import { utilityProcess, type ForkOptions, type UtilityProcess } from 'electron';
import type { FromWorker, ToWorker, WorkerHandle } from '../host/workerProtocol';

export type UtilityFork = (modulePath: string, args?: string[], options?: ForkOptions) => UtilityProcess;

const STDERR_TAIL = 4000;

export function spawnUtilityWorker(scriptPath: string, fork: UtilityFork = (m, a, o) => utilityProcess.fork(m, a, o)): WorkerHandle {
  // stdin must be 'ignore' for a utility process; stderr is kept for crash reports like forkWorker does.
  const child = fork(scriptPath, [], { serviceName: 'Racecar training', stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer | string) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
  let fatal = '';
  // A V8 fatal error in the worker ('exit' follows): keep where it happened for the exit detail.
  child.on('error', (type: string, location: string) => (fatal = `${type} at ${location}`));
  let exited = false;
  let exitDetail = '';
  child.once('exit', (code: number) => {
    exited = true;
    const extra = [fatal && `fatal ${fatal}`, stderr.trim() && `stderr: ${stderr.trim()}`].filter(Boolean).join('; ');
    exitDetail = `exit ${code}${extra ? `; ${extra}` : ''}`;
  });
  return {
    send(msg: ToWorker): void {
      // After exit the handle is gone and postMessage would be dropped anyway; onExit reports the end.
      if (!exited) child.postMessage(msg);
    },
    onMessage(cb: (msg: FromWorker) => void): void {
      child.on('message', (m: unknown) => cb(m as FromWorker));
    },
    onExit(cb: (detail: string) => void): void {
      // Registered after the end (e.g. while shutting down): report it instead of never calling back.
      if (exited) queueMicrotask(() => cb(exitDetail));
      else child.once('exit', () => cb(exitDetail));
    },
    kill(): void {
      if (!exited) child.kill();
    },
  };
}
