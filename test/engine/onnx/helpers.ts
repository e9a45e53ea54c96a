// Runs the ONNX step graph on plain arrays: state by name in, every output by name out.
import { buildStepGraph, ADAM_STEP_SCALE, ADAM_V_SCALE, type StepGraphSpec } from '../../../electron/engine/onnx/stepGraph';
import { stateSpecs, sripName } from '../../../electron/engine/onnx/layout';
import { createSession, loadOrt } from '../../../electron/engine/onnx/runtime';

export interface StepInputs {
  x: Float32Array;
  y: Float32Array;
  /** State by name (parameters, moving averages, optimizer slots); missing slots are zeros. */
  state: Map<string, Float32Array>;
  srip?: Float32Array[] | null;
  adam?: { stepScale: number; vScale: number };
}

export type StepOutputs = Record<string, Float32Array>;

export function ortOrThrow() {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime-node does not load: it is a dependency of the workbench, run npm ci');
  return ort;
}

/** A session of the step graph (with gradient outputs) and a function running it. */
export async function stepRunner(spec: StepGraphSpec, threads = 1): Promise<(inputs: StepInputs) => Promise<StepOutputs>> {
  const ort = ortOrThrow();
  const session = await createSession(buildStepGraph(spec, { gradients: true }).encode('test'), threads);
  const dim = spec.net.inputSize;
  const classes = spec.net.layers[spec.net.layers.length - 1].units;
  return async (inp) => {
    const T = (a: Float32Array, shape: number[]) => new ort.Tensor('float32', a, shape);
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
      x: T(inp.x, [spec.batch, dim]),
      y: T(inp.y, [spec.batch, classes]),
    };
    for (const s of stateSpecs(spec.net, spec.optimizer)) {
      feeds[s.name] = T(inp.state.get(s.name) ?? new Float32Array(s.shape.reduce((a, b) => a * b, 1)), s.shape);
    }
    inp.srip?.forEach((u, k) => (feeds[sripName(k)] = T(u, [u.length, 1])));
    if (spec.optimizer.kind === 'adam') {
      feeds[ADAM_STEP_SCALE] = T(Float32Array.of(inp.adam?.stepScale ?? 0), []);
      feeds[ADAM_V_SCALE] = T(Float32Array.of(inp.adam?.vScale ?? 1), []);
    }
    const r = await session.run(feeds);
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
  };
}

/** ‖a − b‖ / ‖b‖ (0 when both vanish). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
