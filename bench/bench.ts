// npm run bench: training and SVD speed per backend, tensor counts, memory,
// event-loop lag of the UI-serving process while the engine validates a large
// data set and trains W2, listing 1,000 runs, the same lag with 10,000 runs
// while a client pages through them, and the wall time of `racecar
// reproduce`. Prints a table and writes bench-results.json.
// Speed is stated against tuned PyTorch-CPU measured side by side: when
// ../shared/bench/run_reference.sh can run (python3-torch installed) it runs
// right before and right after the workbench's own W1/W2, and the ratios use
// the mean of the two; torch.linalg.svd (bench/torch_svd.py) is the SVD's
// reference. ONNX Runtime's thread counts are compared with one training
// process and with two in parallel (what the default is chosen from).
// A benchmark, not a test: nothing here asserts.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { availableBackends, initBackend } from '../electron/engine/backend';
import { RunStore } from '../electron/engine/store/runStore';
import { logPath } from '../electron/engine/store/layout';
import { trainToEnd } from '../electron/engine/train/trainer';
import { findPreset } from '../electron/engine/presets';
import { thinSvd } from '../electron/engine/svd/svd';
import { Rng } from '../electron/engine/util/rng';
import type { RunConfigInput } from '../electron/engine/config/schema';
import { benchServeLag } from './serveLag';
import { benchListRuns } from './listRuns';
import { benchLargeWorkspace, type LargeWorkspaceResult } from './largeWorkspace';
import { describeProcessor, processor } from './processor';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

export const W1 = (steps: number): RunConfigInput => ({
  name: 'bench-W1',
  data: { source: { kind: 'peak', trainPerClass: 50, testPerClass: 5 } },
  network: {
    layers: [
      { units: 128, activation: 'relu', batchNorm: true, lambda: 1e-6 },
      { units: 2, activation: 'relu', batchNorm: true, lambda: 1e-6 },
    ],
  },
  loss: { referenceQuirks: true },
  training: { steps, evalEvery: steps, checkpointEvery: 0, backwardSamples: 0, batchSize: 0 },
});

export const W2 = (steps?: number): RunConfigInput => ({
  name: 'bench-W2',
  data: { source: { kind: 'mnist' }, scale: 'unit' },
  network: {
    layers: [
      { units: 512, activation: 'relu', lambda: 1e-3 },
      { units: 256, activation: 'relu', lambda: 1e-3 },
      { units: 10, activation: 'linear', lambda: 1e-3 },
    ],
  },
  training: {
    ...(steps ? { steps } : { epochs: 1 }),
    evalEvery: 100,
    checkpointEvery: 0,
    backwardSamples: 0,
    batchSize: 128,
    optimizer: { kind: 'adam', learningRate: 1e-3 },
  },
});

/** The CNN of ../shared/bench/README.md: the MNIST_CNN_RR preset, batch 128, 200 steps (the reference's). */
export const W3 = (steps = 200): RunConfigInput => {
  const cnn = findPreset('MNIST_CNN_RR')!.config;
  return { ...cnn, name: 'bench-W3', training: { ...cnn.training, steps, evalEvery: 100, checkpointEvery: 0, backwardSamples: 0 } };
};

/** Steps/s over a run, evaluations excluded: total steps over the sum of the per-segment times. */
function trainingRate(m: { step: number; stepsPerSec: number }[]): number {
  const time = m.slice(1).reduce((a, x, j) => a + (x.step - m[j].step) / x.stepsPerSec, 0);
  return m.at(-1)!.step / time;
}

const ROOT = path.join(__dirname, '..', '..');
const TORCH_REFERENCE = path.resolve(ROOT, '..', 'shared', 'bench', 'run_reference.sh');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

