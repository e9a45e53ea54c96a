// Runs a graph on each lowering from plain arrays: ONNX Runtime and tfjs in
// float32, the tests' interpreter in float64.
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../../../electron/engine/graph/ir';
import { lowerToOnnx } from '../../../electron/engine/onnx/lower';
import { createSession, loadOrt } from '../../../electron/engine/onnx/runtime';
import { TfjsGraph } from '../../../electron/engine/tfjs/lower';

export type Outputs = Record<string, Float32Array>;

export function ortOrThrow() {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime-node does not load: it is a dependency of the workbench, run npm ci');
  return ort;
}

export async function runOnnx(g: Graph, feeds: Record<string, ArrayLike<number>>, threads = 1): Promise<Outputs> {
  const ort = ortOrThrow();
  const session = await createSession(lowerToOnnx(g).encode('test'), threads);
  const inputs = Object.fromEntries([...g.inputs].map(([name, n]) => [name, new ort.Tensor('float32', Float32Array.from(feeds[name]!), [...n.shape])]));
  const r = await session.run(inputs);
  await session.release();
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
}

/** On the active tfjs backend (the tests initialise one). */
export function runTfjs(g: Graph, feeds: Record<string, ArrayLike<number>>): Outputs {
  const lowered = new TfjsGraph(g, tf.getBackend() === 'wasm');
  const out = tf.tidy(() => {
    const r = lowered.run((name) => tf.tensor(Float32Array.from(feeds[name]!), [...g.inputs.get(name)!.shape]));
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
  });
  lowered.dispose();
  return out;
}
