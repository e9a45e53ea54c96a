// The lowerings of the one definition: ONNX Runtime and tfjs (float32) against
// the float64 interpreter, and against each other, on every op, whole step
// graphs (loss parts, gradients, moving averages) and every optimizer's update.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradients } from '../../../electron/engine/graph/autodiff';
import { Graph, size } from '../../../electron/engine/graph/ir';
import * as op from '../../../electron/engine/graph/ops';
import { buildStepGraph, type StepSpec } from '../../../electron/engine/model/graphs';
import { gradName, nextName, slotName, sripSpecs, stateSpecs, trainableSpecs } from '../../../electron/engine/model/layout';
import { OptimizerClock, type OptimizerConfig } from '../../../electron/engine/model/optimizers';
import { initTfjsBackend } from '../../../electron/engine/backend';
import { Rng } from '../../../electron/engine/util/rng';
import { relDiff } from '../graph/check';
import { interpret } from '../graph/float64';
import { OP_CASES } from '../graph/opCases';
import { caseInputs, cases } from '../model/lossCases';
import { runOnnx, runTfjs } from './helpers';

beforeAll(async () => {
  await initTfjsBackend('cpu');
});

/** Every output of `g` on both lowerings against float64. */
async function compare(g: Graph, feeds: Record<string, Float32Array>, tol: number, floor = 0) {
  const want = interpret(g, feeds);
  const onnx = await runOnnx(g, feeds);
  const tfjs = runTfjs(g, feeds);
  for (const name of g.outputs.keys()) {
    expect(relDiff(onnx[name], want[name], floor), `onnx ${name}`).toBeLessThan(tol);
    expect(relDiff(tfjs[name], want[name], floor), `tfjs ${name}`).toBeLessThan(tol);
    expect(relDiff(onnx[name], tfjs[name], floor), `onnx vs tfjs ${name}`).toBeLessThan(2 * tol);
  }
}

describe('every op and its derived gradient, lowered', () => {
  for (const c of OP_CASES) {
    it(c.name, async () => {
      const rng = new Rng(11);
      const g = new Graph(c.name);
      const xs = c.shapes.map((s, i) => g.input(`x${i}`, s));
      const out = c.build(...xs);
      g.output('y', out);
      gradients(op.sum(op.mul(out, out)), xs).forEach((d, i) => g.output(`d${i}`, d));
      const feeds: Record<string, Float32Array> = {};
      c.shapes.forEach((s, i) => (feeds[`x${i}`] = Float32Array.from({ length: size(s) }, (_, j) => c.value?.(i, j, rng) ?? rng.uniform(-1, 1))));
      await compare(g, feeds, 1e-5);
    });
  }
});

function stepFeeds(spec: StepSpec, inp: ReturnType<typeof caseInputs>, scalars: Record<string, number>): Record<string, Float32Array> {
  const feeds: Record<string, Float32Array> = { x: inp.x, y: inp.y, ...Object.fromEntries(Object.entries(scalars).map(([k, v]) => [k, Float32Array.of(v)])) };
  for (const s of stateSpecs(spec.net, spec.optimizer)) feeds[s.name] = inp.state.get(s.name) ?? new Float32Array(size(s.shape)).fill(0.01);
  if (spec.loss.lambdaOrt > 0) sripSpecs(inp.net).forEach((t, k) => (feeds[t.name] = inp.u[k]));
  return feeds;
}

describe('whole step graphs, lowered: loss parts, gradients, moving averages, SGD update', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const inp = caseInputs(c, 5);
      const spec: StepSpec = { net: inp.net, loss: c.settings, optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0 }, batch: inp.n };
      // Float32 through deep nets with raw 0..255 inputs: 2e-4 relative (the floor: biases under batch norm have zero gradients).
      await compare(buildStepGraph(spec, { gradients: true }), stepFeeds(spec, inp, {}), 2e-4, 1e-2);
    });
  }
});

describe('optimizer updates, lowered, and against tfjs’s own optimizers', () => {
  const optimizers: OptimizerConfig[] = [
    { kind: 'adam', learningRate: 0.01, momentum: 0.9 },
    { kind: 'sgd', learningRate: 0.1, momentum: 0.9 },
    { kind: 'rmsprop', learningRate: 0.01, momentum: 0.5 },
  ];
  for (const o of optimizers) {
    it(`${o.kind}: three steps from the graph's gradients give tf.train.${o.kind}'s parameters`, async () => {
      const c = cases[1];
      const inp = caseInputs(c, 9);
      const spec: StepSpec = { net: inp.net, loss: c.settings, optimizer: o, batch: inp.n };
      const g = buildStepGraph(spec, { gradients: true });
      const clock = new OptimizerClock(o);
      let feeds = stepFeeds(spec, inp, clock.scalars());
      for (const s of stateSpecs(spec.net, o)) if (s.name.includes('.')) feeds[s.name] = new Float32Array(size(s.shape)); // slots start at zero
      // tfjs's optimizer, fed the same gradients.
      const params = trainableSpecs(spec.net);
      const vars = params.map((p) => tf.variable(tf.tensor(feeds[p.name], p.shape)));
      const theirs =
        o.kind === 'adam'
          ? tf.train.adam(o.learningRate, 0.9, 0.999, 1e-8)
          : o.kind === 'sgd'
            ? tf.train.momentum(o.learningRate, o.momentum)
            : tf.train.rmsprop(o.learningRate, 0.9, o.momentum, 1e-7);
      for (let step = 0; step < 3; step++) {
        const out = await runOnnx(g, feeds);
        theirs.applyGradients(params.map((p, i) => ({ name: vars[i].name, tensor: tf.tensor(out[gradName(p.name)], p.shape) })));
        clock.advance();
        const next: Record<string, Float32Array> = {
          ...feeds,
          ...Object.fromEntries(Object.entries(clock.scalars()).map(([k, v]) => [k, Float32Array.of(v)])),
        };
        for (const s of stateSpecs(spec.net, o)) next[s.name] = out[nextName(s.name)];
        feeds = next;
        params.forEach((p, i) => expect(relDiff(feeds[p.name], vars[i].dataSync()), `${p.name} after step ${step + 1}`).toBeLessThan(1e-6));
      }
      expect(Object.keys(feeds).some((k) => k.startsWith(slotName(o.kind === 'adam' ? 'adam.m' : o.kind === 'sgd' ? 'momentum' : 'rms.moment', '')))).toBe(
        true,
      );
      theirs.dispose();
      vars.forEach((v) => v.dispose());
    });
  }
});
