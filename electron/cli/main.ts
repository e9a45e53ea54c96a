#!/usr/bin/env node
// `racecar`: the workbench from a terminal. Every command validates its input
// before touching the workspace, and fails with one line naming the field;
// `--help` (or -h) prints a command's help, generated from the same option
// table its parser uses, and exits 0 before anything else happens.
import * as path from 'node:path';
import { TRAIN_OPTIONS, configFromFlags, type TrainFlags } from './trainArgs';
import { ProgressPrinter, RunsProgress, fmt, runsTable, table } from './format';
import { RunStore } from '../engine/store/runStore';
import { resumePlan, trainRun, type TrainOptions } from '../engine/train/trainer';
import { UsageError, intFlag, workspaceOf } from './flags';
import { computeLayerSvd } from '../engine/svd/runSvd';
import { appPackage } from '../engine/util/version';
import { reproduce } from './reproduce';
import { serve } from './serve';
import { EXPORT_COMMAND, cmdExport } from './export';
import { JSON_OPTION, WORKSPACE_OPTION, helpText, parseCommand, wantsHelp, type CommandSpec } from './options';
import { abortOnSignals } from './signals';
import { SWEEP_COMMAND, cmdSweep, sweepTagOf } from './sweep';
import { STATS_COMMAND, cmdStats } from './stats';
import { INFO_PLANE_COMMAND, cmdInfoPlane } from './infoPlane';
import { STUDY_COMMAND, cmdStudy } from './study';

const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'train one run',
  usage: ['train [options]'],
  options: { ...TRAIN_OPTIONS, ...WORKSPACE_OPTION, json: { type: 'boolean', help: 'print the finished run record as JSON' } },
  footer: `Ctrl-C, kill (SIGTERM) or closing the terminal (SIGHUP) stops the run as
cancelled, keeping the state reached as a checkpoint.

example:
  racecar train --data peak --layers 128,2 --activation relu --batch-norm --lambda 1e-6 --steps 2000`,
};

const RUNS: CommandSpec = {
  name: 'runs',
  summary: 'list the runs in the workspace',
  usage: ['runs [--json]'],
  options: { ...WORKSPACE_OPTION, json: { type: 'boolean', help: 'print every run record with its last evaluation as JSON' } },
};

const SVD: CommandSpec = {
  name: 'svd',
  summary: "SVD of a layer's weights at a checkpoint, with its alignment to the test data",
  usage: ['svd <run> [--layer k] [--step n] [--json]'],
  positionals: true,
  options: {
    layer: { type: 'string', arg: 'k', help: 'layer, from 1 (the first, whose input-space vectors are images), as in the app; default 1' },
    step: { type: 'string', arg: 'n', help: 'a checkpointed step; default the last checkpoint' },
    ...WORKSPACE_OPTION,
    ...JSON_OPTION,
  },
  footer: 'The result is cached in the run folder when it can be written (a read-only workspace is fine).',
};

const REPRODUCE: CommandSpec = {
  name: 'reproduce',
  summary: 'the six reference runs (MNIST pair and peak x Std/Ort/RR) and their SVDs',
  usage: ['reproduce [--out dir] [--only ids] [--jobs n] [--steps n]'],
  options: {
    out: { type: 'string', arg: 'dir', help: "where the reference code's file layout is written (default ./racecar-reproduce)" },
    only: { type: 'string', arg: 'ids', help: 'some of MNIST_Std, MNIST_Ort, MNIST_RR, peak_Std, peak_Ort, peak_RR (comma-separated)' },
    jobs: { type: 'string', arg: 'n', help: 'runs trained at once, one process each (default: one per core)' },
    steps: { type: 'string', arg: 'n', help: "override every run's step count (quick checks)" },
    ...WORKSPACE_OPTION,
  },
};

const RESUME: CommandSpec = {
  name: 'resume',
  summary: 'continue a cancelled or interrupted run from its last checkpoint',
  usage: ['resume <run> [--json]'],
  positionals: true,
  options: { ...WORKSPACE_OPTION, json: { type: 'boolean', help: 'print the finished run record as JSON' } },
  footer: `Weights, batch-norm statistics, the optimizer's state (when the checkpoint has it and
the backend is the one that saved it) and every random draw up to the checkpoint are
restored: the run goes on as if it had never stopped. Evaluations after the checkpoint
are dropped. Stopping it (Ctrl-C, SIGTERM, SIGHUP) cancels it again, resumably.`,
};

