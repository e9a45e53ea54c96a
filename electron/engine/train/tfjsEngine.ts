// The step engine on a tfjs backend (tensorflow, wasm, cpu): the hand-written
// backward pass (model/backprop.ts), the optimizers of optimizers.ts and, on
// wasm, the thread governor that switches the XNNPACK pool on and off.
import * as tf from '@tensorflow/tfjs';
import { wasmThreadSwitch } from '../backend';
import { computeLoss } from '../model/loss';
import { lossGradients } from '../model/backprop';
import { networkFromParams, disposeNetwork, networkParams, trainableVariables, updateMovingStats } from '../model/network';
import type { BackendName } from '../types';
import type { HostBatch } from './batches';
import { accuracy, evaluateTest, type SplitTensors } from './evaluate';
import { makeOptimizer } from './optimizers';
import type { EngineSetup, Evaluation, SripVectors, StepEngine } from './stepEngine';
import { ThreadGovernor } from './threadGovernor';
import { stateChecksum } from './divergence';

interface BatchTensors {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  xT?: tf.Tensor2D;
  owned: boolean;
}

export function createTfjsEngine(backend: BackendName, s: EngineSetup): StepEngine {
  const { dim, classes, settings } = s;
  const quirks = settings.quirks;
  const net = networkFromParams(dim, s.config.network.layers, s.params);
  const optimizer = makeOptimizer(s.config.training.optimizer);
  const vars = trainableVariables(net);
  const test: SplitTensors = { x: tf.tensor2d(s.test.images, [s.test.labels.length, dim]), labels: s.test.labels };
  let full: { x: tf.Tensor2D; y: tf.Tensor2D; xT: tf.Tensor2D } | null = null;

  // The full batch stays on the backend for the run (with its transpose); mini-batches are uploaded per step.
  const upload = (b: HostBatch): BatchTensors => {
    if (b.full) {
      if (!full) {
        const x = tf.tensor2d(b.x, [b.rows, dim]);
        full = { x, y: tf.tensor2d(b.y, [b.rows, classes]), xT: tf.transpose(x) };
      }
      return { ...full, owned: false };
    }
    return { x: tf.tensor2d(b.x, [b.rows, dim]), y: tf.tensor2d(b.y, [b.rows, classes]), owned: true };
  };
  const release = (t: BatchTensors) => {
    if (t.owned) tf.dispose([t.x, t.y]);
  };
  const sripTensors = (v: SripVectors) => (v ? v.map((u) => tf.tensor2d(u, [u.length, 1])) : null);

  /**
   * One optimisation step; the parts tensor when asked (kept; the caller
   * disposes) and the state's checksum, the one value read back every step
   * (4 bytes; under 1% of a W1 or W2 step on wasm: npm run bench).
   */
  const stepSync = (batch: HostBatch, srip: SripVectors, wantParts: boolean): { parts: tf.Tensor1D | null; checksum: number } => {
    const t = upload(batch);
    let parts: tf.Tensor1D | null = null;
    const sum = tf.tidy(() => {
      const g = lossGradients(net, t.x, t.y, settings, sripTensors(srip), { wantParts, xT: t.xT });
      if (g.parts) parts = tf.keep(g.parts);
      optimizer.apply(vars, g.grads);
      updateMovingStats(net, g.batchStats);
      return stateChecksum(net);
    });
    release(t);
    const checksum = sum.dataSync()[0]!;
    sum.dispose();
    return { parts, checksum };
  };

  const read = async (parts: tf.Tensor1D): Promise<number[]> => {
    const v = Array.from(await parts.data());
    parts.dispose();
    return v;
  };

  // Pool threads on or off, whichever trains faster on this machine right now.
  const sw = backend === 'wasm' ? wasmThreadSwitch() : null;
  const governor = sw ? new ThreadGovernor(sw) : null;

  return {
    backend,
    async lossParts(batch, srip) {
      const t = upload(batch);
      const parts = tf.tidy(() => {
        const p = computeLoss(net, t.x, t.y, settings, sripTensors(srip));
        return tf.stack([p.ce, ...p.rr, p.ort, p.total]) as tf.Tensor1D;
      });
      release(t);
      return read(parts);
    },
    async step(batch, srip, wantParts) {
      const r = governor ? governor.time(() => stepSync(batch, srip, wantParts)) : stepSync(batch, srip, wantParts);
      return { parts: r.parts ? await read(r.parts) : null, checksum: r.checksum };
    },
    async evaluate(): Promise<Evaluation> {
      const te = evaluateTest(net, test, quirks, s.samples);
      return {
        trainAccuracy: accuracy(net, s.train.images, s.train.labels, quirks),
        testAccuracy: te.accuracy,
        testRecon: te.recon,
        backward: te.backward,
      };
    },
    params: () => networkParams(net),
    exportOptimizerState: () => optimizer.exportState(vars),
    importOptimizerState: (state) => optimizer.importState(vars, state),
    threadReport() {
      if (!governor) return null;
      const g = governor.summary();
      return `wasm threads: ${g.threads}, pool on for ${(100 * g.pooledShare).toFixed(0)}% of ${g.steps} steps, ${g.switches} switches; ms/step single ${g.msPerStep.single.toFixed(2)}, pooled ${g.msPerStep.pooled.toFixed(2)}`;
    },
    dispose() {
      sw?.set(true);
      if (full) tf.dispose([full.x, full.y, full.xT]);
      test.x.dispose();
      optimizer.dispose();
      disposeNetwork(net);
    },
  };
}
