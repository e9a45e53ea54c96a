// The wasm backend's threaded build (the one patch of tfjs internals), its pool switch and the governor that uses it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { buildStepGraph } from '../../../electron/engine/model/graphs';
import { paramArrays, stateSpecs } from '../../../electron/engine/model/layout';
import { OptimizerClock } from '../../../electron/engine/model/optimizers';
import { initialParams } from '../../../electron/engine/model/params';
import { tfjsProgram } from '../../../electron/engine/tfjs/program';
import { ThreadGovernor } from '../../../electron/engine/tfjs/threadGovernor';
import {
  WasmThreadsError,
  checkPatchedVersion,
  requestedWasmThreads,
  threadPoolAddress,
  wasmThreadSwitch,
  type WasmThreadSwitch,
} from '../../../electron/engine/tfjs/wasmThreads';
import { Rng } from '../../../electron/engine/util/rng';

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

describe('wasm thread pool switch', () => {
  it('reads RACECAR_WASM_THREADS (default: one per core, up to 4)', () => {
    expect(requestedWasmThreads('')).toBeGreaterThanOrEqual(1);
    expect(requestedWasmThreads('')).toBeLessThanOrEqual(4);
    expect(requestedWasmThreads('1')).toBe(1);
    expect(requestedWasmThreads(' 3 ')).toBe(3);
    expect(requestedWasmThreads('64')).toBe(8);
    expect(() => requestedWasmThreads('two')).toThrow(WasmThreadsError);
    expect(() => requestedWasmThreads('0')).toThrow(/RACECAR_WASM_THREADS=0/);
  });

  it('runs only on the tfjs-backend-wasm release it was written against, and says so loudly', () => {
    expect(() => checkPatchedVersion()).not.toThrow();
    expect(() => checkPatchedVersion('4.23.0')).toThrow(
      '@tensorflow/tfjs-backend-wasm 4.23.0 is installed, but the threaded wasm loader (engine/tfjs/wasmThreads.ts) reads the internals of 4.22.0: install 4.22.0, or set RACECAR_WASM_THREADS=1 for the stock single-threaded build',
    );
  });

  it('finds the pool pointer in the shipped threaded binary', () => {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    const address = threadPoolAddress(fs.readFileSync(path.join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm')));
    expect(address).toBeGreaterThan(0);
    expect(address! % 4).toBe(0);
    expect(threadPoolAddress(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBeNull();
  });

  it('gives the same training, bit for bit, with the pool on and off', async () => {
    const sw = wasmThreadSwitch();
    expect(tf.getBackend()).toBe('wasm');
    if (requestedWasmThreads() < 2) return; // one core or RACECAR_WASM_THREADS=1: the stock single-threaded build
    expect(sw, 'the threaded build started (two or more threads asked for)').not.toBeNull();
    const layers = [
      { units: 64, activation: 'relu' as const, batchNorm: true, lambda: 1e-3 },
      { units: 10, activation: 'linear' as const, batchNorm: false, lambda: 1e-3 },
    ];
    const net = { inputSize: 300, layers };
    const optimizer = { kind: 'adam' as const, learningRate: 1e-3, momentum: 0.9 };
    const step = buildStepGraph({ net, loss: { lambdas: [1e-3, 1e-3], lambdaOrt: 0, reduction: 'halfSum', quirks: false }, optimizer, batch: 96 });
    const rng = new Rng(4);
    const x = Float32Array.from({ length: 96 * 300 }, () => rng.uniform(0, 1));
    const y = Float32Array.from({ length: 960 }, (_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0));
    const train = async (on: boolean) => {
      sw!.set(on);
      const program = await tfjsProgram()(step, stateSpecs(net, optimizer), paramArrays(initialParams(300, layers, 3)));
      const clock = new OptimizerClock(optimizer);
      for (let i = 0; i < 15; i++) {
        const scalars = Object.fromEntries(Object.entries(clock.scalars()).map(([k, v]) => [k, { data: Float32Array.of(v), shape: [] }]));
        await program.step({ x: { data: x, shape: [96, 300] }, y: { data: y, shape: [96, 10] }, ...scalars }, true, false);
        clock.advance();
      }
      const out = stateSpecs(net, optimizer).map((s) => Array.from(program.read(s.name)));
      program.dispose();
      return out;
    };
    const pooled = await train(true);
    const single = await train(false);
    sw!.set(true);
    expect(single).toEqual(pooled);
  });
});

/** A switch whose steps cost what `cost` says, on a fake clock. */
function fake(cost: (on: boolean, step: number) => number) {
  let clock = 0;
  let step = 0;
  const sw: WasmThreadSwitch = {
    threads: 2,
    on: true,
    set(v: boolean) {
      (this as { on: boolean }).on = v;
    },
  };
  const governor = new ThreadGovernor(sw, () => clock);
  const run = (steps: number) => {
    let pooled = 0;
    for (let i = 0; i < steps; i++) {
      governor.time(() => (clock += cost(sw.on, step++)));
      if (sw.on) pooled++;
    }
    return pooled / steps;
  };
  return { sw, governor, run };
}

describe('ThreadGovernor', () => {
  it('keeps the pool on when it is faster, probing the other setting only now and then', () => {
    const g = fake((on) => (on ? 3 : 4.5));
    expect(g.run(4000)).toBeGreaterThan(0.93);
    expect(g.governor.summary().msPerStep).toEqual({ single: 4.5, pooled: 3 });
  });

  it('turns the pool off when another process holds the cores', () => {
    const g = fake((on) => (on ? 20 : 6));
    expect(g.run(3000)).toBeLessThan(0.1);
  });

  it('follows a change of conditions', () => {
    // Busy machine for the first 2000 steps, idle afterwards.
    const g = fake((on, step) => (step < 2000 ? (on ? 20 : 6) : on ? 3 : 4.5));
    expect(g.run(2000)).toBeLessThan(0.15);
    expect(g.run(6000)).toBeGreaterThan(0.85);
  });
});
