// The one model definition: its derived gradients against central finite
// differences in float64 for whole configurations, and its forward meaning
// (reverse pass, SRIP, moving averages) against direct computation.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../electron/engine/graph/ir';
import { outputUnits, type LayerConfig } from '../../../electron/engine/config/schema';
import { BN_EPSILON, BN_MOMENTUM, reverse, srip, type LayerTensors, type NetShape } from '../../../electron/engine/model/definition';
import { buildStepGraph, PARTS, type StepSpec } from '../../../electron/engine/model/graphs';
import { gradName, layerInputs, nextName, sripSpecs, trainableSpecs } from '../../../electron/engine/model/layout';
import { finiteDifferences, relDiff } from '../graph/check';
import { interpret } from '../graph/float64';
import { L, caseInputs, cases } from './lossCases';

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
const outputUnitsOf = (l: LayerConfig) => outputUnits([l]);

function stepFeeds(inp: ReturnType<typeof caseInputs>, withSrip: boolean): Record<string, Float64Array> {
  const feeds: Record<string, Float64Array> = { x: f64(inp.x), y: f64(inp.y) };
  for (const [name, a] of inp.state) feeds[name] = f64(a);
  if (withSrip) sripSpecs(inp.net).forEach((t, k) => (feeds[t.name] = f64(inp.u[k])));
  return feeds;
}

describe('derived gradients of whole configurations against finite differences (float64)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const inp = caseInputs(c, 7);
      const spec: StepSpec = { net: inp.net, loss: c.settings, optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 }, batch: inp.n };
      const g = buildStepGraph(spec, { gradients: true });
      const feeds = stepFeeds(inp, c.settings.lambdaOrt > 0);
      const out = interpret(g, feeds);
      const total = c.layers.length + 2;
      for (const p of trainableSpecs(inp.net)) {
        const fd = finiteDifferences(g, feeds, PARTS, p.name, 1e-6, total);
        // The floor: a bias under batch norm has a zero gradient, where the differences are rounding noise (~1e-9).
        expect(relDiff(out[gradName(p.name)], fd, 1e-2), p.name).toBeLessThan(1e-6);
      }
    });
  }

  it('the check can fail: the gradient of a loss with doubled lambdas is far off', () => {
    const c = cases[1];
    const inp = caseInputs(c, 3);
    const spec = (lambdas: number[]): StepSpec => ({
      net: inp.net,
      loss: { ...c.settings, lambdas },
      optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 },
      batch: inp.n,
    });
    const right = buildStepGraph(spec(c.settings.lambdas), { gradients: true });
    const wrong = interpret(buildStepGraph(spec(c.settings.lambdas.map((l) => 2 * l)), { gradients: true }), stepFeeds(inp, false));
    const feeds = stepFeeds(inp, false);
    const fd = finiteDifferences(right, feeds, PARTS, 'w0', 1e-6, c.layers.length + 2);
    expect(relDiff(wrong[gradName('w0')], fd)).toBeGreaterThan(1e-3);
  });
});

/** Row-major float64 helpers for the direct computations below. */
const matT = (a: number[], rows: number, cols: number) => Array.from({ length: rows * cols }, (_, i) => a[(i % rows) * cols + Math.floor(i / rows)]);
const mm = (a: number[], b: number[], m: number, k: number, n: number) =>
  Array.from({ length: m * n }, (_, i) => {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[Math.floor(i / n) * k + p] * b[p * n + (i % n)];
    return s;
  });

function reverseGraph(net: NetShape, rows: number) {
  const g = new Graph('reverse');
  const P: LayerTensors[] = layerInputs(g, net);
  const logits = g.input('logits', [rows, outputUnits(net.layers)]);
  const r = reverse(net, P, logits, 0);
  r.slice(0, net.layers.length).forEach((v, k) => g.output(`r${k}`, v));
  return g;
}

