// The step engine on ONNX Runtime: one session.run per training step. State
// (parameters, moving averages, optimizer slots) lives in two sets of
// pre-allocated host buffers wrapped once as ORT tensors; a step reads one set
// and writes the other in place, then they swap: nothing is allocated or
// copied per step, and the batch buffers are wrapped once too.
// Threads: onnx/runtime.ts's onnxThreads.
import type { LayerArrays } from '../model/params';
import { BACKWARD, LOGITS, RECON, buildLogitsGraph, buildTestGraph } from '../onnx/evalGraph';
import type { GraphBuilder } from '../onnx/graph';
import { layerArrays, movingSpecs, nextName, optimizerSlots, paramArrays, slotName, stateSpecs, trainableSpecs, type TensorSpec } from '../onnx/layout';
import type { OptimizerState } from './optimizers';
import type { NetShape } from '../onnx/network';
import { createSession, loadOrt, ortVersion, type Ort, type OrtSession, type OrtTensor } from '../onnx/runtime';
import { ADAM, ADAM_STEP_SCALE, ADAM_V_SCALE, CHECKSUM, PARTS, buildStepGraph, stepInputs, type StepGraphSpec } from '../onnx/stepGraph';
import type { HostBatch } from './batches';
import { CHUNK, argmaxAccuracy } from './evaluate';
import type { EngineSetup, Evaluation, SripVectors, StepEngine } from './stepEngine';

const encode = (g: GraphBuilder) => g.encode(ortVersion());

export async function createOnnxEngine(s: EngineSetup, threads: number): Promise<StepEngine> {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime-node does not load here');
  const net: NetShape = { inputSize: s.dim, layers: s.config.network.layers };
  const spec: StepGraphSpec = { net, loss: s.settings, optimizer: s.config.training.optimizer, batch: s.batchSize };
  const io = stepInputs(spec);
  const session = await createSession(encode(buildStepGraph(spec)), threads);
  const state = new StateBuffers(ort, stateSpecs(net, spec.optimizer), s.params);
  const parts = new ort.Tensor('float32', new Float32Array(net.layers.length + 3), [net.layers.length + 3]);
  const checksum = new ort.Tensor('float32', new Float32Array(1), []);
  const batchTensors = new BatchTensors(ort, s.dim, s.classes);

  // Adam's bias corrections, accumulated in float32 as tfjs does (train/optimizers.ts).
  const adam = io.adam
    ? {
        acc1: Math.fround(ADAM.beta1),
        acc2: Math.fround(ADAM.beta2),
        stepScale: new ort.Tensor('float32', new Float32Array(1), []),
        vScale: new ort.Tensor('float32', new Float32Array(1), []),
      }
    : null;
  const lr = spec.optimizer.learningRate;
  const slotNames = optimizerSlots(spec.optimizer).flatMap((slot) => trainableSpecs(net).map((p) => slotName(slot, p.name)));
  let steps = 0;

  const run = async (batch: HostBatch, srip: SripVectors): Promise<void> => {
    const feeds: Record<string, OrtTensor> = { ...state.current(), ...batchTensors.get(batch) };
    if (io.srip.length) {
      if (!srip) throw new Error('the step graph needs SRIP vectors');
      io.srip.forEach((name, k) => (feeds[name] = new ort.Tensor('float32', srip[k], [srip[k].length, 1])));
    }
    if (adam) {
      (adam.stepScale.data as Float32Array)[0] = -lr / Math.fround(1 - adam.acc1);
      (adam.vScale.data as Float32Array)[0] = 1 / Math.fround(1 - adam.acc2);
      feeds[ADAM_STEP_SCALE] = adam.stepScale;
      feeds[ADAM_V_SCALE] = adam.vScale;
    }
    await session.run(feeds, { ...state.spare(), [PARTS]: parts, [CHECKSUM]: checksum });
  };

  let logitsSession: OrtSession | null = null;
  let testSession: OrtSession | null = null;
  const quirks = s.settings.quirks;
  // With the quirks BN runs on batch statistics at evaluation too (the reference's behaviour).
  const mode = quirks ? 'batch' : 'moving';
  const paramFeeds = () => {
    const cur = state.current();
    const out: Record<string, OrtTensor> = {};
    for (const p of [...trainableSpecs(net), ...movingSpecs(net)]) out[p.name] = cur[p.name];
    return out;
  };

  const accuracy = async (images: Float32Array, labels: Int32Array): Promise<number> => {
    const n = labels.length;
    if (n === 0) return NaN;
    logitsSession ??= await createSession(encode(buildLogitsGraph(net, mode, quirks)), threads);
    const chunk = quirks ? n : CHUNK;
    let hits = 0;
    for (let off = 0; off < n; off += chunk) {
      const m = Math.min(chunk, n - off);
      const x = new ort.Tensor('float32', images.subarray(off * s.dim, (off + m) * s.dim), [m, s.dim]);
      const r = await logitsSession.run({ x, ...paramFeeds() });
      hits += argmaxAccuracy(r[LOGITS].data as Float32Array, s.classes, labels, off, m);
    }
    return hits / n;
  };

  return {
    backend: 'onnx',
    async lossParts(batch, srip) {
      await run(batch, srip); // the update lands in the spare set, which is not taken
      return Array.from(parts.data as Float32Array);
    },
    async step(batch, srip, wantParts) {
      await run(batch, srip);
      state.swap();
      steps++;
      if (adam) {
        adam.acc1 = Math.fround(adam.acc1 * Math.fround(ADAM.beta1));
        adam.acc2 = Math.fround(adam.acc2 * Math.fround(ADAM.beta2));
      }
      return { parts: wantParts ? Array.from(parts.data as Float32Array) : null, checksum: (checksum.data as Float32Array)[0]! };
    },
    async evaluate(): Promise<Evaluation> {
      const nTest = s.test.labels.length;
      let testAccuracy = NaN;
      let testRecon = net.layers.map(() => NaN);
      let backward = new Float32Array(0);
      if (nTest > 0) {
        testSession ??= await createSession(encode(buildTestGraph(net, mode, quirks, nTest, s.samples)), threads);
        const x = new ort.Tensor('float32', s.test.images.subarray(0, nTest * s.dim), [nTest, s.dim]);
        const r = await testSession.run({ x, ...paramFeeds() });
        testAccuracy = argmaxAccuracy(r[LOGITS].data as Float32Array, s.classes, s.test.labels, 0, nTest) / nTest;
        testRecon = Array.from(r[RECON].data as Float32Array);
        if (s.samples > 0) backward = Float32Array.from(r[BACKWARD].data as Float32Array);
      }
      return { trainAccuracy: await accuracy(s.train.images, s.train.labels), testAccuracy, testRecon, backward };
    },
    params: (): LayerArrays[] => state.layers(net),
    async exportOptimizerState(): Promise<OptimizerState | null> {
      if (steps === 0) return null;
      return {
        kind: 'onnx',
        arrays: slotNames.map((name) => ({ name, shape: state.shape(name), data: Float32Array.from(state.array(name)) })),
        scalars: adam ? { acc1: adam.acc1, acc2: adam.acc2, steps } : { steps },
      };
    },
    async importOptimizerState(saved: OptimizerState): Promise<void> {
      if (saved.kind !== 'onnx') throw new Error(`the saved optimizer state is ${saved.kind}'s, not the onnx step graph's`);
      for (const name of slotNames) {
        const a = saved.arrays.find((x) => x.name === name);
        const into = state.array(name);
        if (!a || a.data.length !== into.length) throw new Error(`the saved optimizer state has no ${into.length} values for ${name}`);
        into.set(a.data);
      }
      if (adam) {
        adam.acc1 = saved.scalars.acc1!;
        adam.acc2 = saved.scalars.acc2!;
      }
      steps = saved.scalars.steps ?? 1;
    },
    threadReport: () => `onnxruntime ${ortVersion()}: ${threads} intra-op thread${threads > 1 ? 's' : ''}`,
    dispose() {
      void session.release();
      void logitsSession?.release();
      void testSession?.release();
    },
  };
}

