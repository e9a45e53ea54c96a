// One layer row of the Experiment panel's layer editor: its type and that
// type's fields as text, to and from the run config's layer, and the row's
// shape and parameter count from the engine's own geometry (model/geometry.ts:
// the arithmetic lives there once; a shape that cannot work is its one-line
// ConfigError, shown on the row).
import {
  ACTIVATIONS,
  LAYER_TYPES,
  LayerSchema,
  type Activation,
  type LayerConfig,
  type LayerType,
  type PoolLayer,
} from '../../../electron/engine/config/schema';
import { featureSize, formatShape, layerGeometry, type FeatureShape } from '../../../electron/engine/model/geometry';
import { errorMessage } from '../../../electron/engine/util/errorMessage';

export { LAYER_TYPES };
export type { LayerType };

export interface LayerForm {
  /** Stable identity for keyed rendering; not part of the config. */
  key: number;
  type: LayerType;
  /** Dense. */
  units: string;
  /** Conv and residual. */
  filters: string;
  /** Conv. */
  kernel: string;
  /** Conv and residual. */
  stride: string;
  /** Conv. */
  padding: string;
  /** Pool. */
  poolKind: PoolLayer['kind'];
  size: string;
  /** Dense, conv, residual. */
  activation: Activation;
  batchNorm: boolean;
  /** Reverse-pass weight of reconstructing this layer's input (every type). */
  lambda: string;
}

/** Which of a row's fields its type has (the editor shows these, the config gets these). */
export const LAYER_FIELDS: Record<LayerType, readonly (keyof LayerForm)[]> = {
  dense: ['units', 'activation', 'batchNorm', 'lambda'],
  conv: ['filters', 'kernel', 'stride', 'padding', 'activation', 'batchNorm', 'lambda'],
  pool: ['poolKind', 'size', 'lambda'],
  residual: ['filters', 'stride', 'activation', 'batchNorm', 'lambda'],
};

export const hasField = (l: Pick<LayerForm, 'type'>, field: keyof LayerForm): boolean => LAYER_FIELDS[l.type].includes(field);

let nextKey = 1;
export const newLayerKey = (): number => nextKey++;

/** Numbers as a person types them: 1e-6 rather than 0.000001. */
export function numberText(n: number): string {
  const a = Math.abs(n);
  if (n !== 0 && Number.isFinite(n) && (a < 1e-3 || a >= 1e7)) return n.toExponential().replace('e+', 'e');
  return String(n);
}

export const str = (v: unknown, fallback = ''): string => (v === undefined || v === null ? fallback : typeof v === 'number' ? numberText(v) : String(v));

/** "12" -> 12, "1e-4" -> 0.0001; text that is not a finite number stays text so the schema names the field. */
export function toNumber(s: string): number | string {
  const t = s.trim();
  if (t === '') return '';
  const n = Number(t);
  return Number.isFinite(n) ? n : s;
}

/** A new row of `type` with the schema's defaults for the fields it has; the others hold what a switch of type would start from. */
export function blankLayer(type: LayerType = 'dense', init: Partial<Omit<LayerForm, 'key' | 'type'>> = {}): LayerForm {
  return {
    key: newLayerKey(),
    type,
    units: '64',
    filters: '16',
    kernel: '3',
    stride: '1',
    padding: '0',
    poolKind: 'max',
    size: '2',
    activation: 'relu',
    batchNorm: false,
    lambda: '0',
    ...init,
  };
}

/** A config layer (parsed or as stored: a layer without type is dense) as a row. */
export function layerToForm(l: Record<string, unknown>): LayerForm {
  const type: LayerType = (LAYER_TYPES as readonly string[]).includes(String(l.type)) ? (l.type as LayerType) : 'dense';
  const base = blankLayer(type);
  const set = (field: keyof LayerForm, value: unknown) => {
    if (value !== undefined && value !== null) (base as unknown as Record<string, unknown>)[field] = str(value);
  };
  if (type === 'dense') set('units', l.units);
  if (type === 'conv' || type === 'residual') set('filters', l.filters);
  if (type === 'conv') {
    set('kernel', l.kernel);
    set('padding', l.padding);
  }
  if (type === 'conv' || type === 'residual') set('stride', l.stride);
  if (type === 'pool') {
    base.poolKind = l.kind === 'avg' ? 'avg' : 'max';
    set('size', l.size);
  }
  base.activation = (ACTIVATIONS as readonly string[]).includes(String(l.activation)) ? (l.activation as Activation) : 'relu';
  base.batchNorm = l.batchNorm === true;
  base.lambda = str(l.lambda, '0');
  return base;
}

/** The row as the config's layer (before schema parsing): only its type's fields; dense keeps no `type`, as every stored config. */
export function layerFormToInput(l: LayerForm): Record<string, unknown> {
  const lambda = toNumber(l.lambda);
  switch (l.type) {
    case 'dense':
      return { units: toNumber(l.units), activation: l.activation, batchNorm: l.batchNorm, lambda };
    case 'conv':
      return {
        type: 'conv',
        filters: toNumber(l.filters),
        kernel: toNumber(l.kernel),
        stride: toNumber(l.stride),
        padding: toNumber(l.padding),
        activation: l.activation,
        batchNorm: l.batchNorm,
        lambda,
      };
    case 'pool':
      return { type: 'pool', kind: l.poolKind, size: toNumber(l.size), lambda };
    case 'residual':
      return { type: 'residual', filters: toNumber(l.filters), stride: toNumber(l.stride), activation: l.activation, batchNorm: l.batchNorm, lambda };
  }
}

/** What a row shows: its output shape and parameter count, or why its shape cannot work; null where it cannot be told (a field above is not a number yet, or the data's shape is unknown). */
export type RowShape = RowFit | { error: string } | null;
export interface RowFit {
  output: string;
  size: number;
  params: number;
  error?: undefined;
}
export const fits = (r: RowShape): r is RowFit => r !== null && r.error === undefined;

/** The geometry's message without its "network.layers.K: " prefix (the row says which layer). */
const rowMessage = (e: unknown): string => errorMessage(e).replace(/^network\.layers\.\d+:\s*/, '');

/**
 * Each row's shape on the data's `input` shape, layer after layer through
 * layerGeometry; rows below one that does not parse or does not fit are null
 * (their input is not known).
 */
export function layerShapes(layers: readonly LayerForm[], input: FeatureShape | null): RowShape[] {
  const out: RowShape[] = [];
  let shape: FeatureShape | null = input;
  layers.forEach((row, k) => {
    if (shape === null) return out.push(null);
    const parsed = LayerSchema.safeParse(layerFormToInput(row));
    if (!parsed.success) {
      shape = null;
      return out.push(null);
    }
    try {
      const g = layerGeometry(parsed.data as LayerConfig, k, shape);
      shape = g.output;
      out.push({ output: formatShape(g.output), size: featureSize(g.output), params: g.params });
    } catch (e) {
      shape = null;
      out.push({ error: rowMessage(e) });
    }
  });
  return out;
}
