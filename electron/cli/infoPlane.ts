// `racecar info-plane`: a run's information planes, I(X;T) and I(T;Y) of
// every layer's output d_k and every reverse-pass reconstruction d'_k at each
// evaluation (recorded when the run was trained with training.infoPlane).
import { RunStore } from '../engine/store/runStore';
import { infoLayerName, infoPlaneEvaluations } from '../figures/infoPlaneChart';
import { UsageError, workspaceOf } from './flags';
import { fmt, table } from './format';
import { JSON_OPTION, WORKSPACE_OPTION, parseCommand, type CommandSpec } from './options';

export const INFO_PLANE_COMMAND: CommandSpec = {
  name: 'info-plane',
  summary: 'I(X;T) and I(T;Y) of every layer and reconstruction at each evaluation (binning estimate)',
  usage: ['info-plane <run> [--json]'],
  positionals: true,
  options: { ...JSON_OPTION, ...WORKSPACE_OPTION },
  footer: `Train with --info-plane (training.infoPlane in a config) to record them.
d_k is layer k's output, d'_k the reverse pass's reconstruction of layer k's
input (d'_0 of the network input). Bits; by binning each unit's values
(Shwartz-Ziv and Tishby 2017): I(X;T) is at most log2(samples), I(T;Y) at most H(Y).`,
};

export function cmdInfoPlane(args: string[]): number {
  const { values, positionals } = parseCommand(INFO_PLANE_COMMAND, args);
  if (positionals.length !== 1) throw new UsageError('name one run: racecar info-plane <run> (racecar runs lists them)');
  const store = new RunStore(workspaceOf(values));
  const id = positionals[0];
  store.get(id); // an unknown id fails here, naming it
  const series = infoPlaneEvaluations(store.readMetrics(id));
  if (!series.length) throw new UsageError(`run ${id} has no information planes: train it with --info-plane (training.infoPlane)`);
  if (values.json) {
    console.log(JSON.stringify({ run: id, evaluations: series }, null, 2));
    return 0;
  }
  const { bins, samples } = series[0];
  console.log(`run ${id}: ${bins} bins, ${samples} test images; I(X;T) / I(T;Y) in bits`);
  const header = ['step', ...series[0].forward.map((_, k) => infoLayerName('forward', k)), ...series[0].reverse.map((_, k) => infoLayerName('reverse', k))];
  const pair = (p: { ixt: number; ity: number }) => `${fmt(p.ixt, 2)} / ${fmt(p.ity, 2)}`;
  console.log(
    table(
      header,
      series.map((e) => [String(e.step), ...e.forward.map(pair), ...e.reverse.map(pair)]),
    ),
  );
  return 0;
}