/** Two sets of state buffers, wrapped once as tensors; the step reads `current` and writes `spare`. */
class StateBuffers {
  private readonly sets: [Map<string, Float32Array>, Map<string, Float32Array>] = [new Map(), new Map()];
  private readonly tensors: [Record<string, OrtTensor>, Record<string, OrtTensor>] = [{}, {}];
  private readonly outputs: [Record<string, OrtTensor>, Record<string, OrtTensor>] = [{}, {}];
  private cur = 0;

  constructor(ort: Ort, specs: TensorSpec[], params: LayerArrays[]) {
    const initial = paramArrays(params);
    for (const sp of specs) {
      const size = sp.shape.reduce((a, b) => a * b, 1);
      for (const i of [0, 1]) {
        const a = new Float32Array(size);
        if (i === 0 && initial.has(sp.name)) a.set(initial.get(sp.name)!);
        this.sets[i].set(sp.name, a);
        const t = new ort.Tensor('float32', a, sp.shape);
        this.tensors[i][sp.name] = t;
        this.outputs[i][nextName(sp.name)] = t;
      }
    }
  }

  current = () => this.tensors[this.cur];
  /** A state array of the current set (written in place to restore a saved state). */
  array = (name: string): Float32Array => this.sets[this.cur].get(name)!;
  shape = (name: string): number[] => [...(this.tensors[this.cur][name]!.dims as readonly number[])];
  /** The other set, keyed by the step graph's output names. */
  spare = () => this.outputs[1 - this.cur];
  swap(): void {
    this.cur = 1 - this.cur;
  }
  layers(net: NetShape): LayerArrays[] {
    return layerArrays(net, (name) => this.sets[this.cur].get(name)!);
  }
}

/** Batch inputs, wrapped once per host array (the sampler reuses its buffers). */
class BatchTensors {
  private readonly cache = new WeakMap<Float32Array, OrtTensor>();

  constructor(
    private readonly ort: Ort,
    private readonly dim: number,
    private readonly classes: number,
  ) {}

  private wrap(a: Float32Array, cols: number, rows: number): OrtTensor {
    let t = this.cache.get(a);
    if (!t) {
      t = new this.ort.Tensor('float32', a, [rows, cols]);
      this.cache.set(a, t);
    }
    return t;
  }

  get(b: HostBatch): { x: OrtTensor; y: OrtTensor } {
    return { x: this.wrap(b.x, this.dim, b.rows), y: this.wrap(b.y, this.classes, b.rows) };
  }
}