describe('reverse pass', () => {
  it('computes (z - b) W^T for a linear layer, as in the reference MNIST net', () => {
    const net: NetShape = { inputSize: 3, layers: [L(2, 'linear', false, 1)] };
    const w = [1, 2, 3, 4, 5, 6]; // 3 x 2
    const b = [0.5, -1];
    const z = [1, 1, 2, 0]; // 2 x 2
    const r = interpret(reverseGraph(net, 2), { w0: w, b0: b, logits: z }).r0;
    const u = z.map((v, i) => v - b[i % 2]);
    expect(Array.from(r)).toEqual(mm(u, matT(w, 3, 2), 2, 2, 3));
  });

  it('applies the lower layer BN (own batch statistics, shared gamma/beta) and ReLU on the way back', () => {
    const net: NetShape = { inputSize: 2, layers: [L(3, 'relu', true, 1), L(2, 'linear', false, 1)] };
    const w1 = [0.5, -1, 2, 1, 0.3, -0.7]; // 3 x 2
    const b1 = [0.1, -0.2];
    const gamma = [1.5, 0.5, 2];
    const beta = [0.1, -0.3, 0.2];
    const z = [1, 2, -1, 0.5, 3, -2, 0.2, 0.4]; // 4 x 2
    const feeds = { w1, b1, gamma0: gamma, beta0: beta, w0: new Array(6).fill(0), b0: [0, 0, 0], movingMean0: [9, 9, 9], movingVar0: [9, 9, 9], logits: z };
    const r1 = interpret(reverseGraph(net, 4), feeds).r1;
    const t = mm(
      z.map((v, i) => v - b1[i % 2]),
      matT(w1, 3, 2),
      4,
      2,
      3,
    );
    for (let c = 0; c < 3; c++) {
      const col = [0, 1, 2, 3].map((i) => t[i * 3 + c]);
      const mean = col.reduce((a, v) => a + v) / 4;
      const variance = col.reduce((a, v) => a + (v - mean) ** 2, 0) / 4;
      col.forEach((v, i) => expect(r1[i * 3 + c]).toBeCloseTo(Math.max(0, ((v - mean) / Math.sqrt(variance + BN_EPSILON)) * gamma[c] + beta[c]), 12));
    }
  });
});

describe('SRIP', () => {
  const penalty = (w: number[], rows: number, cols: number, u: number[]) => {
    const g = new Graph('srip');
    g.output('p', srip(g.input('w', [rows, cols]), g.input('u', [cols, 1])));
    return interpret(g, { w, u }).p[0];
  };
  it('is zero for an orthogonal W and approximates the squared spectral norm of W^T W - I', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    expect(penalty([c, -s, s, c, 0, 0], 3, 2, [0.6, 0.8])).toBeCloseTo(0, 20);
    // W = diag(2, 1): W^T W - I = diag(3, 0), spectral norm 3; one power step from a u near e1 gives ~9.
    expect(penalty([2, 0, 0, 1], 2, 2, [1, 0.01])).toBeCloseTo(9, 3);
  });
});

describe('the step graph’s moving averages', () => {
  it('move towards the batch statistics by 1 - momentum', () => {
    const c = cases[0];
    const inp = caseInputs(c, 5);
    const out = interpret(
      buildStepGraph({ net: inp.net, loss: c.settings, optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 }, batch: inp.n }),
      stepFeeds(inp, false),
    );
    // Layer 0's batch mean of z = x W0 + b0, per unit.
    const w0 = Array.from(inp.state.get('w0')!);
    const b0 = Array.from(inp.state.get('b0')!);
    const units = outputUnitsOf(c.layers[0]);
    const z = mm(Array.from(inp.x), w0, inp.n, inp.dim, units).map((v, i) => v + b0[i % units]);
    const m0 = inp.state.get('movingMean0')!;
    for (let j = 0; j < units; j++) {
      const mean = [...Array(inp.n).keys()].reduce((a, i) => a + z[i * units + j], 0) / inp.n;
      expect(out[nextName('movingMean0')][j]).toBeCloseTo(BN_MOMENTUM * m0[j] + (1 - BN_MOMENTUM) * mean, 9);
    }
  });
});
