// `racecar sweep`: grids over lambdas, seeds, learning rates and layer sizes,
// run on this machine (local executor) or as a Slurm job array, resumable,
// with status and cancel. Its own option table; the base config comes from
// the same flags as `racecar train`.
import { ConfigError } from '../engine/config/schema';
import { findReferenceRun } from '../engine/presets';
import { SweepTagSchema } from '../engine/store/recordSchema';
import type { SweepTag } from '../engine/types';
import { expandSweep, parseSeedList, parseSweepSpec, type SweepSpecInput } from '../engine/sweep/spec';
import { createSweep, listSweeps, readSweep, readSweepFile, sweepExists, sweepStatus, type PointState, type SweepStatus } from '../engine/sweep/sweepStore';
import { RunStore } from '../engine/store/runStore';
import { cancelSweepLocal, defaultJobs, runSweepLocal } from '../executors/local';
import { cancelSweepSlurm, checkSlurmOptions, readSlurmJobs, slurmSweepStatus, submitSweepSlurm, type SlurmOptions } from '../executors/slurm';
import { TRAIN_OPTIONS, configFromFlags, type TrainFlags } from './trainArgs';
import { UsageError, intFlag, workspaceOf } from './flags';
import { fmt, table } from './format';
import { abortOnSignals } from './signals';
import { checkTarget, statsText, writeStatsTables } from './stats';
import { statsOfRuns } from '../engine/stats/groups';
import { WORKSPACE_OPTION, parseCommand, type CommandSpec, type OptionTable, type ParsedValues } from './options';

/** Flags of `racecar train` that a sweep takes as axes (a list of values) instead; --workspace is the sweep's own. */
const AXIS_FLAGS = ['lambda', 'lambda-ort', 'lr', 'layers', 'seed', 'workspace', 'json'];

const BASE_FLAGS: OptionTable = Object.fromEntries(Object.entries(TRAIN_OPTIONS as OptionTable).filter(([k]) => !AXIS_FLAGS.includes(k)));
const AXES = 'axes (a comma-separated list makes an axis; a single value sets the base)';

export const SWEEP_COMMAND: CommandSpec = {
  name: 'sweep',
  summary: 'many runs over a grid of settings, on this machine or a Slurm cluster',
  usage: [
    'sweep [base flags] [axes] [--executor local|slurm] [options]',
    'sweep --file sweep.json [--executor local|slurm]   (a saved sweep file resumes that sweep)',
    'sweep resume <sweep> [--executor local|slurm]      start the points that have no completed run',
    'sweep status <sweep> [--json] [--csv f] [--latex f] done / running / failed per point, statistics by mode',
    "sweep cancel <sweep>                               stop the sweep's runs (local processes or Slurm jobs)",
    'sweep list [--json]',
  ],
  positionals: true,
  options: {
    ...Object.fromEntries(Object.entries(BASE_FLAGS).map(([k, o]) => [k, { ...o, group: o.group ? `base: ${o.group}` : 'base' }])),
    lambda: { type: 'string', arg: '0,1e-7,1e-6', group: AXES, help: 'reverse-pass weight of every layer' },
    'layer-lambda': { type: 'string', arg: '2=0,1e-3', multiple: true, group: AXES, help: "one layer's weight (1-based layer; repeat for more layers)" },
    'lambda-ort': { type: 'string', arg: '0,0.1', group: AXES, help: 'SRIP orthogonality weight' },
    lr: { type: 'string', arg: '1e-4,1e-3', group: AXES, help: 'learning rate' },
    layers: { type: 'string', arg: '128,2', multiple: true, group: AXES, help: 'layer sizes, one flag per value (--layers 128,2 --layers 256,2)' },
    seeds: { type: 'string', arg: '0-4', group: AXES, help: 'training seeds (ranges and lists: 0-2,7)' },
    file: { type: 'string', arg: 'sweep.json', help: 'a sweep file (a saved one resumes its sweep)' },
    executor: {
      type: 'string',
      arg: 'local|slurm',
      group: 'executors',
      help: '(default local) training processes on this machine, or one Slurm job array (sbatch --array),\none task per point; the workspace must be on a shared file system and racecar installed on the nodes',
    },
    jobs: { type: 'string', arg: 'n', group: 'executors', help: `local: processes at once (default: one per core, here ${defaultJobs()})` },
    partition: { type: 'string', arg: 'p', group: 'executors', help: 'slurm: partition of each task' },
    time: { type: 'string', arg: '1:00:00', group: 'executors', help: 'slurm: time limit of each task' },
    cpus: { type: 'string', arg: 'n', group: 'executors', help: 'slurm: CPUs per task' },
    mem: { type: 'string', arg: '2G', group: 'executors', help: 'slurm: memory per task' },
    'array-limit': { type: 'string', arg: 'n', group: 'executors', help: 'slurm: at most n tasks at once' },
    'racecar-cmd': {
      type: 'string',
      arg: 'cmd',
      group: 'executors',
      help: 'slurm: how nodes run racecar (default: this node and CLI script, by absolute path)',
    },
    wait: { type: 'boolean', group: 'executors', help: 'slurm: wait until no point is queued or running, then print the status' },
    'dry-run': { type: 'boolean', help: 'print the points and exit' },
    csv: { type: 'string', arg: 'file', group: 'status', help: 'sweep status: also write the statistics by mode as CSV (a new file)' },
    latex: { type: 'string', arg: 'file', group: 'status', help: 'sweep status: also write them as a LaTeX booktabs table (a new file)' },
    ...WORKSPACE_OPTION,
    json: { type: 'boolean', help: 'print the sweep status as JSON' },
  },
  footer: `The sweep file is saved in <workspace>/sweeps/<id>/, and a config file per point as it runs. Every run
is a normal run (racecar runs) tagged with its sweep and point. Re-running (resume, or --file
with the saved sweep.json) starts only points without a completed run. --name names the sweep.

example:
  racecar sweep --preset peak_RR --lambda 0,1e-7,1e-6,1e-5 --seeds 0-4`,
};

