// The six reference runs give the same metrics on ONNX Runtime as on tfjs
// (shortened to 300 steps each to keep the suite fast). Tolerances: float32
// rounding grows over the steps; the MNIST pair's double softmax of raw-pixel
// logits is the most sensitive (its CE differs by ~1e-3 between tfjs's own
// wasm and cpu backends, the same as between onnx and either).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TFJS_BACKENDS, availableBackends } from '../../electron/engine/backend';
import { CNN_PRESETS, REFERENCE_RUNS } from '../../electron/engine/presets';
import { RunStore } from '../../electron/engine/store/runStore';
import { trainToEnd } from '../../electron/engine/train/trainer';
import type { EvalRecord } from '../../electron/engine/types';
import { tempDir } from '../helpers/tmp';

afterEach(() => {
  vi.unstubAllEnvs();
});

async function metrics(backend: string, config: object): Promise<EvalRecord[]> {
  vi.stubEnv('RACECAR_BACKEND', backend);
  const store = new RunStore(tempDir());
  const run = await trainToEnd(config, { store });
  expect(run.status).toBe('completed');
  expect(run.backend).toBe(backend);
  return store.readMetrics(run.id);
}

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-6);

describe('reference runs on onnx and tfjs', () => {
  const tfjs = availableBackends().find((b) => TFJS_BACKENDS.includes(b))!;
  // The peak CNNs stand for the convolutional presets (the MNIST ones train 60,000 images).
  for (const ref of [...REFERENCE_RUNS, ...CNN_PRESETS.filter((p) => p.id.startsWith('peak'))]) {
    it(`${ref.id}: the same losses, accuracies and reconstruction errors`, async () => {
      const config = { ...ref.config, training: { ...ref.config.training, steps: 300, evalEvery: 100, checkpointEvery: 0, backwardSamples: 0 } };
      const a = await metrics('onnx', config);
      const b = await metrics(tfjs, config);
      expect(a.map((m) => m.step)).toEqual([0, 100, 200, 300]);
      a.forEach((m, i) => {
        const o = b[i];
        const where = `${ref.id} step ${m.step}`;
        expect(close(m.loss.total, o.loss.total, 5e-3), `${where} loss ${m.loss.total} vs ${o.loss.total}`).toBe(true);
        expect(close(m.loss.ce, o.loss.ce, 5e-3), `${where} ce ${m.loss.ce} vs ${o.loss.ce}`).toBe(true);
        m.loss.rr.forEach((v, k) => expect(close(v, o.loss.rr[k], 5e-3), `${where} rr ${k}`).toBe(true));
        expect(close(m.loss.ort, o.loss.ort, 5e-3), `${where} ort`).toBe(true);
        expect(m.trainAccuracy, where).toBe(o.trainAccuracy);
        expect(m.testAccuracy, where).toBe(o.testAccuracy);
        m.testRecon.forEach((v, k) => expect(close(v, o.testRecon[k], 5e-3), `${where} recon ${k}: ${v} vs ${o.testRecon[k]}`).toBe(true));
      });
    });
  }
});
