// metrics.csv: one row per evaluation per run. Numbers are written exactly as
// metrics.jsonl has them (the shortest round-trip text, as JSON does), a value
// JSON stores as null (NaN, a diverged loss) as NaN, and a layer a run does not
// have as an empty field.
import type { EvalRecord, RunRecord } from '../engine/types';
import { csvField } from '../figures/csvField';
import { phasesOf } from '../engine/train/phases';
import { phaseOfStep } from '../figures/phaseMarkers';
import { infoLayerName, infoPlaneEvaluations } from '../figures/infoPlaneChart';

/** Same digits as JSON.stringify (both use the shortest round-trip form); NaN/±Infinity as NaN. */
export function csvNumber(v: number | undefined): string {
  if (v === undefined) return '';
  return Number.isFinite(v) ? String(v) : 'NaN';
}

export function metricsColumns(layers: number): string[] {
  const k = Array.from({ length: layers }, (_, i) => i + 1);
  return [
    'run_id',
    'run_name',
    'step',
    'epoch',
    'elapsed',
    'steps_per_sec',
    'loss_total',
    'loss_ce',
    ...k.map((i) => `loss_rr_${i}`),
    'loss_ort',
    'train_accuracy',
    'test_accuracy',
    ...k.map((i) => `test_recon_${i}`),
    'phase',
  ];
}

/** Layer columns are 1-based (loss_rr_1 and test_recon_1 belong to the first layer, whose input is the image). */
export function metricsCsv(runs: { run: RunRecord; metrics: EvalRecord[] }[]): string {
  const layers = Math.max(
    0,
    ...runs.map(({ run, metrics }) => Math.max(run.config.network.layers.length, ...metrics.map((m) => Math.max(m.loss.rr.length, m.testRecon.length)))),
  );
  const lines = [metricsColumns(layers).join(',')];
  const perLayer = (xs: number[]) => Array.from({ length: layers }, (_, i) => csvNumber(xs[i]));
  for (const { run, metrics } of runs) {
    const phases = phasesOf(run.config, run.totalSteps);
    for (const m of metrics) {
      lines.push(
        [
          csvField(run.id),
          csvField(run.name),
          csvNumber(m.step),
          csvNumber(m.epoch),
          csvNumber(m.elapsed),
          csvNumber(m.stepsPerSec),
          csvNumber(m.loss.total),
          csvNumber(m.loss.ce),
          ...perLayer(m.loss.rr),
          csvNumber(m.loss.ort),
          csvNumber(m.trainAccuracy),
          csvNumber(m.testAccuracy),
          ...perLayer(m.testRecon),
          csvField(phaseOfStep(phases, m.step)?.label ?? ''),
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** info-plane.csv: one row per run, evaluation and layer (d_k forward, d'_k reconstruction); null when no run recorded one. */
export function infoPlaneCsv(runs: { run: RunRecord; metrics: EvalRecord[] }[]): string | null {
  const lines = ['run_id,run_name,step,layer,kind,i_xt_bits,i_ty_bits,bins,samples'];
  for (const { run, metrics } of runs) {
    for (const e of infoPlaneEvaluations(metrics)) {
      for (const kind of ['forward', 'reverse'] as const) {
        e[kind].forEach((p, k) => {
          lines.push(
            [csvField(run.id), csvField(run.name), csvNumber(e.step), infoLayerName(kind, k), kind, csvNumber(p.ixt), csvNumber(p.ity), e.bins, e.samples].join(
              ',',
            ),
          );
        });
      }
    }
  }
  return lines.length > 1 ? `${lines.join('\n')}\n` : null;
}
