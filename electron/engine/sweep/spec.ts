// A sweep: a base run config and axes (per-layer lambdas, lambda Ort, learning
// rate, layer sizes, seeds), expanded as a grid or given as an explicit list
// of points. The spec is what the CLI, the sweep file and the app's Sweep form
// share; every point is a complete, validated run config. PURE: zod and the
// config schema only, so the renderer can count points before starting.
import { z } from 'zod';
import { ConfigError, describeIssue, parseRunConfig, type RunConfig } from '../config/schema';

export const SWEEP_FORMAT = 'racecar-sweep/1';
/** A sweep larger than this is almost certainly a typo (e.g. a range 0-99999). */
export const MAX_POINTS = 10_000;

/**
 * Axis parameters. `lambda` sets every layer's reverse-pass weight, `lambda1`,
 * `lambda2`, ... one layer's (1-based, as the charts label layers), `layers`
 * the layer sizes (one list of units per value).
 */
export const AXIS_PARAMS_FIXED = ['lambda', 'lambdaOrt', 'lr', 'layers', 'seed'] as const;
export type AxisParam = (typeof AXIS_PARAMS_FIXED)[number] | `lambda${number}`;

const LAYER_LAMBDA_RE = /^lambda([1-9]\d?)$/;

export function isAxisParam(p: string): p is AxisParam {
  return (AXIS_PARAMS_FIXED as readonly string[]).includes(p) || LAYER_LAMBDA_RE.test(p);
}

export type AxisValue = number | number[];

export const AXIS_LABELS: Record<(typeof AXIS_PARAMS_FIXED)[number], string> = {
  lambda: 'λ_RR (all layers)',
  lambdaOrt: 'λ_Ort',
  lr: 'learning rate',
  layers: 'layer sizes',
  seed: 'seed',
};

export function axisLabel(p: AxisParam): string {
  const m = LAYER_LAMBDA_RE.exec(p);
  return m ? `λ_RR layer ${m[1]}` : AXIS_LABELS[p as keyof typeof AXIS_LABELS];
}

const param = z.string().refine(isAxisParam, {
  error: (iss) => `unknown axis '${String(iss.input)}': use ${AXIS_PARAMS_FIXED.join(', ')} or lambda1, lambda2, ... (one layer)`,
});
const value = z.union([z.number(), z.array(z.number())], { error: 'an axis value is a number, or a list of layer sizes for layers' });

export const AxisSchema = z.object({
  param,
  values: z.array(value).min(1, 'an axis needs at least one value'),
});

const SweepFields = {
  format: z.literal(SWEEP_FORMAT, { error: `format must be '${SWEEP_FORMAT}'` }).default(SWEEP_FORMAT),
  name: z.string().trim().min(1, 'name must not be empty').max(80, 'name must be at most 80 characters').default('sweep'),
  /** The run config every point starts from (a partial config is completed by the run schema). */
  base: z.record(z.string(), z.unknown(), { error: 'base must be a run config object' }),
  /** 'grid': every combination of the axes' values; 'list': exactly the given points. */
  mode: z.enum(['grid', 'list'], { error: "mode must be 'grid' or 'list'" }).default('grid'),
  axes: z.array(AxisSchema).default([]),
  /** mode 'list': one object of axis values per point, e.g. {"lambda": 1e-6, "seed": 0}. */
  points: z.array(z.record(z.string(), value)).optional(),
};

type SpecShape = { mode: 'grid' | 'list'; axes: { param: string }[]; points?: Record<string, AxisValue>[] };

function refineSpec(s: SpecShape, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  s.axes.forEach((a, i) => {
    if (seen.has(a.param))
      ctx.addIssue({ code: 'custom', path: ['axes', i, 'param'], message: `axis '${a.param}' is given twice: merge its values into one axis` });
    seen.add(a.param);
  });
  if (s.mode === 'list') {
    if (!s.points?.length) ctx.addIssue({ code: 'custom', path: ['points'], message: 'mode \'list\' needs points: a list like [{"lambda": 1e-6, "seed": 0}]' });
    s.points?.forEach((pt, i) => {
      for (const k of Object.keys(pt)) {
        if (!isAxisParam(k))
          ctx.addIssue({
            code: 'custom',
            path: ['points', i, k],
            message: `unknown axis '${k}': use ${AXIS_PARAMS_FIXED.join(', ')} or lambda1, lambda2, ...`,
          });
      }
    });
  } else if (s.points !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['points'], message: "points are for mode 'list': remove them or set mode 'list'" });
  }
}

