// Where a run's phases start (layer-wise pretraining of each layer, then the
// task: engine/train/phases.ts), as vertical marker lines on its metric
// charts, in the app and in exported figures alike. PURE: chart.js types only.
import type { Plugin } from 'chart.js' with { 'resolution-mode': 'import' };
import type { RunConfig } from '../engine/config/schema';
import { phasesOf, type Phase } from '../engine/train/phases';
import type { ChartTheme } from './chartJsConfig';

/** A phase boundary: the phase `label` starts after `step` steps (0 = at the start). */
export interface PhaseBoundary {
  step: number;
  label: string;
}

/** A vertical line at x (in the chart's x unit) with its label. */
export interface ChartMarker {
  x: number;
  label: string;
}

/** The boundaries of a run's phases; none for a run of one phase (no pretraining). */
export function phaseBoundaries(config: RunConfig | null | undefined, totalSteps = Number.MAX_SAFE_INTEGER): PhaseBoundary[] {
  if (!config) return [];
  const phases = phasesOf(config, totalSteps);
  return phases.length > 1 ? phases.map((p) => ({ step: p.start - 1, label: p.label })) : [];
}

/** The phase an evaluation at `step` belongs to (the one its last step trained in; step 0: the first). */
export function phaseOfStep(phases: readonly Phase[], step: number): Phase | undefined {
  const s = Math.max(1, step);
  return phases.find((p) => s >= p.start && s <= p.end) ?? phases[phases.length - 1];
}

/**
 * Boundaries placed on an x axis that is not the step (epochs, seconds) by
 * interpolating between the evaluations around them (`pairs`, in step order,
 * with (0, 0) the start of training); boundaries past the last evaluation are
 * not reached yet and left out.
 */
export function resolveMarkers(boundaries: readonly PhaseBoundary[], pairs: readonly { step: number; x: number }[]): ChartMarker[] {
  if (!boundaries.length || !pairs.length) return [];
  const pts = pairs[0]!.step > 0 ? [{ step: 0, x: 0 }, ...pairs] : [...pairs];
  const out: ChartMarker[] = [];
  for (const b of boundaries) {
    const j = pts.findIndex((p) => p.step >= b.step);
    if (j < 0) continue;
    const hi = pts[j]!;
    const lo = pts[j - 1];
    const x = !lo || hi.step === b.step ? hi.x : lo.x + ((hi.x - lo.x) * (b.step - lo.step)) / (hi.step - lo.step);
    if (Number.isFinite(x)) out.push({ x, label: b.label });
  }
  return out;
}

/** What a markers plugin drew: each label at its x in CSS px of the canvas; line false: a phase begun left of the axis, labelled at its start. */
export type DrawnMarker = { label: string; px: number; line: boolean };

export const MARKER_DASH = [4, 3];

/**
 * Draws the markers: a dashed line in the axis colour from the top to the
 * bottom of the plot area with its label written upwards beside it. The
 * markers left of the x axis's start leave the last of them (the phase in
 * force there) as a label at the start, without a line.
 */
export function markersPlugin(markers: () => readonly ChartMarker[], theme: () => ChartTheme, onDrawn?: (drawn: DrawnMarker[]) => void): Plugin<'line'> {
  return {
    id: 'racecarPhaseMarkers',
    afterDatasetsDraw(chart) {
      const scale = chart.scales.x;
      const list = markers();
      if (!scale || !list.length) return void onDrawn?.([]);
      const { top, bottom, left, right } = chart.chartArea;
      const t = theme();
      const ctx = chart.ctx;
      const size = Math.max(8, (t.fontSize ?? 12) - 2);
      const drawn: DrawnMarker[] = [];
      const before = list.filter((m) => scale.getPixelForValue(m.x) < left - 0.5);
      if (before.length) drawn.push({ label: before[before.length - 1]!.label, px: left, line: false });
      for (const m of list) {
        const px = scale.getPixelForValue(m.x);
        if (px >= left - 0.5 && px <= right + 0.5) drawn.push({ label: m.label, px, line: true });
      }
      ctx.save();
      ctx.strokeStyle = t.muted;
      ctx.fillStyle = t.muted;
      ctx.lineWidth = 1;
      ctx.setLineDash(MARKER_DASH);
      ctx.font = `${size}px ${t.fontFamily ?? 'sans-serif'}`;
      ctx.textBaseline = 'top';
      ctx.textAlign = 'right';
      for (const d of drawn) {
        // On a whole pixel plus a half: a crisp one-pixel line.
        const x = Math.round(d.px) + 0.5;
        if (d.line) {
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.stroke();
        }
        ctx.save();
        ctx.translate(x + 2, top + 2);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(d.label, 0, 0);
        ctx.restore();
      }
      ctx.restore();
      onDrawn?.(drawn);
    },
  };
}
