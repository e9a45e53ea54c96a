// npm run bench: training and SVD speed per backend, tensor counts, memory,
// event-loop lag of the UI-serving process while the engine validates a large
// data set and trains W2, listing 1,000 runs, and the wall time of `racecar
// reproduce`. Prints a table and writes bench-results.json.
// A benchmark, not a test: nothing here asserts.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activeWasmThreads, availableBackends, initBackend } from '../electron/engine/backend';
import { RunStore } from '../electron/engine/store/runStore';
import { trainToEnd } from '../electron/engine/train/trainer';
import { thinSvd } from '../electron/engine/svd/svd';
import { Rng } from '../electron/engine/util/rng';
import type { RunConfigInput } from '../electron/engine/config/schema';
import { benchServeLag } from './serveLag';
import { benchListRuns } from './listRuns';

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

/** One backend, in this process (backends are process-global). */
async function benchBackend(backend: string) {
  await initBackend(backend);
  const fast = backend !== 'cpu';
  const ws = tmp('racecar-bench-');
  const store = new RunStore(ws);
  const w1: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await trainToEnd(W1(fast ? 1000 : 50), { store });
    w1.push(store.readMetrics(r.id).at(-1)!.stepsPerSec);
  }
  const tensors: number[] = [];
  const w2: number[] = [];
  for (let i = 0; i < (fast ? 3 : 1); i++) {
    const r = await trainToEnd(W2(fast ? undefined : 20), { store }, (e) => {
      if (e.type === 'evaluation' && i === 0) tensors.push(tf.memory().numTensors);
    });
    const m = store.readMetrics(r.id);
    // Steps/s over the whole epoch, evaluations excluded: total steps over the sum of per-segment times.
    const segs = m.slice(1);
    const time = segs.reduce((a, x, j) => a + (x.step - m[j].step) / x.stepsPerSec, 0);
    w2.push(m.at(-1)!.step / time);
  }
  fs.rmSync(ws, { recursive: true, force: true });
  return {
    backend,
    wasmThreads: activeWasmThreads(),
    w1StepsPerSec: median(w1),
    w1Runs: w1,
    w2StepsPerSec: median(w2),
    w2Runs: w2,
    w2Steps: fast ? 'one epoch (468)' : '20',
    tensorsAtEvaluations: tensors,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
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
function runChild(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [__filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`bench child ${args.join(' ')} exited ${code}`)),
    );
  });
}

async function main() {
  const [mode, arg] = process.argv.slice(2);
  if (mode === '--backend') return console.log(JSON.stringify(await benchBackend(arg)));
  if (mode === '--lag') return console.log(JSON.stringify(await benchServeLag(path.join(__dirname, '..', 'renderer'), W2())));
  if (mode === '--list') return console.log(JSON.stringify(await benchListRuns(W1(10))));
  if (mode === '--svd') return console.log(JSON.stringify(benchSvd()));
  const skipReproduce = process.argv.includes('--no-reproduce');
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.versions.node,
    tfjs: tf.version.tfjs,
  };
  const backends = [];
  for (const b of availableBackends()) {
    console.error(`bench: backend ${b} ...`);
    backends.push(await runChild(['--backend', b]));
  }
  results.backends = backends;
  console.error('bench: SVD ...');
  results.svdMs = benchSvd();
  console.error('bench: event-loop lag of the UI-serving process while the engine validates 10,000 images per class and trains W2 ...');
  results.eventLoopLag = await runChild(['--lag']);
  console.error('bench: listing 1,000 runs ...');
  results.listRuns = await runChild(['--list']);
  if (!skipReproduce) {
    console.error('bench: racecar reproduce ...');
    results.reproduce = benchReproduce();
  }
  for (const b of backends) {
    console.log(
      `${b.backend.padEnd(10)} W1 ${b.w1StepsPerSec.toFixed(1)} steps/s   W2 ${b.w2StepsPerSec.toFixed(1)} steps/s (${b.w2Steps})   tensors at evaluations ${[...new Set(b.tensorsAtEvaluations)].join('/')}   peak RSS ${b.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  const svd = results.svdMs as Record<string, number>;
  console.log(`SVD       784x128 ${svd['784x128'].toFixed(1)} ms   784x512 ${svd['784x512'].toFixed(1)} ms`);
  const lag = results.eventLoopLag as { p50Ms: number; p99Ms: number; maxMs: number; events: number; validateSeconds: number };
  console.log(
    `UI process event-loop lag while the engine validates 10,000/class (${lag.validateSeconds.toFixed(1)} s) and trains W2: p50 ${lag.p50Ms.toFixed(2)} ms  p99 ${lag.p99Ms.toFixed(2)} ms  max ${lag.maxMs.toFixed(1)} ms (${lag.events} events)`,
  );
  const list = results.listRuns as { runs: number; medianMs: number; maxMs: number };
  console.log(`listing ${list.runs} runs: median ${list.medianMs.toFixed(0)} ms, max ${list.maxMs.toFixed(0)} ms`);
  if (results.reproduce) {
    const r = results.reproduce as { wallSeconds: number; ok: boolean };
    console.log(`racecar reproduce: ${r.wallSeconds.toFixed(1)} s${r.ok ? '' : ' (FAILED)'}`);
  }
  fs.writeFileSync('bench-results.json', JSON.stringify(results, null, 2) + '\n');
  console.log('written bench-results.json');
}

if (require.main === module) void main();
