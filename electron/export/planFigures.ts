// The figure tasks of a bundle plan: the sweep's figures, each run's charts
// and image figures, and the figures across runs (comparison, overlays).
import type { RunRecord } from '../engine/types';
import { GRID_CHANNELS, GRID_COLUMNS } from '../engine/train/runImages';
import { SWEEP_METRICS, SWEEP_METRIC_INFO, type SweepResults } from '../engine/sweep/metrics';
import { accuracyChart, lossChart, overlayChart, reconChart, spectrumChart, spectrumOverlayChart } from '../figures/chartSpecs';
import { renderSweepPng, renderSweepSvg } from '../figures/renderChart';
import { phaseBoundaries } from '../figures/phaseMarkers';
import { SweepFigureError, defaultSweepChoice, sweepCsv, sweepFigure, type SweepFigure, type SweepFigureChoice } from '../figures/sweepCharts';
import { backwardGif } from '../figures/gif';
import { infoPlaneChart, infoPlaneEvaluations } from '../figures/infoPlaneChart';
import {
  COLORMAP_NOTE,
  backwardGifFrames,
  backwardGridFigure,
  featureMapsFigure,
  featureMapsUnavailable,
  backwardUnavailable,
  comparisonFigure,
  vectorsFigure,
  type RunVectors,
} from '../figures/runFigures';
import { EXPORT_DEFAULTS, type FigureName } from './options';
import { ExportError } from './errors';
import type { SweepExport } from './bundle';
import type { BundlePlan, PlannedRun } from './planContext';

/** The sweep's figures (each checked before anything is written) and its data. */
export function sweepTasks(p: BundlePlan, sweep: SweepExport): void {
  const { results, sweepFile } = sweep;
  for (const { fig, choice } of sweepFigures(results, sweep.choices)) {
    p.tasks.push({
      label: `sweep figure ${fig.spec.id}`,
      run: (w) =>
        p.figureFiles(
          w,
          `figures/sweep/${fig.spec.id}`,
          () => renderSweepPng(fig, p.settings.size, p.theme),
          () => renderSweepSvg(fig, p.settings.size, p.theme),
          sweepCaption(results, fig, choice),
          `Sweep ${results.name} (${results.id})`,
        ),
    });
  }
  p.tasks.push({
    label: 'sweep data',
    run: (w) => {
      w.write('sweep.csv', sweepCsv(results));
      w.write('sweep.json', sweepFile);
      for (const n of results.notes) p.notes.push(`sweep: ${n}`);
    },
  });
}

/** A run's charts: loss, accuracy, reconstruction error, SVD spectrum. */
export function runChartTasks(p: BundlePlan, { run, metrics }: PlannedRun): void {
  const label = p.labelOf(run.id);
  const dir = `figures/${run.id}`;
  const steps = `${metrics.length} evaluations up to step ${metrics[metrics.length - 1]!.step}`;
  if (p.want('loss')) {
    p.tasks.push({
      label: `loss figure of ${label}`,
      run: (w) =>
        p.chartFiles(
          w,
          `${dir}/loss`,
          lossChart(metrics, run.config),
          `${label}: loss of the training batch (log scale) over the training step: ${lossParts(run)} (${steps})${phaseNote(run)}.`,
        ),
    });
  }
  if (p.want('accuracy')) {
    p.tasks.push({
      label: `accuracy figure of ${label}`,
      run: (w) =>
        p.chartFiles(
          w,
          `${dir}/accuracy`,
          accuracyChart(metrics, {}, run.config),
          `${label}: classification accuracy on the training set and on the test set (${steps})${phaseNote(run)}.`,
        ),
    });
  }
  if (p.want('recon')) {
    p.tasks.push({
      label: `reconstruction figure of ${label}`,
      run: (w) =>
        p.chartFiles(
          w,
          `${dir}/recon`,
          reconChart(metrics, run.config),
          `${label}: mean squared error of the reverse pass's reconstruction of each layer's input over the test set (log scale); layer 1's input is the image (${steps})${phaseNote(run)}.`,
        ),
    });
  }
  if (p.want('spectrum')) {
    p.tasks.push({
      label: `SVD spectrum of ${label}`,
      run: (w) => {
        const v = p.vectorsOf(run);
        if (typeof v === 'string') return void p.notes.push(`spectrum of ${label} (${run.id}) left out: ${v}`);
        const spec = spectrumChart(v.s, { layer: 0, step: v.step, label: 'σ' });
        p.chartFiles(
          w,
          `${dir}/spectrum`,
          spec,
          `${label}: singular values of the first layer's ${firstMatrix(run, v)} at step ${v.step}, in descending order${spec.log ? ' (log scale)' : ''}.`,
        );
      },
    });
  }
}