const SERVE: CommandSpec = {
  name: 'serve',
  summary: 'browser mode: the workbench UI on 127.0.0.1',
  usage: ['serve [--port n]'],
  options: { port: { type: 'string', arg: 'n', help: 'port on 127.0.0.1 (default: a free one)' }, ...WORKSPACE_OPTION },
  footer: 'Prints the URL with its session token; Ctrl-C or SIGTERM stops the server and any running export.',
};

const COMMANDS: CommandSpec[] = [TRAIN, RESUME, RUNS, SVD, REPRODUCE, SERVE, EXPORT_COMMAND, SWEEP_COMMAND, STATS_COMMAND, INFO_PLANE_COMMAND, STUDY_COMMAND];

function usage(): string {
  const lines = COMMANDS.flatMap((c) => c.usage.map((u, i) => (i === 0 ? `  racecar ${u}\n      ${c.summary}` : `  racecar ${u}`)));
  return `racecar ${appPackage().version}: reverse-pass (racecar) regularisation workbench

usage:
${lines.join('\n')}
  racecar <command> --help           the options of a command
  racecar --version                  the version

environment:
  RACECAR_WORKSPACE=dir                     where runs live (--workspace overrides it)
  RACECAR_BACKEND=onnx|tensorflow|wasm|cpu  force a backend (default: the fastest present, in that order)
  RACECAR_ONNX_THREADS=n                    ONNX Runtime threads per training process (default: 1 or 2 by the step's size)
  RACECAR_WASM_THREADS=n                    wasm threads per training process (default: one per core, at most 4)`;
}

async function cmdTrain(args: string[]): Promise<number> {
  const { values } = parseCommand(TRAIN, args);
  const config = configFromFlags(values as TrainFlags);
  const sweep = sweepTagOf(config);
  return train(config, new RunStore(workspaceOf(values)), { ...(sweep ? { sweep } : {}) }, values.json === true);
}

async function cmdResume(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(RESUME, args);
  if (positionals.length !== 1) throw new UsageError('resume: give exactly one run id (see racecar runs)');
  const store = new RunStore(workspaceOf(values));
  const id = positionals[0]!;
  // Checked before anything changes: a cancelled or interrupted run with a checkpoint before its last step.
  const plan = resumePlan(store, id);
  console.error(`resuming ${id} from step ${plan.step} of ${plan.totalSteps}`);
  return train(store.get(id).config, store, { runId: id, resume: true }, values.json === true);
}

/** Trains (or resumes) one run with a progress line; stops cleanly on Ctrl-C, SIGTERM and SIGHUP. */
async function train(config: unknown, store: RunStore, opts: Omit<TrainOptions, 'store' | 'signal'>, json: boolean): Promise<number> {
  const stop = abortOnSignals();
  const printer = new ProgressPrinter();
  let status = 'failed';
  let runId = '';
  try {
    for await (const e of trainRun(config, { ...opts, store, signal: stop.signal })) {
      printer.handle(e);
      if (e.type === 'started') runId = e.runId;
      if (e.type === 'finished') status = e.status;
    }
  } finally {
    stop.dispose();
  }
  if (json) console.log(JSON.stringify(store.get(runId)));
  else console.log(runId);
  return status === 'completed' ? 0 : status === 'cancelled' ? stop.exitCode(130) : 1;
}

function cmdRuns(args: string[]): number {
  const { values } = parseCommand(RUNS, args);
  const store = new RunStore(workspaceOf(values));
  // run.json alone (each run's writer keeps its latest evaluation there): one broken run is a row, not a failure.
  const { runs, problems } = store.list();
  const rows = runs.map((run) => ({ run, last: run.last ?? null }));
  if (values.json) {
    console.log(JSON.stringify({ runs: rows, problems }, null, 2));
    return 0;
  }
  if (!rows.length && !problems.length) console.log(`no runs in ${store.workspace}`);
  else console.log(runsTable(rows, problems));
  // Why a run stopped early (a divergence names its step and the fix).
  for (const { run } of rows) if ((run.status === 'failed' || run.status === 'diverged') && run.error) console.log(`${run.id}: ${run.error}`);
  return 0;
}

