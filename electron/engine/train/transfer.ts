// Transfer: a run that starts from another run's weights (config.init). The
// layers to copy must have the same shape here and there; by default every
// layer that does is copied, so a new output layer is drawn afresh where the
// class count differs. Every problem is a one-line ConfigError naming the
// field, raised before the new run exists.
import { ConfigError, type RunConfig } from '../config/schema';
import { parseCheckpoint } from '../model/checkpoint';
import { initialParams, type LayerArrays } from '../model/params';
import type { RunStore } from '../store/runStore';

export interface Transfer {
  params: LayerArrays[];
  /** The source checkpoint's step (init.step, or the source's last checkpoint): recorded in the run's config, its lineage. */
  step: number;
  /** What was taken from where, for the run's log. */
  note: string;
}

const shapeOf = (p: LayerArrays) => `${p.w.shape[0]}x${p.w.shape[1]}${p.gamma ? ' with batch norm' : ''}`;
const same = (a: LayerArrays, b: LayerArrays) => a.w.shape[0] === b.w.shape[0] && a.w.shape[1] === b.w.shape[1] && !!a.gamma === !!b.gamma;
const copy = (p: LayerArrays): LayerArrays => ({
  w: { shape: [p.w.shape[0], p.w.shape[1]], data: Float32Array.from(p.w.data) },
  b: Float32Array.from(p.b),
  ...(p.gamma
    ? {
        gamma: Float32Array.from(p.gamma),
        beta: Float32Array.from(p.beta!),
        movingMean: Float32Array.from(p.movingMean!),
        movingVar: Float32Array.from(p.movingVar!),
      }
    : {}),
});

export function transferredParams(store: RunStore, config: RunConfig, inputSize: number): Transfer {
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
  const params = initialParams(inputSize, config.network.layers, config.seed);
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
  return { params, step, note };
}
