// Names and shapes of the tensors the graphs exchange with the engine:
// parameters, BN moving averages, optimizer slots. A state tensor named s goes
// into the step graph as `s` and comes out as `s.next`.
import type { Graph } from '../graph/ir';
import { netInput, type LayerTensors, type NetShape } from './definition';
import { isMoving, netGeometry, TENSOR_KINDS, WEIGHT_KINDS, type TensorKind } from './geometry';
import { updateRule, type OptimizerConfig } from './optimizers';
import type { LayerArrays } from './params';

export interface TensorSpec {
  name: string;
  shape: number[];
}

export type { TensorKind } from './geometry';

/** State names: w3, gamma3 (layer 3); a residual block's second convolution w3.2, gamma3.2; its projection w3.skip. */
export function paramName(kind: TensorKind, k: number): string {
  if (kind === 'wSkip') return `w${k}.skip`;
  return kind.endsWith('2') ? `${kind.slice(0, -1)}${k}.2` : `${kind}${k}`;
}
export const nextName = (state: string): string => `${state}.next`;
export const gradName = (param: string): string => `grad.${param}`;
export const slotName = (slot: string, param: string): string => `${slot}.${param}`;

export interface StateSpec extends TensorSpec {
  layer: number;
  kind: TensorKind;
}

function specs(net: NetShape, moving: boolean): StateSpec[] {
  return netGeometry(netInput(net), net.layers).flatMap((g, k) =>
    g.tensors.filter((t) => isMoving(t.kind) === moving).map((t) => ({ name: paramName(t.kind, k), shape: t.shape, layer: k, kind: t.kind })),
  );
}

/** Trainable parameters, layer by layer (w, b, gamma, beta, then a residual block's second convolution and projection). */
export const trainableSpecs = (net: NetShape): StateSpec[] => specs(net, false);

/** The forward BN moving averages (updated by the step, not by gradients). */
export const movingSpecs = (net: NetShape): StateSpec[] => specs(net, true);

/** The SRIP start vector of a weight (state name w3, w3.2, w3.skip -> srip.u3, srip.u3.2, srip.u3.skip). */
export const sripName = (weight: string): string => `srip.u${weight.slice(1)}`;

/** SRIP start-vector inputs: one per weight tensor (its output count x 1), in layer order. */
export function sripSpecs(net: NetShape): StateSpec[] {
  return trainableSpecs(net)
    .filter((p) => WEIGHT_KINDS.includes(p.kind))
    .map((p) => ({ ...p, name: sripName(p.name), shape: [p.shape.length === 2 ? p.shape[1] : p.shape[0], 1] }));
}

/** Each layer's parameters and moving averages as inputs of a graph. */
export function layerInputs(g: Graph, net: NetShape): LayerTensors[] {
  const P: LayerTensors[] = net.layers.map(() => ({}));
  for (const s of [...trainableSpecs(net), ...movingSpecs(net)]) P[s.layer][s.kind] = g.inputs.get(s.name) ?? g.input(s.name, s.shape);
  return P;
}

/** Every state tensor the step graph reads and writes back. */
export function stateSpecs(net: NetShape, o: OptimizerConfig): TensorSpec[] {
  const params = trainableSpecs(net);
  const slots = updateRule(o).slots.flatMap((s) => params.map((p) => ({ name: slotName(s, p.name), shape: p.shape })));
  return [...params, ...movingSpecs(net), ...slots];
}

/** Parameter and moving-average arrays by state name. */
export function paramArrays(params: LayerArrays[]): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  params.forEach((p, k) => {
    for (const kind of TENSOR_KINDS) {
      const t = p[kind];
      if (t) m.set(paramName(kind, k), t.data);
    }
  });
  return m;
}

/** The inverse of paramArrays (arrays are copied). */
export function layerArrays(net: NetShape, get: (name: string) => Float32Array): LayerArrays[] {
  const out: LayerArrays[] = net.layers.map(() => ({}));
  for (const s of [...trainableSpecs(net), ...movingSpecs(net)]) out[s.layer][s.kind] = { shape: [...s.shape], data: Float32Array.from(get(s.name)) };
  return out;
}
