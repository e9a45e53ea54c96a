// Evaluation graphs: the logits of a chunk of inputs (accuracy), and the test
// set's metrics as train/evaluate.ts computes them: logits, the reverse pass's
// mean squared reconstruction error of every layer's input and the
// reconstructions of the first test inputs (the backward images).
import { GraphBuilder } from './graph';
import { layerValues, movingSpecs, trainableSpecs } from './layout';
import { NetGraph, type BnMode, type NetShape } from './network';

export const LOGITS = 'logits';
export const RECON = 'recon';
export const BACKWARD = 'backward';

function withParams(name: string, net: NetShape, rows: number | string): { g: GraphBuilder; G: NetGraph; x: string } {
  const g = new GraphBuilder(name);
  const x = g.input('x', [rows, net.inputSize]);
  for (const p of [...trainableSpecs(net), ...movingSpecs(net)]) g.input(p.name, p.shape);
  return { g, G: new NetGraph(g, net, layerValues(net)), x };
}

/** Logits of any number of rows ('n'). */
export function buildLogitsGraph(net: NetShape, mode: BnMode, quirks: boolean): GraphBuilder {
  const { g, G, x } = withParams('racecar-logits', net, 'n');
  const L = net.layers.length;
  g.output(G.forward(x, mode, quirks).h[L], LOGITS, ['n', net.layers[L - 1].units]);
  return g;
}

/** The test set (n rows) as one batch: logits, per-layer reconstruction error, the first `samples` reconstructions. */
export function buildTestGraph(net: NetShape, mode: BnMode, quirks: boolean, n: number, samples: number): GraphBuilder {
  const { g, G, x } = withParams('racecar-test', net, n);
  const L = net.layers.length;
  const { h } = G.forward(x, mode, quirks);
  const { r } = G.reverse(h[L], 0);
  g.output(h[L], LOGITS, [n, net.layers[L - 1].units]);
  const recon = h.slice(0, L).map((hk, k) => g.toVector(g.reduceMean(g.square(g.sub(r[k], hk)))));
  g.output(g.concat(recon), RECON, [L]);
  if (samples > 0) g.output(g.rows(r[0], 0, samples), BACKWARD, [samples, net.inputSize]);
  return g;
}
