// The runs reproduce.sh retrains, in an order that puts every transfer run's
// source (config.init.fromRun) before it: sources outside the bundle come
// along (their configs exported too), chains of transfers are followed to
// their first run, and a source no longer in the workspace is named.
import type { RunStore } from '../engine/store/runStore';
import type { RunRecord } from '../engine/types';

export interface RetrainEntry {
  run: RunRecord;
  configFile: string;
  label: string;
  /** Not in the bundle: retrained only as a source of a transfer run. */
  sourceOnly: boolean;
}

export interface RetrainPlan {
  entries: RetrainEntry[];
  /** Transfer runs whose source cannot be read: run id -> the missing source id. */
  missing: Map<string, string>;
}

export const configFileOf = (id: string): string => `configs/${id}.json`;

export function retrainPlan(store: RunStore, runs: { run: RunRecord; label: string }[]): RetrainPlan {
  const byId = new Map(runs.map((r) => [r.run.id, r]));
  const entries: RetrainEntry[] = [];
  const placed = new Set<string>();
  const missing = new Map<string, string>();
  const visit = (run: RunRecord, label: string, sourceOnly: boolean, path: Set<string>) => {
    if (placed.has(run.id) || path.has(run.id)) return;
    const from = run.config.init?.fromRun;
    if (from !== undefined) {
      const inBundle = byId.get(from);
      let source: RunRecord | null = inBundle?.run ?? null;
      if (!source) {
        try {
          source = store.get(from);
        } catch {
          missing.set(run.id, from);
        }
      }
      if (source) visit(source, inBundle?.label ?? source.name, !inBundle, new Set([...path, run.id]));
    }
    placed.add(run.id);
    entries.push({ run, configFile: configFileOf(run.id), label, sourceOnly });
  };
  for (const { run, label } of runs) visit(run, label, false, new Set());
  return { entries, missing };
}
