// The Sweep form as plain data: which axes are on and their values as typed,
// turned into a sweep spec over a base config. Counting and checking the
// points uses the engine's own spec code (pure), so the form shows the number
// of runs and the first problem before anything is sent.
import type { RunConfig } from '../../../electron/engine/config/schema';
import { axisLabel, expandSweep, parseSeedList, parseSweepSpec, type AxisParam, type SweepSpecInput } from '../../../electron/engine/sweep/spec';
import { errorMessage } from '../../../electron/engine/util/errorMessage';

export interface AxisField {
  param: AxisParam;
  on: boolean;
  /** As typed: '0, 1e-7, 1e-6', '0-4', '128,2; 256,2'. */
  text: string;
}

export interface SweepFormState {
  name: string;
  axes: AxisField[];
}

export const AXIS_HINTS: Record<string, string> = {
  lambda: 'e.g. 0, 1e-7, 1e-6, 1e-5',
  lambdaOrt: 'e.g. 0, 0.01, 0.1',
  lr: 'e.g. 1e-4, 1e-3',
  layers: 'layer sizes per value, e.g. 128,2; 256,2',
  seed: 'e.g. 0-4 or 0, 1, 7',
};

/** The reverse-pass lambda of layer k (0-based) as an axis, off. */
const layerAxis = (k: number): AxisField => ({ param: `lambda${k + 1}`, on: false, text: '0, 1e-6' });

export function defaultSweepForm(layers = 2): SweepFormState {
  return {
    name: 'sweep',
    axes: [
      { param: 'lambda', on: true, text: '0, 1e-7, 1e-6, 1e-5' },
      ...Array.from({ length: layers }, (_, k) => layerAxis(k)),
      { param: 'lambdaOrt', on: false, text: '0, 0.1' },
      { param: 'lr', on: false, text: '1e-4, 1e-3' },
      { param: 'layers', on: false, text: '128,2; 256,2' },
      { param: 'seed', on: true, text: '0-2' },
    ],
  };
}

/** Keeps the per-layer axes in step with the base network's depth (values typed so far stay). */
export function fitLayers(form: SweepFormState, layers: number): void {
  if (form.axes.filter((a) => /^lambda\d+$/.test(a.param)).length === layers) return;
  const fixed = form.axes.filter((a) => !/^lambda\d+$/.test(a.param));
  const per = Array.from({ length: layers }, (_, k) => form.axes.find((a) => a.param === `lambda${k + 1}`) ?? layerAxis(k));
  form.axes = [fixed[0]!, ...per, ...fixed.slice(1)];
}

function parseValues(a: AxisField): (number | number[])[] {
  const label = axisLabel(a.param);
  if (a.param === 'seed') return parseSeedList(a.text);
  if (a.param === 'layers') {
    return a.text
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => {
        const sizes = s.split(',').map((u) => Number(u.trim()));
        if (sizes.some((u) => !Number.isInteger(u) || u < 1)) throw new Error(`${label}: '${s}' is not a list of layer sizes like 128,2`);
        return sizes;
      });
  }
  return a.text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new Error(`${label}: '${s}' is not a number`);
      return n;
    });
}

export type SweepFormResult = { ok: true; spec: SweepSpecInput; points: number; keys: string[] } | { ok: false; error: string };

/** The spec of the form over a base config, checked point by point. */
export function sweepSpecOf(form: SweepFormState, base: RunConfig | null): SweepFormResult {
  if (!base) return { ok: false, error: 'the base settings (Experiment panel) are not valid yet: fix them there first' };
  try {
    const axes = form.axes
      .filter((a) => a.on)
      .map((a) => {
        const values = parseValues(a);
        if (!values.length) throw new Error(`${axisLabel(a.param)}: give at least one value`);
        return { param: a.param, values };
      });
    if (!axes.length) return { ok: false, error: 'choose at least one axis' };
    const { name: _n, ...config } = base;
    const spec: SweepSpecInput = { name: form.name.trim() || 'sweep', base: JSON.parse(JSON.stringify(config)) as Record<string, unknown>, axes };
    const points = expandSweep(parseSweepSpec(spec));
    return { ok: true, spec, points: points.length, keys: points.slice(0, 50).map((p) => p.key) };
  } catch (e) {
    return { ok: false, error: errorMessage(e) };
  }
}