export const SweepSpecSchema = z.object(SweepFields).superRefine(refineSpec);

/** A sweep file as saved with a sweep: the spec plus the sweep's id and creation time (absent in a hand-written file). */
export const SweepFileSchema = z
  .object({
    ...SweepFields,
    id: z.string().optional(),
    createdAt: z.string().optional(),
  })
  .superRefine(refineSpec);

export type SweepSpecInput = z.input<typeof SweepSpecSchema>;
export type SweepSpec = z.output<typeof SweepSpecSchema>;
export type SweepFile = z.output<typeof SweepFileSchema>;

export interface PointKey {
  index: number;
  /** The axis values of this point, in axis order. */
  values: Record<string, AxisValue>;
  /** e.g. `lambda=1e-6 seed=0`. */
  key: string;
}

export interface SweepPoint extends PointKey {
  config: RunConfig;
}

/** Parses a sweep spec; throws ConfigError naming the field. */
export function parseSweepSpec(input: unknown): SweepSpec {
  const r = SweepSpecSchema.safeParse(input);
  if (!r.success) throw new ConfigError(`sweep ${describeIssue(r.error)}`);
  return r.data;
}

export function formatAxisValue(v: AxisValue): string {
  if (Array.isArray(v)) return v.join('-');
  // 1e-6 rather than 0.000001: lambdas span decades.
  return v !== 0 && Number.isFinite(v) && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6) ? v.toExponential() : String(v);
}

