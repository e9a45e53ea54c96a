// A run's graphs on a tfjs backend: the state as tensors on the backend, the
// step graph evaluated op by op (tfjs/lower.ts), and a committed step's `.next`
// outputs kept as the new state. Reads back only the 4-byte checksum per step
// (and the loss parts when asked).
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../graph/ir';
import type { HostTensor, Program, ProgramFactory } from '../graph/runtime';
import { nextName } from '../model/layout';
import { CHECKSUM, PARTS } from '../model/graphs';
import { TfjsGraph } from './lower';
import { ThreadGovernor } from './threadGovernor';
import { wasmThreadSwitch } from './wasmThreads';

export function tfjsProgram(): ProgramFactory {
  return async (step, specs, initial) => {
    const explicitTranspose = tf.getBackend() === 'wasm';
    const stepGraph = new TfjsGraph(step, explicitTranspose);
    const state = new Map<string, tf.Tensor>();
    for (const sp of specs) {
      const size = sp.shape.reduce((a, b) => a * b, 1);
      state.set(sp.name, tf.keep(tf.tensor(initial.get(sp.name) ?? new Float32Array(size), sp.shape, 'float32')));
    }
    const graphs = new Map<Graph, TfjsGraph>();
    // The full batch is uploaded once; other host arrays (mini-batches, SRIP vectors, scalars) per call.
    const resident = new WeakMap<Float32Array, tf.Tensor>();
    const owned: tf.Tensor[] = [];
    const upload = (t: HostTensor): tf.Tensor => {
      if (!t.fixed) return tf.tensor(t.data, t.shape, 'float32');
      let r = resident.get(t.data);
      if (!r) {
        r = tf.keep(tf.tensor(t.data, t.shape, 'float32'));
        resident.set(t.data, r);
        owned.push(r);
      }
      return r;
    };

    const evaluate = (g: TfjsGraph, feeds: Record<string, HostTensor>) => g.run((name) => (name in feeds ? upload(feeds[name]) : state.get(name)!));

    // Pool threads on or off, whichever trains faster on this machine right now.
    const sw = tf.getBackend() === 'wasm' ? wasmThreadSwitch() : null;
    const governor = sw ? new ThreadGovernor(sw) : null;
    const lower = (g: Graph): TfjsGraph => {
      if (g === step) return stepGraph;
      let l = graphs.get(g);
      if (!l) graphs.set(g, (l = new TfjsGraph(g, explicitTranspose)));
      return l;
    };
    const stepSync = (feeds: Record<string, HostTensor>, commit: boolean, wantParts: boolean, graph: Graph) => {
      const kept = tf.tidy(() => {
        const out = evaluate(lower(graph), feeds);
        const keep: tf.Tensor[] = [out[CHECKSUM]];
        if (wantParts) keep.push(out[PARTS]);
        if (commit) for (const name of state.keys()) keep.push(out[nextName(name)]);
        return keep;
      });
      const [checksumT, ...rest] = kept;
      const partsT = wantParts ? rest.shift()! : null;
      if (commit) {
        [...state.keys()].forEach((name, i) => {
          const old = state.get(name)!;
          if (old !== rest[i]) old.dispose();
          state.set(name, rest[i]);
        });
      }
      // The one value read back every step (4 bytes): it ends the step's kernels, so the governor times whole steps.
      const checksum = checksumT.dataSync()[0]!;
      checksumT.dispose();
      return { partsT, checksum };
    };

    const program: Program = {
      async step(feeds, commit, wantParts, graph = step) {
        const r = governor ? governor.time(() => stepSync(feeds, commit, wantParts, graph)) : stepSync(feeds, commit, wantParts, graph);
        let parts: Float32Array | null = null;
        if (r.partsT) {
          parts = Float32Array.from(await r.partsT.data());
          r.partsT.dispose();
        }
        return { parts, checksum: r.checksum };
      },
      async run(g, feeds) {
        const l = lower(g);
        const outs = tf.tidy(() => Object.values(evaluate(l, feeds)));
        const names = [...g.outputs.keys()];
        const result: Record<string, Float32Array> = {};
        for (let i = 0; i < names.length; i++) result[names[i]] = Float32Array.from(await outs[i].data());
        tf.dispose(outs);
        return result;
      },
      read(name) {
        const t = state.get(name);
        if (!t) throw new Error(`the run has no state tensor ${name}`);
        return Float32Array.from(t.dataSync());
      },
      write(name, data) {
        const old = state.get(name);
        if (!old) throw new Error(`the run has no state tensor ${name}`);
        state.set(name, tf.keep(tf.tensor(data, old.shape, 'float32')));
        old.dispose();
      },
      threadReport() {
        if (!governor) return null;
        const g = governor.summary();
        return `wasm threads: ${g.threads}, pool on for ${(100 * g.pooledShare).toFixed(0)}% of ${g.steps} steps, ${g.switches} switches; ms/step single ${g.msPerStep.single.toFixed(2)}, pooled ${g.msPerStep.pooled.toFixed(2)}`;
      },
      dispose() {
        sw?.set(true);
        stepGraph.dispose();
        for (const g of graphs.values()) g.dispose();
        for (const t of state.values()) t.dispose();
        tf.dispose(owned);
      },
    };
    return program;
  };
}
