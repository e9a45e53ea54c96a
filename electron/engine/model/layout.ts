// Names and shapes of the tensors the graphs exchange with the engine:
// parameters, BN moving averages, optimizer slots. A state tensor named s goes
// into the step graph as `s` and comes out as `s.next`.
import type { Graph } from '../graph/ir';
import type { LayerTensors, NetShape } from './definition';
import { updateRule, type OptimizerConfig } from './optimizers';
import type { LayerArrays } from './params';

export interface TensorSpec {
  name: string;
  shape: number[];
}

export type ParamKind = 'w' | 'b' | 'gamma' | 'beta';
export type MovingKind = 'movingMean' | 'movingVar';

export const paramName = (kind: ParamKind | MovingKind, k: number): string => `${kind}${k}`;
export const nextName = (state: string): string => `${state}.next`;
export const gradName = (param: string): string => `grad.${param}`;
export const slotName = (slot: string, param: string): string => `${slot}.${param}`;
export const sripName = (k: number): string => `srip.u${k}`;

function layerInput(net: NetShape, k: number): number {
  return k === 0 ? net.inputSize : net.layers[k - 1].units;
}

/** Trainable parameters in the order of model/network.ts's trainableVariables. */
export function trainableSpecs(net: NetShape): TensorSpec[] {
  return net.layers.flatMap((l, k) => {
    const n = l.units;
    const out: TensorSpec[] = [
      { name: paramName('w', k), shape: [layerInput(net, k), n] },
      { name: paramName('b', k), shape: [n] },
    ];
    if (l.batchNorm) out.push({ name: paramName('gamma', k), shape: [n] }, { name: paramName('beta', k), shape: [n] });
    return out;
  });
}

/** Each layer's parameters and moving averages as inputs of a graph. */
export function layerInputs(g: Graph, net: NetShape): LayerTensors[] {
  const shapes = new Map([...trainableSpecs(net), ...movingSpecs(net)].map((s) => [s.name, s.shape]));
  const input = (kind: ParamKind | MovingKind, k: number) => {
    const name = paramName(kind, k);
    return g.inputs.get(name) ?? g.input(name, shapes.get(name)!);
  };
  return net.layers.map((l, k) => ({
    w: input('w', k),
    b: input('b', k),
    ...(l.batchNorm ? { gamma: input('gamma', k), beta: input('beta', k), movingMean: input('movingMean', k), movingVar: input('movingVar', k) } : {}),
  }));
}

/** The forward BN moving averages (updated by the step, not by gradients). */
export function movingSpecs(net: NetShape): TensorSpec[] {
  return net.layers.flatMap((l, k) =>
    l.batchNorm
      ? [
          { name: paramName('movingMean', k), shape: [l.units] },
          { name: paramName('movingVar', k), shape: [l.units] },
        ]
      : [],
  );
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
    m.set(paramName('w', k), p.w.data);
    m.set(paramName('b', k), p.b);
    if (p.gamma) {
      m.set(paramName('gamma', k), p.gamma);
      m.set(paramName('beta', k), p.beta!);
      m.set(paramName('movingMean', k), p.movingMean!);
      m.set(paramName('movingVar', k), p.movingVar!);
    }
  });
  return m;
}

/** The inverse of paramArrays (arrays are copied). */
export function layerArrays(net: NetShape, get: (name: string) => Float32Array): LayerArrays[] {
  return net.layers.map((l, k) => {
    const copy = (kind: ParamKind | MovingKind) => Float32Array.from(get(paramName(kind, k)));
    const p: LayerArrays = { w: { shape: [layerInput(net, k), l.units], data: copy('w') }, b: copy('b') };
    if (l.batchNorm) {
      p.gamma = copy('gamma');
      p.beta = copy('beta');
      p.movingMean = copy('movingMean');
      p.movingVar = copy('movingVar');
    }
    return p;
  });
}
