// Child processes of the desktop app: the engine process and its training
// processes are Electron utilityProcesses (Node processes, no second copy of
// the browser), wrapped in the same ChildHandle that child_process.fork gives
// in browser mode, so the engine client and the service do not care which
// one they have. The child side talks through process.parentPort
// (host/parentChannel.ts).
import { MessageChannelMain, utilityProcess, type ForkOptions, type MessagePortMain, type UtilityProcess } from 'electron';
import type { ChildHandle } from '../host/childHandle';
import type { TrainingLink } from '../host/engineClient';
import type { MessagePortLike } from '../host/messagePort';
import type { FromTraining, ToTraining } from '../host/trainingProtocol';

export type UtilityFork = (modulePath: string, args?: string[], options?: ForkOptions) => UtilityProcess;
/** Makes the pair of ports of a direct channel between two utility processes. */
export type PortPair = () => { port1: MessagePortLike; port2: MessagePortLike };

const STDERR_TAIL = 4000;

export function spawnUtilityChild<Send, Receive>(
  scriptPath: string,
  serviceName: string,
  fork: UtilityFork = (m, a, o) => utilityProcess.fork(m, a, o),
): ChildHandle<Send, Receive> & Required<Pick<ChildHandle<Send, Receive>, 'sendPorts'>> {
  // stdin must be 'ignore' for a utility process; stderr is kept for crash reports.
  const child = fork(scriptPath, [], { serviceName, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer | string) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
  let fatal = '';
  // A V8 fatal error in the child ('exit' follows): keep where it happened for the exit detail.
  child.on('error', (type: string, location: string) => (fatal = `${type} at ${location}`));
  let exited = false;
  let exitDetail = '';
  child.once('exit', (code: number) => {
    exited = true;
    const extra = [fatal && `fatal ${fatal}`, stderr.trim() && `stderr: ${stderr.trim()}`].filter(Boolean).join('; ');
    exitDetail = `exit ${code}${extra ? `; ${extra}` : ''}`;
  });
  return {
    get pid() {
      return child.pid;
    },
    send(msg: Send): void {
      // After exit the handle is gone and postMessage would be dropped anyway; onExit reports the end.
      if (!exited) child.postMessage(msg);
    },
    sendPorts(msg: Send, ports: MessagePortLike[]): void {
      // Ports come from a PortPair: MessagePortMain in the app.
      if (!exited) child.postMessage(msg, ports as MessagePortMain[]);
    },
    onMessage(cb: (msg: Receive) => void): void {
      child.on('message', (m: unknown) => cb(m as Receive));
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

/**
 * A training process for the engine process: a utility process that gets one
 * end of a MessageChannelMain, the engine process the other (the engine
 * client sends it), so that their messages do not pass through main.
 */
export function spawnUtilityTraining(scriptPath: string, ports: PortPair = () => new MessageChannelMain(), fork?: UtilityFork): TrainingLink {
  const child = spawnUtilityChild<ToTraining, FromTraining>(scriptPath, 'Racecar training', fork);
  const { port1, port2 } = ports();
  child.sendPorts({ type: 'engine.port' }, [port2]);
  return { process: child, enginePort: port1 };
}