export function pointKey(values: Record<string, AxisValue>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${formatAxisValue(v)}`)
    .join(' ');
}

/** The axes a spec varies, in order (for 'list' the params named in its points, in order of first use). */
export function sweepAxes(spec: SweepSpec): { param: AxisParam; values: AxisValue[] }[] {
  if (spec.mode === 'grid') return spec.axes.map((a) => ({ param: a.param as AxisParam, values: a.values }));
  const out = new Map<string, AxisValue[]>();
  for (const pt of spec.points ?? []) {
    for (const [k, v] of Object.entries(pt)) {
      const vs = out.get(k) ?? [];
      if (!vs.some((x) => sameValue(x, v))) vs.push(v);
      out.set(k, vs);
    }
  }
  return [...out].map(([param, values]) => ({ param: param as AxisParam, values }));
}

export const sameValue = (a: AxisValue, b: AxisValue): boolean =>
  Array.isArray(a) || Array.isArray(b) ? JSON.stringify(a) === JSON.stringify(b) : a === b || (Number.isNaN(a) && Number.isNaN(b));

/** Number of points without building their configs (the Sweep form shows it live). */
export function countPoints(spec: SweepSpec): number {
  if (spec.mode === 'list') return spec.points?.length ?? 0;
  return spec.axes.reduce((n, a) => n * a.values.length, 1);
}

// A JSON tree edited in place; parseRunConfig validates it afterwards.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonTree = Record<string, any>;

function numberValue(p: string, v: AxisValue): number {
  if (Array.isArray(v) || !Number.isFinite(v)) throw new ConfigError(`sweep axis ${p}: value ${JSON.stringify(v)} is not a number`);
  return v;
}

/** Applies one axis value to a config tree. */
function applyAxis(c: JsonTree, p: AxisParam, v: AxisValue): void {
  const layers = (): JsonTree[] => {
    const ls = c.network?.layers;
    if (!Array.isArray(ls) || ls.length === 0) throw new ConfigError(`sweep axis ${p}: the base config has no network.layers`);
    return ls as JsonTree[];
  };
  const m = LAYER_LAMBDA_RE.exec(p);
  if (m) {
    const k = Number(m[1]);
    const ls = layers();
    if (k > ls.length) throw new ConfigError(`sweep axis ${p}: the network has ${ls.length} layers: use lambda1 to lambda${ls.length}`);
    ls[k - 1]!.lambda = numberValue(p, v);
    return;
  }
  switch (p) {
    case 'lambda':
      for (const l of layers()) l.lambda = numberValue(p, v);
      return;
    case 'lambdaOrt':
      c.loss = { ...(c.loss ?? {}), lambdaOrt: numberValue(p, v) };
      return;
    case 'lr':
      c.training = { ...(c.training ?? {}) };
      c.training.optimizer = { ...(c.training.optimizer ?? {}), learningRate: numberValue(p, v) };
      return;
    case 'seed':
      c.seed = numberValue(p, v);
      return;
    case 'layers': {
      if (!Array.isArray(v) || v.length === 0)
        throw new ConfigError(`sweep axis layers: value ${JSON.stringify(v)} must be a list of layer sizes like [128, 2]`);
      const base = layers();
      // Hidden layers copy the base's first layer, the output layer its last (activation, batch norm, lambda).
      const hidden = base[0]!;
      const output = base[base.length - 1]!;
      c.network.layers = v.map((units, i) => ({ ...(i === v.length - 1 ? output : i < base.length - 1 ? base[i]! : hidden), units }));
      return;
    }
  }
}

function check(points: number): void {
  if (points > MAX_POINTS) throw new ConfigError(`sweep has ${points} points: at most ${MAX_POINTS}; use fewer axis values`);
  if (points === 0) throw new ConfigError('sweep has no points: give every axis at least one value');
}

/** The axis values of point `index`: a grid's last axis varies fastest, a list's points are as given. */
function pointValues(spec: SweepSpec, index: number): Record<string, AxisValue> {
  if (spec.mode === 'list') return { ...spec.points![index]! };
  const out: Record<string, AxisValue> = {};
  let rest = index;
  for (let i = spec.axes.length - 1; i >= 0; i--) {
    const vs = spec.axes[i]!.values;
    out[spec.axes[i]!.param] = vs[rest % vs.length]!;
    rest = Math.floor(rest / vs.length);
  }
  // In axis order, as the key names them.
  return Object.fromEntries(spec.axes.map((a) => [a.param, out[a.param]!]));
}

/** 'layers' first, so per-layer lambdas apply to the swept layer list. */
const order = (k: string) => (k === 'layers' ? 0 : 1);

function buildPoint(spec: SweepSpec, index: number): SweepPoint {
  const values = pointValues(spec, index);
  const c = structuredClone(spec.base) as JsonTree;
  const key = pointKey(values);
  try {
    for (const [k, v] of Object.entries(values).sort((a, b) => order(a[0]) - order(b[0]))) applyAxis(c, k as AxisParam, v);
    const name = `${spec.name} ${key}`.trim().slice(0, 120);
    c.name = name || spec.name;
    return { index, values, key, config: parseRunConfig(c) };
  } catch (e) {
    throw new ConfigError(`sweep point ${index}${key ? ` (${key})` : ''}: ${(e as Error).message}`);
  }
}

/** Every point of a sweep, each a validated run config. Throws ConfigError (naming the point) before anything runs. */
export function expandSweep(spec: SweepSpec): SweepPoint[] {
  const n = countPoints(spec);
  check(n);
  return Array.from({ length: n }, (_, index) => buildPoint(spec, index));
}

/** One point, built alone (the app builds a point's config when it starts the point, not 10,000 at once). */
export function sweepPoint(spec: SweepSpec, index: number): SweepPoint {
  const n = countPoints(spec);
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new ConfigError(`sweep point ${index}: the sweep has points 0 to ${n - 1}`);
  return buildPoint(spec, index);
}

/** Each point's index, values and key without building its config: what a status needs. */
export function sweepPointKeys(spec: SweepSpec): PointKey[] {
  const n = countPoints(spec);
  check(n);
  return Array.from({ length: n }, (_, index) => {
    const values = pointValues(spec, index);
    return { index, values, key: pointKey(values) };
  });
}

/** '0-4' -> [0,1,2,3,4]; '0,2,5' -> [0,2,5]; '0-2,7' -> [0,1,2,7]. */
export function parseSeedList(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',').map((s) => s.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ConfigError(`--seeds: '${part}' is not a seed or range: use e.g. 0-4 or 0,1,2`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new ConfigError(`--seeds: range '${part}' runs backwards: use ${b}-${a}`);
    if (b - a >= MAX_POINTS) throw new ConfigError(`--seeds: range '${part}' has more than ${MAX_POINTS} seeds`);
    for (let s = a; s <= b; s++) if (!out.includes(s)) out.push(s);
  }
  return out;
}
