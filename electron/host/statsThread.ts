// Worker-thread entry for statistics over runs (runs.stats): the alignment
// score of each run is an SVD (computed once, then cached), which must not
// stall the engine process's message loop. The tables are the export's own.
import { parentPort, workerData } from 'node:worker_threads';
import type { RunStatsView } from '../contract/contract';
import { statsOfRuns } from '../engine/stats/groups';
import { RunStore } from '../engine/store/runStore';
import { errorMessage } from '../engine/util/errorMessage';
import { statsCsv, statsLatex } from '../export/statsTables';

export type StatsThreadResult = { ok: true; stats: RunStatsView } | { ok: false; error: string };

const { workspace, ids } = workerData as { workspace: string; ids: string[] };
let reply: StatsThreadResult;
try {
  const store = new RunStore(workspace);
  for (const id of ids) store.get(id); // an unknown id fails here, naming it
  const s = statsOfRuns(store, ids);
  reply = { ok: true, stats: { ...s, csv: statsCsv(s), latex: statsLatex(s) } };
} catch (e) {
  reply = { ok: false, error: errorMessage(e) };
}
parentPort!.postMessage(reply);
