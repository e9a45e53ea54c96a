// The step engine of every backend: the run's graphs (model/graphs.ts) on a
// runtime's Program (ONNX Runtime or tfjs), the optimizer's clock, SRIP's
// vectors and the evaluations. Backends differ only in the Program.
import type { HostTensor, Program, ProgramFactory } from '../graph/runtime';
import type { Graph } from '../graph/ir';
import {
  BACKWARD,
  LOGITS,
  RECON,
  actName,
  featureName,
  revName,
  buildLogitsGraph,
  buildPretrainGraph,
  buildStepGraph,
  buildTestGraph,
  sripInputs,
  type StepSpec,
} from '../model/graphs';
import { layerArrays, paramArrays, slotName, stateSpecs, trainableSpecs } from '../model/layout';
import { OptimizerClock, updateRule } from '../model/optimizers';
import type { LayerArrays } from '../model/params';
import type { NetShape } from '../model/definition';
import type { BackendName } from '../types';
import type { HostBatch } from './batches';
import type { OptimizerState } from './optimizers';
import { setupNet, type EngineSetup, type Evaluation, type SripVectors, type StepEngine } from './stepEngine';

/** Rows per forward pass when accuracy runs on the moving averages. */
export const CHUNK = 4096;

/** The optimizer-state layout every backend shares (slot.param arrays); 'onnx' is its earlier name. */
const STATE_KIND = 'graph';

/** How many of rows offset..offset+n have their largest logit at their label. */
export function argmaxAccuracy(logits: Float32Array, classes: number, labels: Int32Array, offset: number, n: number): number {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[offset + i]) correct++;
  }
  return correct;
}