/** What the first layer's SVD decomposes, in words: its weight matrix, or a conv kernel as the matrix of its filters. */
const firstMatrix = (run: RunRecord, v: { rows: number; cols: number }): string =>
  run.config.network.layers[0].type === 'conv'
    ? `kernel as the ${v.rows}x${v.cols} matrix W of its filters (input channels x k x k by filters)`
    : `weight matrix W (${v.rows}x${v.cols})`;

/** A run's image figures: the reverse pass's reconstructions (grid, GIF) and the singular vectors. */
export function runImageTasks(p: BundlePlan, { run }: PlannedRun): void {
  const label = p.labelOf(run.id);
  const dir = `figures/${run.id}`;
  if (p.want('backward-grid')) {
    p.tasks.push({
      label: `backward grid of ${label}`,
      run: (w) => {
        const why = backwardUnavailable(run);
        if (why) return void p.notes.push(`backward-grid of ${label} (${run.id}) left out: ${why}`);
        const g = backwardGridFigure(p.store, run, { maxSamples: p.settings.maxSamples, maxColumns: p.settings.maxColumns, label });
        p.gridFiles(
          w,
          `${dir}/backward-grid`,
          g.figure,
          `${label}: the reverse pass's reconstruction of the network input for ${g.samples} test samples (rows) at evaluated steps ${g.steps.join(', ')} (columns); the first column is the input itself. Grey values as stored (clipped to the data range).`,
        );
      },
    });
  }
  if (p.want('feature-maps') && run.featureLayers?.length) {
    p.tasks.push({
      label: `feature maps of ${label}`,
      run: (w) => {
        const why = featureMapsUnavailable(run);
        if (why) return void p.notes.push(`feature-maps of ${label} (${run.id}) left out: ${why}`);
        const g = featureMapsFigure(p.store, run, { maxColumns: p.settings.maxColumns, label });
        p.gridFiles(
          w,
          `${dir}/feature-maps`,
          g.figure,
          `${label}: the reverse pass's reconstruction of each intermediate layer's input feature maps for the first test sample (rows: layers; columns: evaluated steps ${g.steps.join(', ')}); each cell shows the first ${GRID_CHANNELS} channels, ${GRID_COLUMNS} to a row, darkest value black and brightest white over that cell.`,
        );
      },
    });
  }
  if (p.want('backward-gif')) {
    p.tasks.push({
      label: `backward GIF of ${label}`,
      run: (w) => {
        const why = backwardUnavailable(run);
        if (why) return void p.notes.push(`backward-gif of ${label} (${run.id}) left out: ${why}`);
        const frames = backwardGifFrames(p.store, run, { maxSamples: p.settings.maxSamples, maxFrames: EXPORT_DEFAULTS.maxFrames });
        w.write(`${dir}/backward.gif`, backwardGif(frames, { title: label, fontFamily: p.fontFamily }));
        p.figures.push({
          group: p.groupOf(`${dir}/backward.gif`),
          files: [`${dir}/backward.gif`],
          caption: `${label}: animation of the reverse-pass reconstructions over training, one frame per evaluated step (${frames.length} frames); top row the test inputs, bottom row their reconstructions.`,
        });
      },
    });
  }
  if (p.want('vectors')) {
    p.tasks.push({
      label: `singular vectors of ${label}`,
      run: (w) => {
        const v = p.vectorsOf(run);
        if (typeof v === 'string') return void p.notes.push(`vectors of ${label} (${run.id}) left out: ${v}`);
        const n = Math.min(p.settings.maxVectors, v.k);
        p.gridFiles(
          w,
          `${dir}/vectors`,
          vectorsFigure(v, {
            label,
            colormap: p.settings.colormap,
            order: p.settings.order,
            maxVectors: p.settings.maxVectors,
            aspect: p.settings.size.cssWidth / p.settings.size.cssHeight,
          }),
          `${label}: the ${n === v.k ? `${n}` : `first ${n} of ${v.k}`} input-space singular vectors u_j of the first layer's ${firstMatrix(run, v)} at step ${v.step} (columns of U in W = U S Vᵀ, shown as ${v.image.height}x${v.image.width} ${run.config.network.layers[0].type === 'conv' ? 'filters, input channels side by side' : 'images'}), ${p.settings.order === 'sigma' ? 'ordered by singular value, largest first' : "ordered by the share of the test data's energy they capture (e)"}; ${COLORMAP_NOTE[p.settings.colormap]}.`,
        );
      },
    });
  }
}

