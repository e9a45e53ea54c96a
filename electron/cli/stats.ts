// `racecar stats`: statistics over seeds of runs grouped by mode (Std, Ort,
// RR): mean, standard deviation and 95% interval of test accuracy, SVD
// alignment score and reconstruction error, Welch's t-test between modes;
// as a table, JSON, CSV or a LaTeX (booktabs) table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STAT_METRICS, statLabel, statsOfRuns, type GroupStats, type RunStats, type StatMetric } from '../engine/stats/groups';
import { RunStore } from '../engine/store/runStore';
import { sweepRuns } from '../engine/sweep/sweepStore';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { statsCsv, statsLatex } from '../export/statsTables';
import { UsageError, workspaceOf } from './flags';
import { fmt, table } from './format';
import { JSON_OPTION, WORKSPACE_OPTION, parseCommand, type CommandSpec } from './options';

export const STATS_COMMAND: CommandSpec = {
  name: 'stats',
  summary: "statistics over seeds by mode (Std / Ort / RR): mean, sd, 95% interval, Welch's t-test",
  usage: ['stats <run...> [--csv file] [--latex file] [--json]', 'stats --sweep <sweep> [--csv file] [--latex file] [--json]'],
  positionals: true,
  options: {
    sweep: { type: 'string', arg: 'id', help: 'every completed run of a sweep (its seeds and modes)' },
    csv: { type: 'string', arg: 'file', help: 'also write the numbers as CSV (a new file)' },
    latex: { type: 'string', arg: 'file', help: 'also write a LaTeX table, booktabs (a new file)' },
    ...JSON_OPTION,
    ...WORKSPACE_OPTION,
  },
  footer: `Runs are grouped by mode from their config: RR where a layer's reverse-pass lambda
is above 0, Ort where lambdaOrt is. The interval is Student's t over the seeds.

example:
  racecar stats --sweep 20261207-101500-peak-rr --latex table.tex`,
};

/** A new file: refused (before anything is computed) where it exists or its folder does not. */
export function checkTarget(flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const abs = path.resolve(file);
  if (fs.existsSync(abs)) throw new UsageError(`--${flag} ${file}: the file exists: name a new file`);
  if (!fs.existsSync(path.dirname(abs))) throw new UsageError(`--${flag} ${file}: the folder ${path.dirname(abs)} does not exist`);
  return abs;
}

export function cmdStats(args: string[]): number {
  const { values, positionals } = parseCommand(STATS_COMMAND, args);
  const csv = checkTarget('csv', values.csv as string | undefined);
  const latex = checkTarget('latex', values.latex as string | undefined);
  const store = new RunStore(workspaceOf(values));
  const sweep = values.sweep as string | undefined;
  if (sweep && positionals.length) throw new UsageError('give run ids or --sweep, not both');
  const ids = sweep ? sweepRuns(store, sweep).map((r) => r.id) : positionals;
  if (!ids.length)
    throw new UsageError(sweep ? `sweep ${sweep} has no runs in ${store.workspace}` : 'name the runs to compare (racecar runs lists them), or --sweep <id>');
  for (const id of ids) store.get(id); // an unknown id fails here, naming it
  const s = statsOfRuns(store, ids);
  writeStatsTables(s, csv, latex);
  if (values.json) {
    console.log(JSON.stringify(s, null, 2));
    return 0;
  }
  console.log(statsText(s));
  return 0;
}

/** The CSV and LaTeX tables, where asked for (targets checked by checkTarget before anything was computed). */
export function writeStatsTables(s: RunStats, csv: string | undefined, latex: string | undefined): void {
  if (csv) writeFileAtomic(csv, statsCsv(s));
  if (latex) writeFileAtomic(latex, statsLatex(s));
}

/** The statistics as text: a row per mode, a row per test, then the notes. */
export function statsText(s: RunStats): string {
  const out: string[] = [];
  const header = ['mode', 'runs', ...STAT_METRICS.map((m) => `${statLabel(m)} (mean ± sd [95% CI])`)];
  const cell = (m: StatMetric, g: GroupStats) => {
    const x = g.metrics[m];
    return x.n === 0 ? '-' : `${fmt(x.mean, 4)} ± ${fmt(x.sd, 4)} [${fmt(x.mean - x.ci95, 4)}, ${fmt(x.mean + x.ci95, 4)}]`;
  };
  out.push(
    table(
      header,
      s.groups.map((g) => [g.mode, String(g.runs.length), ...STAT_METRICS.map((m) => cell(m, g))]),
    ),
  );
  if (s.tests.length) {
    out.push("\nWelch's t-test between modes (two-sided p):");
    out.push(
      table(
        ['modes', 'metric', 't', 'df', 'p'],
        s.tests.map((t) => [`${t.a} vs ${t.b}`, statLabel(t.metric), fmt(t.test.t, 3), fmt(t.test.df, 1), fmt(t.test.p, 4)]),
      ),
    );
  }
  for (const n of s.notes) out.push(`note: ${n}`);
  return out.join('\n');
}