export async function createGraphEngine(backend: BackendName, makeProgram: ProgramFactory, s: EngineSetup): Promise<StepEngine> {
  const net: NetShape = setupNet(s);
  const frozen = (s.config.init?.freeze ?? []).map((n) => n - 1);
  const spec: StepSpec = { net, loss: s.settings, optimizer: s.config.training.optimizer, batch: s.batchSize, frozen };
  const program: Program = await makeProgram(buildStepGraph(spec), stateSpecs(net, spec.optimizer), paramArrays(s.params));
  let clock = new OptimizerClock(spec.optimizer);
  const pretrainGraphs = new Map<number, Graph>();
  const slotNames = updateRule(spec.optimizer).slots.flatMap((slot) => trainableSpecs(net).map((p) => slotName(slot, p.name)));
  const srip = sripInputs(spec);
  const scalars = new Map<string, HostTensor>();

  const feeds = (batch: HostBatch, u: SripVectors): Record<string, HostTensor> => {
    const f: Record<string, HostTensor> = {
      x: { data: batch.x, shape: [batch.rows, s.dim], fixed: batch.full },
      y: { data: batch.y, shape: [batch.rows, s.classes], fixed: batch.full },
    };
    if (srip.length && u !== null) {
      srip.forEach((name, k) => (f[name] = { data: u[k], shape: [u[k].length, 1] }));
    }
    for (const [name, v] of Object.entries(clock.scalars())) {
      let t = scalars.get(name);
      if (!t) scalars.set(name, (t = { data: new Float32Array(1), shape: [] }));
      t.data[0] = v;
      f[name] = t;
    }
    return f;
  };

  // With the reference quirks BN runs on batch statistics at evaluation too (the reference's behaviour).
  const quirks = s.settings.quirks;
  const mode = quirks ? 'batch' : 'moving';
  const logitGraphs = new Map<number, Graph>();
  let testGraph: Graph | null = null;
  // Fixed views of the evaluated rows, made once (a runtime may keep fixed inputs on its side).
  const trainChunks: { off: number; x: HostTensor }[] = [];
  const nTrain = s.train.labels.length;
  const chunk = quirks ? nTrain : CHUNK;
  for (let off = 0; off < nTrain; off += chunk) {
    const m = Math.min(chunk, nTrain - off);
    trainChunks.push({ off, x: { data: s.train.images.subarray(off * s.dim, (off + m) * s.dim), shape: [m, s.dim], fixed: true } });
  }
  const nTest = s.test.labels.length;
  const infoRows = Math.min(s.infoRows ?? 0, nTest);
  const testX: HostTensor = { data: s.test.images.subarray(0, nTest * s.dim), shape: [nTest, s.dim], fixed: true };

  const accuracy = async (): Promise<number> => {
    if (nTrain === 0) return NaN;
    let hits = 0;
    for (const { off, x } of trainChunks) {
      const rows = x.shape[0];
      let g = logitGraphs.get(rows);
      if (!g) logitGraphs.set(rows, (g = buildLogitsGraph(net, mode, quirks, rows)));
      const r = await program.run(g, { x });
      hits += argmaxAccuracy(r[LOGITS], s.classes, s.train.labels, off, rows);
    }
    return hits / nTrain;
  };

  return {
    backend,
    async lossParts(batch, u) {
      if (srip.length && !u) throw new Error('the step graph needs SRIP vectors');
      return Array.from((await program.step(feeds(batch, u), false, true)).parts!);
    },
    async step(batch, u, wantParts) {
      if (srip.length && !u) throw new Error('the step graph needs SRIP vectors');
      const r = await program.step(feeds(batch, u), true, wantParts);
      clock.advance();
      return { parts: r.parts ? Array.from(r.parts) : null, checksum: r.checksum };
    },
    async pretrainStep(layer, batch, wantParts) {
      let g = pretrainGraphs.get(layer);
      if (!g) pretrainGraphs.set(layer, (g = buildPretrainGraph(spec, layer)));
      const r = await program.step(feeds(batch, null), true, wantParts, g);
      clock.advance();
      return { parts: r.parts ? Array.from(r.parts) : null, checksum: r.checksum };
    },
    startPhase() {
      clock = new OptimizerClock(spec.optimizer);
      for (const name of slotNames) program.write(name, new Float32Array(program.read(name).length));
    },
    async evaluate(): Promise<Evaluation> {
      let testAccuracy = NaN;
      let testRecon = net.layers.map(() => NaN);
      let backward = new Float32Array(0);
      let activations: Evaluation['activations'];
      const features = new Map<number, Float32Array>();
      if (nTest > 0) {
        testGraph ??= buildTestGraph(net, mode, quirks, nTest, s.samples, infoRows);
        const r = await program.run(testGraph, { x: testX });
        testAccuracy = argmaxAccuracy(r[LOGITS], s.classes, s.test.labels, 0, nTest) / nTest;
        testRecon = Array.from(r[RECON]);
        if (s.samples > 0) {
          backward = Float32Array.from(r[BACKWARD]);
          for (let k = 1; k < net.layers.length; k++) if (r[featureName(k)]) features.set(k, Float32Array.from(r[featureName(k)]));
        }
        if (infoRows > 0) {
          const L = net.layers.length;
          activations = {
            rows: infoRows,
            forward: Array.from({ length: L }, (_, k) => r[actName(k + 1)]),
            reverse: Array.from({ length: L }, (_, k) => r[revName(k)]),
          };
        }
      }
      return {
        trainAccuracy: await accuracy(),
        testAccuracy,
        testRecon,
        backward,
        ...(features.size ? { features } : {}),
        ...(activations ? { activations } : {}),
      };
    },
    params: (): LayerArrays[] => layerArrays(net, (name) => program.read(name)),
    async exportOptimizerState(): Promise<OptimizerState | null> {
      if (clock.steps === 0) return null;
      return {
        kind: STATE_KIND,
        arrays: slotNames.map((name) => {
          const data = program.read(name);
          return { name, shape: [data.length], data };
        }),
        scalars: clock.save(),
      };
    },
    async importOptimizerState(saved: OptimizerState): Promise<void> {
      if (saved.kind !== STATE_KIND && saved.kind !== 'onnx')
        throw new Error(`the saved optimizer state is in the ${saved.kind} layout of an earlier version, not the graph's`);
      for (const name of slotNames) {
        const a = saved.arrays.find((x) => x.name === name);
        const size = program.read(name).length;
        if (!a || a.data.length !== size) throw new Error(`the saved optimizer state has no ${size} values for ${name}`);
        program.write(name, a.data);
      }
      clock.restore(saved.scalars);
    },
    threadReport: () => program.threadReport(),
    dispose: () => program.dispose(),
  };
}