/** The singular vectors of every run side by side (the paper's Fig. 3). */
export function comparisonTask(p: BundlePlan): void {
  p.tasks.push({
    label: 'comparison figure',
    run: (w) => {
      const rows: { label: string; v: RunVectors }[] = [];
      for (const { run } of p.runs) {
        const v = p.vectorsOf(run);
        if (typeof v === 'string') p.notes.push(`comparison: ${p.labelOf(run.id)} (${run.id}) left out: ${v}`);
        else rows.push({ label: p.labelOf(run.id), v });
      }
      if (rows.length === 0) return void p.notes.push('comparison left out: no run has singular vectors');
      p.gridFiles(
        w,
        'figures/comparison',
        comparisonFigure(rows, { colormap: p.settings.colormap, order: p.settings.order, topK: p.settings.topK, workspace: p.workspace }),
        `Input-space singular vectors of the first layer's weight matrix at each run's last checkpoint (rows: ${rows.map((r) => `${r.label} at step ${r.v.step}`).join('; ')}), the top ${p.settings.topK} ${p.settings.order === 'sigma' ? 'by singular value' : 'by alignment with the test data (share of its energy captured; for MNIST RR the data-like vectors have the smallest σ)'}, as in the paper's Fig. 3; ${COLORMAP_NOTE[p.settings.colormap]}. RR runs are expected to show data-like vectors, Std and Ort runs noise-like ones.`,
      );
    },
  });
}

/** The runs' curves and spectra overlaid, one colour per run. */
export function overlayTasks(p: BundlePlan): void {
  const series = p.runs.map(({ run, metrics }) => ({ id: run.id, label: p.labelOf(run.id), metrics }));
  const overlays: [FigureName, string, string][] = [
    ['loss', 'total', 'total training loss (log scale)'],
    ['accuracy', 'testAccuracy', 'test accuracy'],
    ['recon', 'recon0', 'test-set reconstruction error of the input by the reverse pass (MSE, log scale)'],
  ];
  for (const [fig, metric, what] of overlays) {
    if (!p.want(fig)) continue;
    p.tasks.push({
      label: `overlay of ${metric}`,
      run: (w) =>
        p.chartFiles(
          w,
          `figures/overlay-${fig}`,
          overlayChart(series, metric, { workspace: p.workspace }),
          `The ${what} of every run over the training step, one colour per run.`,
        ),
    });
  }
  if (p.want('spectrum')) {
    p.tasks.push({
      label: 'overlay of the spectra',
      run: (w) => {
        const rs = p.runs.flatMap(({ run }) => {
          const v = p.vectorsOf(run);
          return typeof v === 'string' ? [] : [{ id: run.id, label: p.labelOf(run.id), s: v.s }];
        });
        if (rs.length < 2) return void p.notes.push('overlay-spectrum left out: fewer than two runs have a checkpoint');
        p.chartFiles(
          w,
          'figures/overlay-spectrum',
          spectrumOverlayChart(rs, { workspace: p.workspace }),
          `Singular values of the first layer's weight matrix of every run at its last checkpoint, one colour per run.`,
        );
      },
    });
  }
}