type Values = ParsedValues;

function numList(flag: string, v: string): number[] {
  return v.split(',').map((p) => {
    const s = p.trim();
    const n = Number(s);
    if (s === '' || !Number.isFinite(n)) throw new ConfigError(`--${flag}: '${s}' is not a number: give values like 0,1e-6,1e-5`);
    return n;
  });
}

/** A sweep spec from the command line: single values go into the base config, lists become axes. */
export function specFromFlags(v: Values): SweepSpecInput {
  const str = (k: string) => v[k] as string | undefined;
  const base: Record<string, string | boolean | undefined> = {};
  for (const k of Object.keys(BASE_FLAGS)) if (v[k] !== undefined && k !== 'name') base[k] = v[k] as string | boolean;
  const axes: { param: string; values: (number | number[])[] }[] = [];
  const axisOrBase = (flag: 'lambda' | 'lambda-ort' | 'lr', param: string) => {
    const s = str(flag);
    if (s === undefined) return;
    const vals = numList(flag, s);
    if (vals.length === 1) base[flag] = s.trim();
    else axes.push({ param, values: vals });
  };
  const layers = (v.layers as string[] | undefined) ?? [];
  if (layers.length) {
    base.layers = layers[0];
    if (layers.length > 1)
      axes.push({
        param: 'layers',
        values: layers.map((l) =>
          l.split(',').map((u) => {
            const n = Number(u.trim());
            if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--layers: '${l}' is not a list of layer sizes like 128,2`);
            return n;
          }),
        ),
      });
  }
  axisOrBase('lambda', 'lambda');
  for (const ll of (v['layer-lambda'] as string[] | undefined) ?? []) {
    const m = /^\s*(\d+)\s*=(.*)$/.exec(ll);
    if (!m || Number(m[1]) < 1) throw new ConfigError(`--layer-lambda: '${ll}' must be <layer>=<values> with a 1-based layer, e.g. 2=0,1e-3`);
    axes.push({ param: `lambda${Number(m[1])}`, values: numList('layer-lambda', m[2]!) });
  }
  axisOrBase('lambda-ort', 'lambdaOrt');
  axisOrBase('lr', 'lr');
  if (str('seeds') !== undefined) {
    const seeds = parseSeedList(str('seeds')!);
    if (seeds.length === 1) base.seed = String(seeds[0]);
    else axes.push({ param: 'seed', values: seeds });
  }
  const config = configFromFlags(base as TrainFlags) as Record<string, unknown>;
  delete config.sweep;
  const preset = base.preset as string | undefined;
  const name = str('name') ?? (preset ? (findReferenceRun(preset)?.id ?? preset) : undefined) ?? 'sweep';
  return { name, base: config, axes };
}

const STATE_ORDER: PointState[] = ['done', 'running', 'queued', 'failed', 'diverged', 'cancelled', 'interrupted', 'pending'];

export function statusText(s: SweepStatus & { notes?: string[] }): string {
  const rows = s.points.map((p) => [
    String(p.index),
    p.key || '-',
    p.state,
    p.runId ?? '-',
    p.totalSteps ? `${p.lastStep}/${p.totalSteps}` : '-',
    (p.detail ?? p.error ?? '').slice(0, 100),
  ]);
  const counts = STATE_ORDER.filter((k) => s.counts[k] > 0)
    .map((k) => `${s.counts[k]} ${k}`)
    .join(', ');
  return [
    `sweep ${s.sweep.id} (${s.sweep.name}): ${s.points.length} points: ${counts}`,
    table(['point', 'values', 'state', 'run', 'step', 'detail'], rows),
    ...(s.notes ?? []).map((n) => `note: ${n}`),
  ].join('\n');
}

/** The status of a sweep; Slurm is asked only for sweeps submitted to it. */
export async function anyStatus(ws: string, id: string): Promise<SweepStatus & { notes?: string[] }> {
  if (readSlurmJobs(ws, id).length) return slurmSweepStatus(ws, id);
  const { sweep, points } = readSweep(ws, id);
  return sweepStatus(new RunStore(ws), sweep, points);
}

function slurmOptions(v: Values): SlurmOptions {
  const o: SlurmOptions = {
    ...(v.partition !== undefined ? { partition: v.partition as string } : {}),
    ...(v.time !== undefined ? { time: v.time as string } : {}),
    ...(v.mem !== undefined ? { mem: v.mem as string } : {}),
    ...(v['racecar-cmd'] !== undefined ? { racecarCmd: v['racecar-cmd'] as string } : {}),
  };
  const cpus = intFlag('cpus', v.cpus as string | undefined);
  if (cpus !== undefined) o.cpusPerTask = cpus;
  const limit = intFlag('array-limit', v['array-limit'] as string | undefined);
  if (limit !== undefined) o.arrayLimit = limit;
  checkSlurmOptions(o);
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Executor = { kind: 'slurm'; options: SlurmOptions } | { kind: 'local'; jobs: number | undefined };

/** The executor and its options, checked before a sweep folder is created. */
function checkExecutor(v: Values): Executor {
  const executor = (v.executor as string | undefined) ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new UsageError(`--executor: unknown executor '${executor}': use local or slurm`);
  return executor === 'slurm' ? { kind: 'slurm', options: slurmOptions(v) } : { kind: 'local', jobs: intFlag('jobs', v.jobs as string | undefined) };
}

async function execute(ws: string, id: string, v: Values, executor: Executor): Promise<number> {
  const print = (s: SweepStatus & { notes?: string[] }) => (v.json ? console.log(JSON.stringify(s, null, 2)) : console.error(statusText(s)));
  if (executor.kind === 'slurm') {
    const r = await submitSweepSlurm(ws, id, executor.options);
    if (r.jobId) console.error(`submitted Slurm job ${r.jobId}: ${r.indices.length} tasks (points ${r.indices.join(',')})`);
    else console.error(`nothing to submit: every point is done or in progress`);
    let status = r.status;
    if (v.wait) {
      while (status.points.some((p) => p.state === 'running' || p.state === 'queued')) {
        await sleep(3000);
        status = await slurmSweepStatus(ws, id);
      }
    }
    print(status);
    console.log(r.jobId ?? id);
    return v.wait && !status.complete ? 1 : 0;
  }
  const stop = abortOnSignals();
  try {
    const status = await runSweepLocal({ workspace: ws, sweepId: id, jobs: executor.jobs, signal: stop.signal, log: (l) => console.error(l) });
    print(status);
    console.log(id);
    return status.complete ? 0 : stop.signal.aborted ? 130 : 1;
  } finally {
    stop.dispose();
  }
}

/** What a saved sweep may be run with: the executors' options and those that change no point. */
const RUN_FLAGS = new Set([
  ...Object.entries(SWEEP_COMMAND.options).flatMap(([k, o]) => (o.group === 'executors' ? [k] : [])),
  'workspace',
  'json',
  'file',
  'help',
  'dry-run',
]);

function onlyExecutorFlags(v: Values, what: string): void {
  const extra = Object.keys(v).filter((k) => v[k] !== undefined && !RUN_FLAGS.has(k));
  if (extra.length) throw new UsageError(`${what}: --${extra[0]} cannot change a saved sweep: start a new sweep with it instead`);
}

export async function cmdSweep(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommand(SWEEP_COMMAND, args);
  const ws = workspaceOf(v as { workspace?: string });
  const [sub, ...rest] = positionals;
  if (sub !== 'status' && (v.csv !== undefined || v.latex !== undefined)) throw new UsageError('--csv and --latex go with sweep status <sweep>');
  const executor = sub === undefined || sub === 'resume' ? checkExecutor(v) : undefined;
  const needId = (what: string) => {
    if (rest.length !== 1) throw new UsageError(`sweep ${what}: give exactly one sweep id (see racecar sweep list)`);
    return rest[0]!;
  };
  switch (sub) {
    case 'list': {
      const { sweeps, problems } = listSweeps(ws);
      if (v.json) return (console.log(JSON.stringify({ sweeps, problems }, null, 2)), 0);
      if (!sweeps.length) console.log(`no sweeps in ${ws}`);
      else
        console.log(
          table(
            ['id', 'name', 'mode', 'axes', 'created'],
            sweeps.map((s) => [
              s.id,
              s.name,
              s.mode,
              s.axes.map((a) => `${a.param}(${a.values.length})`).join(' x ') || `${s.points?.length ?? 0} points`,
              s.createdAt,
            ]),
          ),
        );
      for (const p of problems) console.error(`skipped ${p.id}: ${p.error}`);
      return 0;
    }
    case 'status': {
      const id = needId('status');
      const csv = checkTarget('csv', v.csv as string | undefined);
      const latex = checkTarget('latex', v.latex as string | undefined);
      const s = await anyStatus(ws, id);
      // The finished points' runs grouped by mode (their seeds), as `racecar stats --sweep` gives them.
      const done = s.points.flatMap((p) => (p.state === 'done' && p.runId ? [p.runId] : []));
      if (!done.length && (csv || latex)) throw new UsageError(`sweep ${id} has no completed run yet: no statistics to write`);
      const stats = done.length ? statsOfRuns(new RunStore(ws), done) : null;
      if (stats) writeStatsTables(stats, csv, latex);
      if (v.json) console.log(JSON.stringify({ ...s, stats }, null, 2));
      else console.log(statusText(s) + (stats ? `\n\nstatistics of the ${done.length} completed runs by mode:\n${statsText(stats)}` : ''));
      return 0;
    }
    case 'cancel': {
      const id = needId('cancel');
      readSweep(ws, id); // a clear error for an unknown sweep
      const local = cancelSweepLocal(ws, id);
      const jobs = await cancelSweepSlurm(ws, id);
      const parts = [
        ...(local.driver !== null ? [`stopped the local driver (pid ${local.driver})`] : []),
        ...(local.runs.length ? [`asked ${local.runs.length} training process(es) to stop`] : []),
        ...(jobs.length ? [`cancelled Slurm job(s) ${jobs.join(', ')}`] : []),
      ];
      console.log(parts.length ? `sweep ${id}: ${parts.join('; ')}` : `sweep ${id}: nothing running to cancel`);
      return 0;
    }
    case 'resume': {
      const id = needId('resume');
      onlyExecutorFlags(v, 'sweep resume');
      readSweep(ws, id);
      return execute(ws, id, v, executor!);
    }
    case undefined:
      break;
    default:
      throw new UsageError(`sweep: unknown subcommand '${sub}': use status, cancel, resume or list, or flags to start a sweep (see racecar sweep --help)`);
  }

  let id: string;
  if (v.file !== undefined) {
    onlyExecutorFlags(v, '--file');
    const f = readSweepFile(v.file as string);
    if (f.id && sweepExists(ws, f.id)) {
      console.error(`resuming sweep ${f.id} from ${v.file as string}`);
      id = f.id;
    } else {
      const { id: _id, createdAt: _c, ...spec } = f;
      if (v['dry-run']) return dryRun(spec);
      id = createSweep(ws, spec).sweep.id;
      console.error(`created sweep ${id}`);
    }
  } else {
    const spec = specFromFlags(v);
    if (v['dry-run']) return dryRun(spec);
    id = createSweep(ws, spec).sweep.id;
    console.error(`created sweep ${id} in ${ws}`);
  }
  return execute(ws, id, v, executor!);
}

function dryRun(spec: SweepSpecInput): number {
  const pts = expandSweep(parseSweepSpec(spec));
  console.log(`${pts.length} points`);
  console.log(
    table(
      ['point', 'values', 'lambdas', 'lr', 'seed'],
      pts.map((p) => [
        String(p.index),
        p.key || '-',
        p.config.network.layers.map((l) => fmt(l.lambda, 2)).join('/'),
        fmt(p.config.training.optimizer.learningRate, 5),
        String(p.config.seed),
      ]),
    ),
  );
  return 0;
}

/** The sweep tag a point file carries (`racecar train --config <point>`), or undefined for an ordinary config. */
export function sweepTagOf(config: unknown): SweepTag | undefined {
  const raw = (config as { sweep?: unknown } | null)?.sweep;
  if (raw === undefined) return undefined;
  const r = SweepTagSchema.safeParse(raw);
  if (!r.success)
    throw new ConfigError(`--config: sweep: ${r.error.issues[0]?.message ?? 'invalid'}: a point file needs {"id": "<sweep id>", "point": <index>}`);
  return r.data;
}
