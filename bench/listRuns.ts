// Listing a workspace of 1,000 runs, as the app's Runs view and `racecar runs`
// do: the runs are copies of one real run's run.json (with its summary), so
// each is parsed and validated like any run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../electron/engine/store/runStore';
import { makeRunId, runDir, runJsonPath } from '../electron/engine/store/layout';
import { trainToEnd } from '../electron/engine/train/trainer';
import type { RunConfigInput } from '../electron/engine/config/schema';

export async function benchListRuns(config: RunConfigInput, count = 1000): Promise<{ runs: number; medianMs: number; maxMs: number }> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-bench-list-'));
  const store = new RunStore(ws);
  const seed = await trainToEnd(config, { store });
  const text = fs.readFileSync(runJsonPath(ws, seed.id), 'utf8');
  const base = new Date('2026-01-01T00:00:00Z').getTime();
  for (let i = 1; i < count; i++) {
    const id = makeRunId(`bench ${i}`, new Date(base + i * 1000));
    fs.mkdirSync(runDir(ws, id));
    fs.writeFileSync(runJsonPath(ws, id), text.replace(JSON.stringify(seed.id), JSON.stringify(id)));
  }
  const times: number[] = [];
  let listed = 0;
  for (let rep = 0; rep < 7; rep++) {
    const t0 = performance.now();
    listed = store.list().runs.length;
    times.push(performance.now() - t0);
  }
  fs.rmSync(ws, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { runs: listed, medianMs: times[3], maxMs: times[6] };
}