/** Each run's information plane, and every such run's overlaid (runs trained with training.infoPlane). */
export function infoPlaneTasks(p: BundlePlan): void {
  const runs = p.runs.flatMap(({ run, metrics }) => {
    const evaluations = infoPlaneEvaluations(metrics);
    return evaluations.length ? [{ id: run.id, label: p.labelOf(run.id), evaluations }] : [];
  });
  if (!runs.length) return;
  const what = (r: (typeof runs)[number]) => `${r.evaluations.length} evaluations, ${r.evaluations[0]!.bins} bins, ${r.evaluations[0]!.samples} test images`;
  const caption = `I(X;T) (x) against I(T;Y) (y), in bits, of every layer's output d_k (solid) and of the reverse pass's reconstructions d'_k (dashed; d'_0 reconstructs the input), at each evaluation; points coloured by the training step (viridis, dark = early). Estimated by binning each unit's values on a fixed test subset (Shwartz-Ziv and Tishby): I(X;T) is at most log2 of the samples, I(T;Y) at most H(Y); compare runs at the same bins and samples.`;
  for (const r of runs) {
    p.tasks.push({
      label: `information plane of ${r.label}`,
      run: (w) => p.chartFiles(w, `figures/${r.id}/info-plane`, infoPlaneChart([r], { workspace: p.workspace }), `${r.label} (${what(r)}): ${caption}`),
    });
  }
  if (runs.length > 1) {
    p.tasks.push({
      label: 'overlay of the information planes',
      run: (w) =>
        p.chartFiles(
          w,
          'figures/overlay-info-plane',
          infoPlaneChart(runs, { workspace: p.workspace }),
          `Every run's information plane, one colour per run, the layer told by the marker shape (${runs.map((r) => `${r.label}: ${what(r)}`).join('; ')}): ${caption}`,
        ),
    });
  }
}

/** Where a run with layer-wise pretraining starts each phase, for its charts' captions. */
function phaseNote(run: RunRecord): string {
  const b = phaseBoundaries(run.config, run.totalSteps);
  return b.length ? `; dashed vertical lines mark where each phase starts: ${b.map((x) => `${x.label} after step ${x.step}`).join(', ')}` : '';
}

/** The series of a run's loss chart, for its caption. */
function lossParts(run: RunRecord): string {
  const layers = run.config.network.layers;
  const rr = layers.flatMap((l, k) => (l.lambda > 0 ? [`layer ${k + 1} (λ_RR=${l.lambda})`] : []));
  const parts = ['the total loss', 'the cross-entropy (CE)'];
  if (rr.length) parts.push(`the λ-weighted reverse-pass (RR) reconstruction terms of ${rr.join(', ')}, dashed`);
  if (run.config.loss.lambdaOrt > 0) parts.push(`the λ-weighted SRIP orthogonality term (λ_Ort=${run.config.loss.lambdaOrt}), dotted`);
  const last = parts.pop()!;
  return `${parts.join(', ')} and ${last}`;
}

/** The figures of a sweep export, each checked (unknown axes fail before anything is written). */
function sweepFigures(r: SweepResults, choices?: SweepFigureChoice[]): { fig: SweepFigure; choice: SweepFigureChoice }[] {
  let cs = choices;
  if (!cs?.length) {
    const first = defaultSweepChoice(r);
    if (!first) throw new ExportError(`sweep ${r.id} has no axis with two or more values: nothing to draw`);
    cs = SWEEP_METRICS.map((metric) => ({ ...first, metric }));
  }
  if (!r.points.some((p) => p.state === 'done'))
    throw new ExportError(`sweep ${r.id} has no completed run yet: wait for its first point (racecar sweep status ${r.id})`);
  return cs.map((choice) => {
    try {
      return { fig: sweepFigure(r, choice), choice };
    } catch (e) {
      if (e instanceof SweepFigureError) throw new ExportError(e.message);
      throw e;
    }
  });
}

function sweepCaption(r: SweepResults, fig: SweepFigure, c: SweepFigureChoice): string {
  const info = SWEEP_METRIC_INFO[c.metric];
  const done = r.points.filter((p) => p.state === 'done').length;
  const axis = (p: string) => r.axes.find((a) => a.param === p)?.label ?? p;
  const rest = r.axes.filter((a) => a.param !== c.x && a.param !== c.y && a.values.length > 1).map((a) => a.label);
  const over = rest.length ? `mean over ${rest.join(' and ')}` : 'one run per value';
  const what =
    fig.kind === 'heatmap'
      ? `heatmap of the ${info.label} (${over}) over ${axis(c.x)} (x) and ${axis(c.y!)} (y); colours on the viridis scale${fig.spec.log ? ' (log)' : ''}, the mean printed in each cell.`
      : `${info.label} over ${axis(c.x)}${c.y ? `, one line per ${axis(c.y)}` : ''}${fig.spec.log ? ' (log scale)' : ''}: the line is the ${over}${rest.length ? `, the band ± one standard deviation, the dots the single runs` : ''}.`;
  return `Sweep ${r.name} (${done} of ${r.points.length} points completed): ${what} ${cap(info.label)}: ${info.description}.`;
}

const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;
