// The information plane (Shwartz-Ziv & Tishby): I(X;T) against I(T;Y) of each
// layer T at every evaluation, one trajectory per layer and run, each point
// coloured by its training step (viridis, one scale for every run). The
// forward layers d_k are solid lines with round markers, the reverse pass's
// reconstructions d'_k dashed with square ones; d_k and d'_k share a colour
// (d'_k reconstructs d_k; d'_0 the input). Several runs: each run in its own
// colour (runColors.ts), the layer told by the marker shape. PURE.
import type { EvalRecord } from '../engine/types';
import { colorAt, type ChartSeries, type ChartSpec } from './chartSpecs';
import { fmt } from './numberFormat';
import { runStyles, type RunColorContext } from './runColors';
import { viridis } from './sweepCharts';

/** One evaluation's information plane (as EvalRecord.infoPlane has it), with its step. */
export type InfoPlaneEvaluation = NonNullable<EvalRecord['infoPlane']> & { step: number };

export interface InfoPlaneRun {
  id: string;
  label: string;
  evaluations: InfoPlaneEvaluation[];
}

/** Which trajectories to draw. */
export interface InfoPlaneChoice {
  forward?: boolean;
  reverse?: boolean;
  workspace?: RunColorContext;
}

/** The evaluations of a run that recorded an information plane. */
export function infoPlaneEvaluations(metrics: readonly EvalRecord[]): InfoPlaneEvaluation[] {
  return metrics.flatMap((m) => (m.infoPlane ? [{ step: m.step, ...m.infoPlane }] : []));
}

/** A layer's name as the CLI and README write it: d1 is layer 1's output, d'0 the reconstruction of the input. */
export const infoLayerName = (kind: 'forward' | 'reverse', k: number): string => (kind === 'forward' ? `d${k + 1}` : `d'${k}`);

const LAYER_STYLES = ['circle', 'triangle', 'rectRot', 'star', 'crossRot', 'rect'];

export function infoPlaneChart(runs: readonly InfoPlaneRun[], choice: InfoPlaneChoice = {}): ChartSpec {
  const showForward = choice.forward ?? true;
  const showReverse = choice.reverse ?? true;
  const steps = runs.flatMap((r) => r.evaluations.map((e) => e.step));
  const lo = Math.min(...steps);
  const hi = Math.max(...steps);
  const stepColor = (s: number) => viridis(hi > lo ? (s - lo) / (hi - lo) : 1);
  const many = runs.length > 1;
  const styles = runStyles(
    runs.map((r) => r.id),
    choice.workspace,
  );
  const series: ChartSeries[] = [];
  for (const run of runs) {
    const first = run.evaluations[0];
    if (!first) continue;
    const kinds = [...(showForward ? (['forward'] as const) : []), ...(showReverse ? (['reverse'] as const) : [])];
    for (const kind of kinds) {
      const count = first[kind].length;
      for (let k = 0; k < count; k++) {
        const name = infoLayerName(kind, k);
        const label = many ? `${run.label} ${name}` : name;
        // The layer whose output d_k (and its reconstruction d'_k) is: 0 = the input.
        const of = kind === 'forward' ? k + 1 : k;
        const style = styles.get(run.id)!;
        const evals = run.evaluations.filter((e) => e[kind][k] && Number.isFinite(e[kind][k]!.ixt) && Number.isFinite(e[kind][k]!.ity));
        series.push({
          label,
          color: many ? style.color : colorAt(of === 0 ? first.forward.length : of - 1),
          ...(kind === 'reverse' ? { dash: [5, 3] } : many && style.dash ? { dash: style.dash } : {}),
          pointRadius: 3,
          pointStyle: many ? LAYER_STYLES[of % LAYER_STYLES.length] : kind === 'forward' ? 'circle' : 'rect',
          pointColors: evals.map((e) => stepColor(e.step)),
          ...(many ? { group: run.id } : {}),
          points: evals.map((e) => {
            const p = e[kind][k]!;
            return { x: p.ixt, y: p.ity, step: e.step, info: `${label}, step ${e.step}: I(X;T) ${fmt(p.ixt)} bits, I(T;Y) ${fmt(p.ity)} bits` };
          }),
        });
      }
    }
  }
  const bins = [...new Set(runs.flatMap((r) => r.evaluations.map((e) => `${e.bins} bins, ${e.samples} samples`)))];
  return {
    id: many ? 'overlay-info-plane' : 'info-plane',
    title: many ? 'Information plane by run' : 'Information plane',
    xLabel: 'I(X;T) (bits)',
    yLabel: 'I(T;Y) (bits)',
    log: false,
    yMin: 0,
    showPoints: true,
    scatter: true,
    legendNote: `points coloured by step: dark ${lo} … yellow ${hi}${bins.length ? `; ${bins.join(' / ')}` : ''}`,
    series,
  };
}
