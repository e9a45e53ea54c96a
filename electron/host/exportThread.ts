// Worker-thread entry for figure-bundle exports from the engine service:
// drawing hundreds of figures must not stall the process that serves the UI.
// Progress goes to the service as messages; a 'cancel' message aborts the
// export, which then leaves nothing behind.
import { parentPort, workerData } from 'node:worker_threads';
import { RunStore } from '../engine/store/runStore';
import { ExportCancelledError, exportBundle, type ExportOptions, type ExportProgress, type ExportResult } from '../export/bundle';
import { resolveSweepExport, type SweepExportRequest } from '../export/sweepExport';
import { errorMessage } from '../engine/util/errorMessage';

/** What the service passes as workerData: the export's options without store, signal and callback. */
export interface ExportThreadData {
  workspace: string;
  options: Omit<ExportOptions, 'store' | 'signal' | 'onProgress' | 'sweep'>;
  /** A sweep's figures: resolved here (SVD scores are computed on this thread); its completed runs join `runIds`. */
  sweep?: SweepExportRequest;
}

/** Service → thread. */
export type ExportThreadCommand = { type: 'cancel' };

/** Thread → service: any number of progress messages, then exactly one 'done' or 'error'. */
export type ExportThreadMessage =
  ({ type: 'progress' } & ExportProgress) | { type: 'done'; result: ExportResult } | { type: 'error'; message: string; cancelled: boolean };

const port = parentPort!;
const { workspace, options, sweep } = workerData as ExportThreadData;
const abort = new AbortController();
const post = (m: ExportThreadMessage) => port.postMessage(m);

port.on('message', (m: ExportThreadCommand) => {
  if (m?.type === 'cancel') abort.abort();
});

const store = new RunStore(workspace);
Promise.resolve()
  .then(() => {
    const s = sweep ? resolveSweepExport(store, sweep) : null;
    return exportBundle({
      ...options,
      ...(s ? { sweep: s.sweep, runIds: [...new Set([...s.runIds, ...options.runIds])], figures: options.figures ?? [] } : {}),
      store,
      signal: abort.signal,
      onProgress: (p) => post({ type: 'progress', ...p }),
    });
  })
  .then((result) => post({ type: 'done', result }))
  .catch((e: unknown) => post({ type: 'error', message: errorMessage(e), cancelled: e instanceof ExportCancelledError }))
  // Nothing more to listen for: the thread may end (the service also terminates it on the final message).
  .finally(() => port.unref());
