// The wasm backend's thread pool switch and the governor that uses it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BackendError,
  initTfjsBackend,
  requestedWasmThreads,
  threadPoolAddress,
  wasmThreadSwitch,
  type WasmThreadSwitch,
} from '../../../electron/engine/backend';
import { buildNetwork, trainableVariables, updateMovingStats } from '../../../electron/engine/model/network';
import { lossGradients } from '../../../electron/engine/model/backprop';
import { FlatAdam } from '../../../electron/engine/train/optimizers';
import { ThreadGovernor } from '../../../electron/engine/train/threadGovernor';
import { Rng } from '../../../electron/engine/util/rng';

beforeAll(async () => {
  await initTfjsBackend();
});

describe('wasm thread pool switch', () => {
  it('reads RACECAR_WASM_THREADS (default: one per core, up to 4)', () => {
    expect(requestedWasmThreads('')).toBeGreaterThanOrEqual(1);
    expect(requestedWasmThreads('')).toBeLessThanOrEqual(4);
    expect(requestedWasmThreads('1')).toBe(1);
    expect(requestedWasmThreads(' 3 ')).toBe(3);
    expect(requestedWasmThreads('64')).toBe(8);
    expect(() => requestedWasmThreads('two')).toThrow(BackendError);
    expect(() => requestedWasmThreads('0')).toThrow(/RACECAR_WASM_THREADS=0/);
  });

  it('finds the pool pointer in the shipped threaded binary', () => {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    const address = threadPoolAddress(fs.readFileSync(path.join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm')));
    expect(address).toBeGreaterThan(0);
    expect(address! % 4).toBe(0);
    expect(threadPoolAddress(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBeNull();
  });

  it('gives the same training, bit for bit, with the pool on and off', () => {
    const sw = wasmThreadSwitch();
    if (!sw) return; // single core, other backend or RACECAR_WASM_THREADS=1
    const train = (on: boolean) => {
      sw.set(on);
      const layers = [
        { units: 64, activation: 'relu' as const, batchNorm: true, lambda: 1e-3 },
        { units: 10, activation: 'linear' as const, batchNorm: false, lambda: 1e-3 },
      ];
      const net = buildNetwork(300, layers, 3);
      const rng = new Rng(4);
      const x = tf.tensor2d(
        Float32Array.from({ length: 96 * 300 }, () => rng.uniform(0, 1)),
        [96, 300],
      );
      const y = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: 96 }, (_, i) => i % 10),
            'int32',
          ),
          10,
        )
        .toFloat() as tf.Tensor2D;
      const opt = new FlatAdam(1e-3);
      const vars = trainableVariables(net);
      const settings = { lambdas: [1e-3, 1e-3], lambdaOrt: 0, reduction: 'halfSum' as const, quirks: false };
      for (let i = 0; i < 15; i++) {
        tf.tidy(() => {
          const g = lossGradients(net, x, y, settings, null);
          opt.apply(vars, g.grads);
          updateMovingStats(net, g.batchStats);
        });
      }
      const out = vars.map((v) => Array.from(v.dataSync()));
      opt.dispose();
      tf.dispose([x, y, ...vars, net.params[0].movingMean!, net.params[0].movingVar!]);
      return out;
    };
    const pooled = train(true);
    const single = train(false);
    sw.set(true);
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
