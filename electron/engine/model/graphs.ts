// The graphs a backend runs, composed from the one definition
// (definition.ts), its derived gradients (graph/autodiff.ts) and the update
// rules (optimizers.ts): the training step, the logits of a chunk of inputs
// and the test set's metrics with the reverse pass's images.
import { gradients } from '../graph/autodiff';
import { Graph, type Node } from '../graph/ir';
import * as op from '../graph/ops';
import {
  BN_MOMENTUM,
  flatten,
  forward,
  lossParts,
  reconError,
  reverse,
  reverseStep,
  type BnMode,
  type LayerStats,
  type LayerTensors,
  type LossSettings,
  type NetShape,
} from './definition';
import { outputUnits } from '../config/schema';
import { gradName, layerInputs, movingSpecs, nextName, slotName, sripSpecs, trainableSpecs } from './layout';
import { scalarInputs, updateRule, type OptimizerConfig } from './optimizers';

export interface StepSpec {
  net: NetShape;
  loss: LossSettings;
  optimizer: OptimizerConfig;
  /** Rows per batch (fixed for the run). */
  batch: number;
  /** Layers (0-based) kept fixed: no gradient, no update, their moving statistics kept too (transfer). */
  frozen?: number[];
}

/** Outputs of the step graph besides the next state. */
export const PARTS = 'parts';
/** The sum of every updated parameter and moving statistic: finite exactly while all of them are (the divergence check). */
export const CHECKSUM = 'checksum';
export const LOGITS = 'logits';
export const RECON = 'recon';
export const BACKWARD = 'backward';

/** SRIP start-vector inputs of a step graph (none without SRIP). */
export const sripInputs = (spec: StepSpec): string[] => (spec.loss.lambdaOrt > 0 ? sripSpecs(spec.net).map((u) => u.name) : []);

/**
 * One training step: loss parts [ce, rr_0..rr_{L−1}, ort, total] of the batch,
 * the gradients of the total, the BN moving averages and the optimizer update.
 * State goes in as `s` and comes out as `s.next`; with `gradients` every
 * gradient is an output too, as grad.<param>.
 */
export function buildStepGraph(spec: StepSpec, opts: { gradients?: boolean } = {}): Graph {
  const { net, loss: s, batch: n } = spec;
  const g = new Graph('racecar-train-step');
  const x = g.input('x', [n, net.inputSize]);
  const y = g.input('y', [n, outputUnits(net.layers)]);
  const P = layerInputs(g, net);
  const u = s.lambdaOrt > 0 ? sripSpecs(net).map((t) => ({ weight: P[t.layer][t.kind]!, u: g.input(t.name, t.shape) })) : null;
  const parts = lossParts(net, P, x, y, s, u);
  const zero = g.scalar(0);
  g.output(
    PARTS,
    op.concat(
      [parts.ce, ...parts.rr.map((r) => r ?? zero), parts.ort ?? zero, parts.total].map((v) => op.reshape(v, [1])),
      0,
    ),
  );

  const frozen = new Set(spec.frozen ?? []);
  update(g, spec, P, parts.total, (k) => !frozen.has(k), parts.fwd.stats, opts);
  return g;
}

/**
 * The rest of a step graph from its loss: gradients of the parameters of the
 * layers `trains` accepts (the others, their slots and their moving statistics
 * come out as they went in), the moving averages of those layers' batch
 * statistics, the optimizer update and the divergence checksum.
 */
function update(
  g: Graph,
  spec: StepSpec,
  P: LayerTensors[],
  loss: Node,
  trains: (k: number) => boolean,
  stats: LayerStats[],
  opts: { gradients?: boolean },
): void {
  const { net } = spec;
  const specs = trainableSpecs(net);
  const all = specs.map((p) => g.inputs.get(p.name)!);
  const params = all.filter((_, i) => trains(specs[i].layer));
  const grads = gradients(loss, params);
  if (opts.gradients) params.forEach((p, i) => g.output(gradName(String(p.attrs.name)), grads[i]));

  const updated: Node[] = [];
  const next = (state: Node, value: Node) => {
    g.output(nextName(String(state.attrs.name)), value);
    updated.push(value);
  };
  // Moving averages of the forward batch statistics.
  for (const m of movingSpecs(net)) {
    const moving = P[m.layer][m.kind]!;
    const which = m.kind.endsWith('2') ? '2' : '';
    const st = stats[m.layer]?.[which];
    if (!trains(m.layer) || !st) {
      next(moving, moving);
      continue;
    }
    const stat = m.kind.startsWith('movingMean') ? st.mean : st.variance;
    next(moving, op.add(op.mul(moving, BN_MOMENTUM), op.mul(stat, 1 - BN_MOMENTUM)));
  }

  const rule = updateRule(spec.optimizer);
  const scalars = scalarInputs(g, rule);
  for (const w of all) {
    const name = String(w.attrs.name);
    const slots = rule.slots.map((sl) => g.input(slotName(sl, name), w.shape));
    const i = params.indexOf(w);
    // A parameter not trained here and its slots come out as they went in.
    const r = i >= 0 ? rule.update(w, grads[i], slots, scalars) : { w, slots };
    next(w, r.w);
    r.slots.forEach((v, j) => g.output(nextName(slotName(rule.slots[j], name)), v));
  }
  // NaN and ±Infinity propagate through a sum: one reduction, 4 bytes read per step.
  g.output(CHECKSUM, op.addN(updated.map((v) => op.sum(v))));
}