function cmdSvd(args: string[]): number {
  const { values, positionals } = parseCommand(SVD, args);
  if (positionals.length !== 1) throw new UsageError('svd: give exactly one run id (see racecar runs)');
  const store = new RunStore(workspaceOf(values));
  // Layers are numbered from 1, as in the app and the figures (layer 1 = the first, its input is the image).
  const layer = intFlag('layer', values.layer as string | undefined) ?? 1;
  const layers = store.get(positionals[0]).config.network.layers.length;
  if (layer < 1 || layer > layers) throw new UsageError(`--layer ${layer}: run "${positionals[0]}" has layers 1..${layers} (layer 1 is the first)`);
  let cached = true;
  const r = computeLayerSvd(store, positionals[0], layer - 1, intFlag('step', values.step as string | undefined), {
    onNote: (n) => {
      if (n.kind !== 'cache-invalid') cached = false;
      console.error(`note: ${n.message}`);
    },
  });
  if (values.json) {
    const { vectorPngs: _pngs, ...rest } = r;
    console.log(JSON.stringify(rest));
    return 0;
  }
  console.log(`run ${r.runId} layer ${r.layer + 1} step ${r.step}: W is ${r.rows}x${r.cols}`);
  console.log(`singular values (u1..u${r.s.length}): ${r.s.map((v) => fmt(v, 3)).join(' ')}`);
  if (r.alignment) {
    const a = r.alignment;
    console.log(`alignment score (mean best |cos| of class means): ${fmt(a.score, 3)}`);
    console.log(`test energy captured: top-${a.k} by singular value ${fmt(a.energyTopK, 3)}, best-${a.k} ${fmt(a.energyBestK, 3)}`);
    console.log(
      table(
        ['class', 'best vector', '|cos|'],
        a.classMeans.map((c) => [String(c.label), c.bestVector >= 0 ? `u${c.bestVector + 1}` : '-', fmt(c.cosine, 3)]),
      ),
    );
  }
  if (cached && r.vectorPngs.length) console.log(`images: ${store.workspace}/runs/${r.runId}/svd/`);
  return 0;
}

async function cmdReproduce(args: string[]): Promise<number> {
  const { values } = parseCommand(REPRODUCE, args);
  const tty = process.stderr.isTTY;
  let progress: RunsProgress | null = null;
  const res = await reproduce({
    workspace: workspaceOf(values),
    out: path.resolve((values.out as string | undefined) ?? 'racecar-reproduce'),
    only: (values.only as string | undefined)?.split(',').map((s) => s.trim()),
    jobs: intFlag('jobs', values.jobs as string | undefined),
    steps: intFlag('steps', values.steps as string | undefined),
    log: (l) => {
      if (tty && progress) process.stderr.write('\r\x1b[K');
      console.error(l);
    },
    onPlan: (runs) => {
      console.error(`training ${runs.length} runs (${runs.reduce((a, r) => a + r.totalSteps, 0)} steps)`);
      progress = new RunsProgress(runs);
    },
    onEvent: (id, e) => progress?.handle(id, e),
  });
  (progress as RunsProgress | null)?.end();
  console.log(res.summary);
  console.log(`wall time ${res.wallSeconds.toFixed(1)} s (backend ${res.backend}); reference layout in ${res.out}`);
  return res.ok ? 0 : 1;
}

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parseCommand(SERVE, args);
  await serve({ workspace: workspaceOf(values), port: intFlag('port', values.port as string | undefined) ?? 0 });
  return -1; // keeps running
}

const RUNNERS: Record<string, (args: string[]) => number | Promise<number>> = {
  train: cmdTrain,
  resume: cmdResume,
  runs: cmdRuns,
  svd: cmdSvd,
  stats: cmdStats,
  'info-plane': cmdInfoPlane,
  study: cmdStudy,
  reproduce: cmdReproduce,
  serve: cmdServe,
  export: cmdExport,
  sweep: cmdSweep,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      const spec = COMMANDS.find((c) => c.name === rest[0]);
      console.log(cmd === 'help' && spec ? helpText(spec) : usage());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
      console.log(appPackage().version);
      return 0;
    }
    const spec = COMMANDS.find((c) => c.name === cmd);
    if (!spec) throw new UsageError(`unknown command '${cmd}': use ${COMMANDS.map((c) => c.name).join(', ')} (see racecar --help)`);
    if (wantsHelp(rest)) {
      console.log(helpText(spec));
      return 0;
    }
    return await RUNNERS[cmd]!(rest);
  } catch (e) {
    console.error(`racecar: ${(e as Error).message.split('\n')[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  // main() answers every error with an exit code; a rejection here would be a bug, and Node reports it and exits non-zero.
  void main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}
