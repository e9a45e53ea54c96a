#!/usr/bin/env node
// `racecar`: the workbench from a terminal. Every command validates its input
// before touching the workspace, and fails with one line naming the field.
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { TRAIN_OPTIONS, configFromFlags, type TrainFlags } from './trainArgs';
import { ProgressPrinter, fmt, runsTable, table } from './format';
import { RunStore } from '../engine/store/runStore';
import { trainRun } from '../engine/train/trainer';
import { UsageError, intFlag, workspaceOf } from './flags';
import { computeLayerSvd } from '../engine/svd/runSvd';
import { reproduce } from './reproduce';
import { serve } from './serve';
import { cmdExport } from './export';

const USAGE = `racecar: reverse-pass (racecar) regularisation workbench

usage:
  racecar train [options]            train one run (see racecar train --help)
  racecar runs [--json]              list the runs in the workspace
  racecar svd <run> [--layer k] [--step n] [--json]
                                     SVD of a layer's weights at a checkpoint, with data alignment
                                     (layers 1..L and vectors u1..uk as in the app; --json indices count from 0)
  racecar reproduce [--out dir] [--only ids] [--jobs n]
                                     the six reference runs (MNIST pair and peak x Std/Ort/RR) and their SVDs
  racecar serve [--port n]           browser mode: the workbench UI on 127.0.0.1
  racecar export <run...> --out <dir|file.zip> [options]
                                     figures (PNG/SVG/GIF), metrics, configs, README and reproduce.sh (see racecar export --help)

common options:
  --workspace dir                    where runs live (default: $RACECAR_WORKSPACE or the app's workspace)
environment:
  RACECAR_BACKEND=tensorflow|wasm|cpu  force a tfjs backend
  RACECAR_WASM_THREADS=n               wasm threads per training process (default: one per core, at most 4)`;

const TRAIN_HELP = `racecar train: train one run

  --preset id          start from a reference run: MNIST_Std, MNIST_Ort, MNIST_RR, peak_Std, peak_Ort, peak_RR
  --config file.json   start from a config file (flags override it)
  --name s --seed n
data:
  --data peak|mnist|mnist-pair|folder   --folder dir   --digits 0,1
  --train-per-class n  --test-per-class n  --test-ratio r  --data-seed n  --scale raw|unit
network:
  --layers 128,2       layer sizes, the last is the output layer
  --activation relu    hidden activation (or one per layer: relu,linear)
  --batch-norm         batch norm on the hidden layers
  --lambda 1e-6        reverse-pass weight, one for all layers or one per layer
  --lambda-ort 0.1     SRIP orthogonality weight
  --reduction halfSum|mean   --reference-quirks
training:
  --optimizer adam|sgd|rmsprop  --lr 1e-4  --momentum 0.9
  --batch-size n|full  --steps n | --epochs n  --eval-every n  --checkpoint-every n  --backward-samples n

example:
  racecar train --data peak --layers 128,2 --activation relu --batch-norm --lambda 1e-6 --steps 2000`;

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], options: T, positionals = false) {
  try {
    return parseArgs({
      args,
      options: { ...options, workspace: { type: 'string' }, help: { type: 'boolean' }, json: { type: 'boolean' } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (e) {
    // node's messages span lines ("... ambiguous. Did you forget ... use '--x=-1'"): keep them, on one line.
    throw new UsageError((e as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

async function cmdTrain(args: string[]): Promise<number> {
  const { values } = parse(args, TRAIN_OPTIONS);
  if (values.help) return (console.log(TRAIN_HELP), 0);
  const config = configFromFlags(values as TrainFlags);
  const store = new RunStore(workspaceOf(values));
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const printer = new ProgressPrinter();
  let status = 'failed';
  let runId = '';
  try {
    for await (const e of trainRun(config, { store, signal: abort.signal })) {
      printer.handle(e);
      if (e.type === 'started') runId = e.runId;
      if (e.type === 'finished') status = e.status;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (values.json) console.log(JSON.stringify(store.get(runId)));
  else console.log(runId);
  return status === 'completed' ? 0 : status === 'cancelled' ? 130 : 1;
}

function cmdRuns(args: string[]): number {
  const { values } = parse(args, {});
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
  return 0;
}

function cmdSvd(args: string[]): number {
  const { values, positionals } = parse(args, { layer: { type: 'string' }, step: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError('svd: give exactly one run id (see racecar runs)');
  const store = new RunStore(workspaceOf(values));
  // Layers are numbered from 1, as in the app and the figures (layer 1 = the first, its input is the image).
  const layer = intFlag('layer', values.layer as string | undefined) ?? 1;
  const layers = store.get(positionals[0]).config.network.layers.length;
  if (layer < 1 || layer > layers) throw new UsageError(`--layer ${layer}: run "${positionals[0]}" has layers 1..${layers} (layer 1 is the first)`);
  const r = computeLayerSvd(store, positionals[0], layer - 1, intFlag('step', values.step as string | undefined));
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
  console.log(`images: ${store.workspace}/runs/${r.runId}/svd/`);
  return 0;
}

async function cmdReproduce(args: string[]): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' }, only: { type: 'string' }, jobs: { type: 'string' }, steps: { type: 'string' } });
  const res = await reproduce({
    workspace: workspaceOf(values),
    out: path.resolve((values.out as string | undefined) ?? 'racecar-reproduce'),
    only: (values.only as string | undefined)?.split(',').map((s) => s.trim()),
    jobs: intFlag('jobs', values.jobs as string | undefined),
    steps: intFlag('steps', values.steps as string | undefined),
    log: (l) => console.error(l),
  });
  console.log(res.summary);
  console.log(`wall time ${res.wallSeconds.toFixed(1)} s (backend ${res.backend}); reference layout in ${res.out}`);
  return res.ok ? 0 : 1;
}

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parse(args, { port: { type: 'string' } });
  await serve({ workspace: workspaceOf(values), port: intFlag('port', values.port as string | undefined) ?? 0 });
  return -1; // keeps running
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'train':
        return await cmdTrain(rest);
      case 'runs':
        return cmdRuns(rest);
      case 'svd':
        return cmdSvd(rest);
      case 'reproduce':
        return await cmdReproduce(rest);
      case 'serve':
        return await cmdServe(rest);
      case 'export':
        return await cmdExport(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}': use train, runs, svd, reproduce, export or serve`);
    }
  } catch (e) {
    console.error(`racecar: ${(e as Error).message.split('\n')[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}