/**
 * One step of greedy layer-wise pretraining of layer k (0-based): its input
 * h_k, from the fixed layers below, reconstructed through the layer's own
 * reverse step from its output h_{k+1}; the reconstruction error (the run's
 * reduction, unweighted) trains layer k alone. PARTS holds that error.
 */
export function buildPretrainGraph(spec: StepSpec, k: number, opts: { gradients?: boolean } = {}): Graph {
  const { net, batch: n } = spec;
  const g = new Graph(`racecar-pretrain-${k}`);
  const x = g.input('x', [n, net.inputSize]);
  const P = layerInputs(g, net);
  // Layer k's own batch norm and activation apply unless it is the network's (plain-logit) output layer.
  const quirks = k === net.layers.length - 1 ? spec.loss.quirks : true;
  const { h, stats } = forward({ ...net, layers: net.layers.slice(0, k + 1) }, P, x, 'batch', quirks);
  const recon = reconError(reverseStep(net, P, k, h[k + 1], h), h[k], spec.loss.reduction);
  g.output(PARTS, op.reshape(recon, [1]));
  update(g, spec, P, recon, (j) => j === k, stats, opts);
  return g;
}

function evalGraph(name: string, net: NetShape, rows: number): { g: Graph; x: Node } {
  const g = new Graph(name);
  const x = g.input('x', [rows, net.inputSize]);
  return { g, x };
}

/** Logits of `rows` inputs. */
export function buildLogitsGraph(net: NetShape, mode: BnMode, quirks: boolean, rows: number): Graph {
  const { g, x } = evalGraph('racecar-logits', net, rows);
  g.output(LOGITS, forward(net, layerInputs(g, net), x, mode, quirks).h[net.layers.length]);
  return g;
}

/** Outputs of the test graph for the information plane: layer k's output d_k and the reconstruction d'_k. */
export const actName = (k: number): string => `act.${k}`;
export const revName = (k: number): string => `rev.${k}`;
/** Output of the test graph: the reconstruction d'_k of layer k's input feature maps on the backward samples (flattened NCHW). */
export const featureName = (k: number): string => `backward.${k}`;

/**
 * The test set (n rows) as one batch: logits, per-layer reconstruction error,
 * the first `samples` reconstructions, and with `infoRows` every layer's output
 * and reconstruction on the first infoRows rows (information planes).
 */
export function buildTestGraph(net: NetShape, mode: BnMode, quirks: boolean, n: number, samples: number, infoRows = 0): Graph {
  const { g, x } = evalGraph('racecar-test', net, n);
  const P = layerInputs(g, net);
  const L = net.layers.length;
  const { h } = forward(net, P, x, mode, quirks);
  const r = reverse(net, P, h[L], 0, h);
  g.output(LOGITS, h[L]);
  g.output(
    RECON,
    op.concat(
      h.slice(0, L).map((hk, k) => op.reshape(op.mean(op.square(op.sub(r[k], hk))), [1])),
      0,
    ),
  );
  if (samples > 0) {
    g.output(BACKWARD, op.slice(flatten(r[0]), 0, 0, Math.min(samples, n)));
    // Reconstructions of every intermediate layer's feature maps (the views' channel grids).
    for (let k = 1; k < L; k++) if (r[k].shape.length === 4) g.output(featureName(k), op.slice(flatten(r[k]), 0, 0, Math.min(samples, n)));
  }
  if (infoRows > 0) {
    const rows = Math.min(infoRows, n);
    for (let k = 1; k <= L; k++) g.output(actName(k), op.slice(flatten(h[k]), 0, 0, rows));
    for (let k = 0; k < L; k++) g.output(revName(k), op.slice(flatten(r[k]), 0, 0, rows));
  }
  return g;
}

/** Names of the parameter and moving-average inputs of the evaluation graphs. */
export const evalStateNames = (net: NetShape): string[] => [...trainableSpecs(net), ...movingSpecs(net)].map((s) => s.name);
