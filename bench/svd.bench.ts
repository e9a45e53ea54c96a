// Timing of thinSvd on the first-layer shapes the workbench decomposes.
// Run: npx tsx bench/svd.bench.ts
import { thinSvd } from '../electron/engine/svd/svd';
import { Rng } from '../electron/engine/util/rng';

const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

for (const [rows, cols] of [[784, 128], [784, 512]] as const) {
  const rng = new Rng(rows * 1000 + cols);
  // Glorot-uniform like a freshly initialised layer.
  const lim = Math.sqrt(6 / (rows + cols));
  const w = new Float32Array(rows * cols).map(() => rng.uniform(-lim, lim));
  thinSvd(w, rows, cols); // warm-up: lets V8 optimise the kernels before timing
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    thinSvd(w, rows, cols);
    times.push(performance.now() - t0);
  }
  console.log(`thinSvd ${rows}x${cols}: median ${median(times).toFixed(1)} ms of ${RUNS} runs (${times.map((t) => t.toFixed(0)).join(', ')})`);
}
