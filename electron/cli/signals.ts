// Ctrl-C (SIGINT), kill (SIGTERM) and a closed terminal (SIGHUP) all stop a
// long command the same way: through its AbortSignal, so a run ends
// 'cancelled' with its last state saved instead of being killed mid-write.
import * as os from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof SIGNALS)[number];

export interface SignalAbort {
  signal: AbortSignal;
  /** The signal that stopped the command, if any. */
  received(): StopSignal | null;
  /** The conventional exit code for it (128 + signal number), or `otherwise`. */
  exitCode(otherwise: number): number;
  dispose(): void;
}

const ignore = () => {};

export function abortOnSignals(): SignalAbort {
  const abort = new AbortController();
  let got: StopSignal | null = null;
  const handlers = SIGNALS.map((sig) => {
    const h = () => {
      if (sig === 'SIGHUP') {
        // The terminal is gone: writing to it fails (EIO); keep going quietly.
        process.stdout.on('error', ignore);
        process.stderr.on('error', ignore);
      }
      got ??= sig;
      abort.abort();
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    signal: abort.signal,
    received: () => got,
    exitCode: (otherwise) => (got ? 128 + os.constants.signals[got] : otherwise),
    dispose: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