/** One backend, in this process (backends are process-global); `quick`: one run of each workload. */
async function benchBackend(backend: string, quick = false) {
  await initBackend(backend);
  const fast = backend !== 'cpu';
  const runs = quick ? 1 : 3;
  const ws = tmp('racecar-bench-');
  const store = new RunStore(ws);
  const w1: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await trainToEnd(W1(fast ? 1000 : 50), { store });
    w1.push(store.readMetrics(r.id).at(-1)!.stepsPerSec);
  }
  const tensors: number[] = [];
  const w2: number[] = [];
  let versions: Record<string, string> = {};
  let threadLog = '';
  for (let i = 0; i < (fast ? runs : 1); i++) {
    const r = await trainToEnd(W2(fast ? undefined : 20), { store }, (e) => {
      if (e.type === 'evaluation' && i === 0 && backend !== 'onnx') tensors.push(tf.memory().numTensors);
    });
    versions = r.versions;
    const log = logPath(ws, r.id);
    threadLog = fs.existsSync(log) ? (fs.readFileSync(log, 'utf8').trim().split('\n').at(-1) ?? '') : '';
    w2.push(trainingRate(store.readMetrics(r.id)));
  }
  const w3: number[] = [];
  for (let i = 0; i < (fast ? runs : 1); i++) w3.push(trainingRate(store.readMetrics((await trainToEnd(W3(fast ? 200 : 10), { store })).id)));
  fs.rmSync(ws, { recursive: true, force: true });
  return {
    backend,
    versions,
    threadLog,
    w1StepsPerSec: median(w1),
    w1Runs: w1,
    w2StepsPerSec: median(w2),
    w2Runs: w2,
    w2Steps: fast ? 'one epoch (468)' : '20',
    w3StepsPerSec: median(w3),
    w3Runs: w3,
    tensorsAtEvaluations: tensors,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/** Mean steps/s of W1 and W2 of the PyTorch reference, or null where it cannot run here. */
function torchReference(): { W1: number; W2: number; W3: number; raw: unknown[] } | null {
  if (!fs.existsSync(TORCH_REFERENCE)) return null;
  const r = spawnSync('bash', [TORCH_REFERENCE, 'all'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`bench: ${TORCH_REFERENCE} failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { workload: string; stepsPerSec: number });
  const of = (w: string) => lines.find((l) => l.workload.startsWith(w))?.stepsPerSec ?? NaN;
  return { W1: of('W1'), W2: of('W2'), W3: of('W3'), raw: lines };
}

/** torch.linalg.svd's median ms (one thread, OpenBLAS as the training reference), or null. */
function torchSvd(): Record<string, number> | null {
  if (!fs.existsSync(OPENBLAS) || !fs.existsSync('/usr/bin/python3')) return null;
  const r = spawnSync('/usr/bin/python3', [path.join(ROOT, 'bench', 'torch_svd.py')], {
    encoding: 'utf8',
    env: { ...process.env, LD_LIBRARY_PATH: OPENBLAS, OPENBLAS_NUM_THREADS: '1', MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '4294967296' },
  });
  return r.status === 0 ? (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>) : null;
}

function benchSvd() {
  const out: Record<string, number> = {};
  for (const [rows, cols] of [
    [784, 128],
    [784, 512],
  ] as const) {
    const rng = new Rng(rows + cols);
    const lim = Math.sqrt(6 / (rows + cols));
    const w = new Float32Array(rows * cols).map(() => rng.uniform(-lim, lim));
    thinSvd(w, rows, cols);
    const t: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      thinSvd(w, rows, cols);
      t.push(performance.now() - t0);
    }
    out[`${rows}x${cols}`] = median(t);
  }
  return out;
}

function benchReproduce() {
  const dir = tmp('racecar-bench-repro-');
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [path.join(__dirname, '..', 'electron', 'cli', 'main.js'), 'reproduce', '--out', path.join(dir, 'out'), '--workspace', path.join(dir, 'ws')],
    { encoding: 'utf8' },
  );
  const wall = (performance.now() - t0) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  return { wallSeconds: wall, ok: r.status === 0 };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each child prints its own result shape
function runChild(args: string[], env: Record<string, string | undefined> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [__filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`bench child ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** What a `--backend` child prints. */
type BackendResult = Awaited<ReturnType<typeof benchBackend>>;

/** ONNX Runtime with 1, 2 and the default threads, one process alone and two in parallel. */
async function benchOnnxThreads() {
  const settings = [
    { label: '1', env: { RACECAR_ONNX_THREADS: '1' } },
    { label: '2', env: { RACECAR_ONNX_THREADS: '2' } },
    { label: 'default', env: { RACECAR_ONNX_THREADS: undefined } },
  ];
  const out = [];
  for (const s of settings) {
    console.error(`bench: onnx threads ${s.label}, alone and two in parallel ...`);
    const alone = (await runChild(['--backend', 'onnx', '--quick'], s.env)) as BackendResult;
    const pair = (await Promise.all([0, 1].map(() => runChild(['--backend', 'onnx', '--quick'], s.env)))) as BackendResult[];
    out.push({
      threads: s.label,
      alone: { w1: alone.w1StepsPerSec, w2: alone.w2StepsPerSec, log: alone.threadLog },
      pair: pair.map((p) => ({ w1: p.w1StepsPerSec, w2: p.w2StepsPerSec, log: p.threadLog })),
    });
  }
  return out;
}

export const largeWorkspaceLine = (b: LargeWorkspaceResult): string =>
  `UI process event-loop lag with ${b.runs} runs, a client paging through them (${b.pages} pages, ${b.firstPageMs.length} times): p50 ${b.p50Ms.toFixed(2)} ms  p99 ${b.p99Ms.toFixed(2)} ms  max ${b.maxMs.toFixed(1)} ms (goal p99 < 20 ms); first page in ${median(b.firstPageMs).toFixed(0)} ms, all in ${median(b.allPagesMs).toFixed(0)} ms (median)`;

const ratio = (a: number, b: number | undefined) => (b && Number.isFinite(b) ? ` (${(a / b).toFixed(2)}x torch)` : '');

async function main() {
  const [mode, arg] = process.argv.slice(2);
  if (mode === '--backend') return console.log(JSON.stringify(await benchBackend(arg, process.argv.includes('--quick'))));
  if (mode === '--lag') return console.log(JSON.stringify(await benchServeLag(path.join(__dirname, '..', 'renderer'), W2())));
  if (mode === '--list') return console.log(JSON.stringify(await benchListRuns(W1(10))));
  if (mode === '--big') return console.log(JSON.stringify(await benchLargeWorkspace(path.join(__dirname, '..', 'renderer'), W1(10), Number(arg ?? 10_000))));
  if (mode === '--svd') return console.log(JSON.stringify(benchSvd()));
  const skipReproduce = process.argv.includes('--no-reproduce');
  const skipThreads = process.argv.includes('--no-threads');
  const cpu = processor();
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    processor: cpu,
    node: process.versions.node,
    tfjs: tf.version.tfjs,
  };
  console.error('bench: PyTorch reference (before) ...');
  const before = torchReference();
  const backends: BackendResult[] = [];
  // --backends onnx,wasm: only these (default: every backend present).
  const only = process.argv
    .find((a) => a.startsWith('--backends='))
    ?.slice('--backends='.length)
    .split(',');
  for (const b of availableBackends().filter((x) => !only || only.includes(x))) {
    console.error(`bench: backend ${b} ...`);
    backends.push(await runChild(['--backend', b]));
  }
  console.error('bench: PyTorch reference (after) ...');
  const after = before ? torchReference() : null;
  const torch = before && after ? { W1: (before.W1 + after.W1) / 2, W2: (before.W2 + after.W2) / 2, W3: (before.W3 + after.W3) / 2, before, after } : null;
  results.torch = torch;
  results.backends = backends.map((b) => ({
    ...b,
    w1VsTorch: torch ? b.w1StepsPerSec / torch.W1 : null,
    w2VsTorch: torch ? b.w2StepsPerSec / torch.W2 : null,
    w3VsTorch: torch ? b.w3StepsPerSec / torch.W3 : null,
  }));
  if (!skipThreads && backends.some((b) => b.backend === 'onnx')) results.onnxThreads = await benchOnnxThreads();
  console.error('bench: SVD ...');
  results.svdMs = (await runChild(['--svd'])) as Record<string, number>;
  results.torchSvdMs = torchSvd();
  console.error('bench: event-loop lag of the UI-serving process while the engine validates 10,000 images per class and trains W2 ...');
  results.eventLoopLag = await runChild(['--lag']);
  console.error('bench: listing 1,000 runs ...');
  results.listRuns = await runChild(['--list']);
  console.error('bench: event-loop lag of the UI-serving process with 10,000 runs, a client paging through them ...');
  results.largeWorkspace = await runChild(['--big', '10000']);
  if (!skipReproduce) {
    console.error('bench: racecar reproduce ...');
    results.reproduce = benchReproduce();
  }
  console.log(`processor  ${describeProcessor(cpu)} (every ratio below is to PyTorch measured in this run on it)`);
  if (torch) {
    const cfg = (raw: unknown[], w: string) => {
      const r = raw.find((l) => String((l as { workload?: string }).workload).startsWith(w)) as Record<string, unknown> | undefined;
      return r
        ? `${String(r.threads ?? '?')} torch thread(s), OPENBLAS_NUM_THREADS ${String(r.OPENBLAS_NUM_THREADS ?? '?')}, ${String(r.openblas_core ?? 'OpenBLAS')}`
        : '?';
    };
    console.log(
      `torch      W1: ${cfg(before!.raw, 'W1')}   W2: ${cfg(before!.raw, 'W2')}   W3: ${cfg(before!.raw, 'W3')} (the faster of one thread and OpenBLAS on every core)`,
    );
    const pair = (t: { W1: number; W2: number; W3: number }) => [t.W1, t.W2, t.W3].map((v) => v.toFixed(1)).join('/');
    console.log(
      `torch      W1 ${torch.W1.toFixed(1)} steps/s   W2 ${torch.W2.toFixed(1)} steps/s   W3 ${torch.W3.toFixed(1)} steps/s   (mean of before ${pair(before!)} and after ${pair(after!)})`,
    );
  } else console.log(`torch      not measured: ${TORCH_REFERENCE} cannot run here (needs python3-torch and libopenblas0-pthread)`);
  for (const b of backends) {
    console.log(
      `${b.backend.padEnd(10)} W1 ${b.w1StepsPerSec.toFixed(1)} steps/s${ratio(b.w1StepsPerSec, torch?.W1)}   W2 ${b.w2StepsPerSec.toFixed(1)} steps/s${ratio(b.w2StepsPerSec, torch?.W2)} (${b.w2Steps})   W3 ${b.w3StepsPerSec.toFixed(1)} steps/s${ratio(b.w3StepsPerSec, torch?.W3)}   tensors at evaluations ${[...new Set(b.tensorsAtEvaluations)].join('/') || '-'}   peak RSS ${b.peakRssMiB.toFixed(0)} MiB`,
    );
    if (b.backend === 'onnx' || b.backend === 'wasm') console.log(`           ${b.threadLog}`);
  }
  const threads = results.onnxThreads as Awaited<ReturnType<typeof benchOnnxThreads>> | undefined;
  if (threads) {
    console.log('onnx threads: W1 / W2 steps/s of one process alone | of each of two processes in parallel');
    for (const t of threads) {
      console.log(
        `  ${t.threads.padEnd(7)} alone ${t.alone.w1.toFixed(1)} / ${t.alone.w2.toFixed(1)}   in parallel ${t.pair.map((p) => `${p.w1.toFixed(1)} / ${p.w2.toFixed(1)}`).join(' and ')}`,
      );
    }
  }
  const svd = results.svdMs as Record<string, number>;
  const tsvd = results.torchSvdMs as Record<string, number> | null;
  const vs = (k: string) => (tsvd ? ` (torch.linalg.svd ${tsvd[k].toFixed(1)} ms, ${(svd[k] / tsvd[k]).toFixed(2)}x its time)` : '');
  console.log(`SVD       784x128 ${svd['784x128'].toFixed(1)} ms${vs('784x128')}   784x512 ${svd['784x512'].toFixed(1)} ms${vs('784x512')}`);
  const lag = results.eventLoopLag as { p50Ms: number; p99Ms: number; maxMs: number; events: number; validateSeconds: number };
  console.log(
    `UI process event-loop lag while the engine validates 10,000/class (${lag.validateSeconds.toFixed(1)} s) and trains W2: p50 ${lag.p50Ms.toFixed(2)} ms  p99 ${lag.p99Ms.toFixed(2)} ms  max ${lag.maxMs.toFixed(1)} ms (${lag.events} events)`,
  );
  const list = results.listRuns as { runs: number; medianMs: number; maxMs: number };
  console.log(`listing ${list.runs} runs: median ${list.medianMs.toFixed(0)} ms, max ${list.maxMs.toFixed(0)} ms`);
  console.log(largeWorkspaceLine(results.largeWorkspace as LargeWorkspaceResult));
  if (results.reproduce) {
    const r = results.reproduce as { wallSeconds: number; ok: boolean };
    console.log(`racecar reproduce: ${r.wallSeconds.toFixed(1)} s${r.ok ? '' : ' (FAILED)'}`);
  }
  fs.writeFileSync('bench-results.json', JSON.stringify(results, null, 2) + '\n');
  console.log('written bench-results.json');
}

if (require.main === module) void main();
