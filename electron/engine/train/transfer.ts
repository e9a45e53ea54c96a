// Transfer: a run that starts from another run's weights (config.init). The
// layers to copy must have the same shape here and there; by default every
// layer that does is copied, so a new output layer is drawn afresh where the
// class count differs. Every problem is a one-line ConfigError naming the
// field, raised before the new run exists.
import { ConfigError, type RunConfig } from '../config/schema';
import { parseCheckpoint } from '../model/checkpoint';
import { featureSize, TENSOR_KINDS, type FeatureShape } from '../model/geometry';
import { initialParams, type LayerArrays } from '../model/params';
import type { RunStore } from '../store/runStore';

export interface Transfer {
  params: LayerArrays[];
  /** What was taken from where, for the run's log. */
  note: string;
}

const kinds = (p: LayerArrays) => TENSOR_KINDS.filter((k) => p[k]);
const shapeOf = (p: LayerArrays): string => {
  if (!p.w) return 'without weights';
  const bn = p.gamma ? ' with batch norm' : '';
  return `${p.w.shape.join('x')}${p.w2 ? ` and ${p.w2.shape.join('x')}` : ''}${bn}`;
};
const same = (a: LayerArrays, b: LayerArrays) => {
  const ka = kinds(a);
  return ka.length === kinds(b).length && ka.every((k) => b[k] && a[k]!.shape.join() === b[k].shape.join());
};
const copy = (p: LayerArrays): LayerArrays => Object.fromEntries(kinds(p).map((k) => [k, { shape: [...p[k]!.shape], data: Float32Array.from(p[k]!.data) }]));

export function transferredParams(store: RunStore, config: RunConfig, input: FeatureShape): Transfer {
  const inputSize = featureSize(input);
  const init = config.init!;
  let source;
  try {
    source = store.get(init.fromRun);
  } catch {
    throw new ConfigError(`init.fromRun: there is no run "${init.fromRun}" in this workspace (racecar runs lists them)`);
  }
  const step = init.step ?? store.latestCheckpointStep(init.fromRun);
  if (step === null) throw new ConfigError(`init.fromRun: run "${init.fromRun}" has no checkpoint to start from`);
  if (init.step !== undefined && !source.checkpointSteps.includes(step)) {
    throw new ConfigError(`init.step: run "${init.fromRun}" has no checkpoint at step ${step} (it has ${source.checkpointSteps.join(', ') || 'none'})`);
  }
  const ck = parseCheckpoint(store.readCheckpoint(init.fromRun, step));
  if (ck.inputSize !== inputSize)
    throw new ConfigError(`init.fromRun: run "${init.fromRun}" takes inputs of ${ck.inputSize} values, this data set ${inputSize}`);
  const params = initialParams(input, config.network.layers, config.seed);
  const fits = (k: number) => k < ck.params.length && same(params[k], ck.params[k]);
  const layers = init.layers ?? params.map((_, k) => k + 1).filter((n) => fits(n - 1));
  for (const n of layers) {
    const k = n - 1;
    if (!fits(k)) {
      const there = k < ck.params.length ? shapeOf(ck.params[k]) : 'missing';
      throw new ConfigError(`init.layers: layer ${n} is ${shapeOf(params[k])} here and ${there} in run "${init.fromRun}": leave it out of init.layers`);
    }
    params[k] = copy(ck.params[k]);
  }
  const loose = init.freeze.find((n) => !layers.includes(n));
  if (loose !== undefined)
    throw new ConfigError(`init.freeze: layer ${loose} is not transferred (its shape differs in run "${init.fromRun}"), so it cannot be frozen`);
  const fresh = params.map((_, k) => k + 1).filter((n) => !layers.includes(n));
  const note = [
    `started from run ${init.fromRun} at step ${step}: layer${layers.length === 1 ? '' : 's'} ${layers.join(', ') || 'none'} transferred`,
    fresh.length ? `layer${fresh.length === 1 ? '' : 's'} ${fresh.join(', ')} new` : '',
    init.freeze.length ? `frozen: ${init.freeze.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { params, note };
}
