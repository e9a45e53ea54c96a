// A run's graphs on ONNX Runtime: one session.run per training step. The
// state lives in two sets of pre-allocated host buffers wrapped once as ORT
// tensors; a step reads one set and writes the other in place, and a
// committed step swaps them: nothing is allocated or copied per step, and the
// batch buffers are wrapped once too.
import type { Graph } from '../graph/ir';
import type { HostTensor, Program, ProgramFactory, StateSpec } from '../graph/runtime';
import { nextName } from '../model/layout';
import { CHECKSUM, PARTS } from '../model/graphs';
import { lowerToOnnx } from './lower';
import { providerName, type Provider } from './providers';
import { createSession, loadOrt, ortVersion, type Ort, type OrtSession, type OrtTensor } from './runtime';

const encode = (g: Graph) => lowerToOnnx(g).encode(ortVersion());

export function onnxProgram(threads: number, provider: Provider = 'cpu'): ProgramFactory {
  return async (step, specs, initial) => {
    const ort = loadOrt();
    if (!ort) throw new Error('onnxruntime-node does not load here');
    const state = new StateBuffers(ort, specs, initial);
    const checksum = new ort.Tensor('float32', new Float32Array(1), []);
    const wrap = new Wrapper(ort);
    const sessions = new Map<Graph, OrtSession>();
    // Step-like graphs: their session and their parts buffer, made once each.
    const steppers = new Map<Graph, { session: OrtSession; parts: OrtTensor }>();
    const stepper = async (g: Graph) => {
      let s = steppers.get(g);
      if (!s) {
        const parts = g.outputs.get(PARTS)!;
        s = {
          session: await createSession(encode(g), threads, provider),
          parts: new ort.Tensor('float32', new Float32Array(parts.shape[0]), [...parts.shape]),
        };
        steppers.set(g, s);
      }
      return s;
    };
    await stepper(step);

    const program: Program = {
      async step(feeds, commit, wantParts, graph = step) {
        const { session, parts } = await stepper(graph);
        const taken = Object.fromEntries(Object.entries(feeds).filter(([k]) => graph.inputs.has(k)));
        await session.run({ ...state.current(), ...wrap.all(taken) }, { ...state.spare(), [PARTS]: parts, [CHECKSUM]: checksum });
        if (commit) state.swap();
        return { parts: wantParts ? Float32Array.from(parts.data as Float32Array) : null, checksum: (checksum.data as Float32Array)[0]! };
      },
      async run(g, feeds) {
        let s = sessions.get(g);
        if (!s) {
          s = await createSession(encode(g), threads, provider);
          sessions.set(g, s);
        }
        const cur = state.current();
        const all: Record<string, OrtTensor> = {};
        for (const name of g.inputs.keys()) all[name] = name in feeds ? wrap.one(feeds[name]) : cur[name]!;
        const r = await s.run(all);
        return Object.fromEntries([...g.outputs.keys()].map((k) => [k, r[k]!.data as Float32Array]));
      },
      read: (name) => Float32Array.from(state.array(name)),
      write: (name, data) => state.array(name).set(data),
      threadReport: () => `onnxruntime ${ortVersion()} on ${providerName(provider)}: ${threads} intra-op thread${threads > 1 ? 's' : ''}`,
      dispose() {
        for (const s of steppers.values()) void s.session.release();
        for (const s of sessions.values()) void s.release();
      },
    };
    return program;
  };
}

/** Two sets of state buffers, wrapped once as tensors; the step reads `current` and writes `spare`. */
class StateBuffers {
  private readonly sets: [Map<string, Float32Array>, Map<string, Float32Array>] = [new Map(), new Map()];
  private readonly tensors: [Record<string, OrtTensor>, Record<string, OrtTensor>] = [{}, {}];
  private readonly outputs: [Record<string, OrtTensor>, Record<string, OrtTensor>] = [{}, {}];
  private cur = 0;

  constructor(ort: Ort, specs: StateSpec[], initial: Map<string, Float32Array>) {
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
  array(name: string): Float32Array {
    const a = this.sets[this.cur].get(name);
    if (!a) throw new Error(`the run has no state tensor ${name}`);
    return a;
  }
  /** The other set, keyed by the step graph's output names. */
  spare = () => this.outputs[1 - this.cur];
  swap(): void {
    this.cur = 1 - this.cur;
  }
}

/** Host arrays as ORT tensors, each wrapped once (the sampler reuses its buffers). */
class Wrapper {
  private readonly cache = new WeakMap<Float32Array, OrtTensor>();

  constructor(private readonly ort: Ort) {}

  one(t: HostTensor): OrtTensor {
    let w = this.cache.get(t.data);
    if (!w || w.dims.length !== t.shape.length || w.dims.some((d, i) => d !== t.shape[i])) {
      w = new this.ort.Tensor('float32', t.data, t.shape);
      this.cache.set(t.data, w);
    }
    return w;
  }

  all(feeds: Record<string, HostTensor>): Record<string, OrtTensor> {
    return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, this.one(t)]));
  }
}
