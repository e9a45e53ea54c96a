// The Experiment panel's form model: plain data (strings for every numeric
// input, so that "abc" can be shown and flagged), pure conversions to and from
// the engine's run config, and validation through RunConfigSchema with the zod
// issues keyed by their dotted path ("network.layers.0.units").
import type { z } from 'zod';
import { ACTIVATIONS, OPTIMIZERS, RunConfigSchema, type RunConfig, type RunConfigInput } from '../../../electron/engine/config/schema';
import type { FeatureShape } from '../../../electron/engine/model/geometry';
import { fieldLabel } from './fieldLabels';
import { blankLayer, layerFormToInput, layerShapes, layerToForm, str, toNumber, type LayerForm } from './layerForm';

export { numberText, newLayerKey, toNumber, LAYER_TYPES, type LayerForm, type LayerType } from './layerForm';

export { ACTIVATIONS, OPTIMIZERS };
export type DataKind = 'peak' | 'mnist' | 'folder';
export type OptimizerKind = (typeof OPTIMIZERS)[number];
export type Regularizer = 'std' | 'ort' | 'rr';

export interface FormState {
  name: string;
  seed: string;
  data: {
    kind: DataKind;
    peak: { trainPerClass: string; testPerClass: string; size: string; seed: string };
    /** Empty per-class counts mean "all images of the digit". */
    mnist: { digits: number[]; trainPerClass: string; testPerClass: string };
    folder: {
      path: string;
      splitKind: 'ratio' | 'range';
      testRatio: string;
      trainStart: string;
      trainEnd: string;
      testStart: string;
      testEnd: string;
    };
    scale: 'raw' | 'unit';
  };
  layers: LayerForm[];
  /**
   * What a loaded config holds that the panel does not edit (transfer from
   * another run): sent with the run as it came, listed under the network so it
   * is never a surprise, and droppable.
   */
  kept: KeptSections;
  loss: { reduction: 'halfSum' | 'mean'; lambdaOrt: string; referenceQuirks: boolean };
  training: {
    optimizer: OptimizerKind;
    learningRate: string;
    momentum: string;
    fullBatch: boolean;
    batchSize: string;
    durationKind: 'steps' | 'epochs';
    steps: string;
    epochs: string;
    evalEvery: string;
    checkpointEvery: string;
    backwardSamples: string;
    /** Layer-wise pretraining ("Pre") before the task: steps per layer, and the layers (1-based, comma-separated; empty = every hidden layer). */
    pretrain: boolean;
    stepsPerLayer: string;
    pretrainLayers: string;
    /** Information planes at every evaluation: bins per unit and test images. */
    infoPlane: boolean;
    infoBins: string;
    infoSamples: string;
  };
}

export interface KeptSections {
  init?: unknown;
}

export interface FieldIssue {
  path: string;
  message: string;
  /** The line a person reads in the list of problems: the field by its label in the panel (fieldLabel), 1-based layers. */
  text: string;
}

export type Validation =
  | { ok: true; config: RunConfig; errors: Record<string, string>; issues: FieldIssue[] }
  | { ok: false; config: null; errors: Record<string, string>; issues: FieldIssue[] };

/** The schema's own defaults, filled around a minimal network (one hidden layer and a linear output). */
function schemaDefaults(): RunConfig {
  return RunConfigSchema.parse({
    network: {
      layers: [
        { units: 128, activation: 'relu' },
        { units: 2, activation: 'linear' },
      ],
    },
    training: { steps: 1000 },
  });
}

export function defaultForm(): FormState {
  return configToForm(schemaDefaults());
}

/** Converts a (possibly partial) config into the form; missing parts take the schema defaults. */
export function configToForm(input: RunConfigInput | RunConfig | Record<string, unknown>): FormState {
  const parsed = RunConfigSchema.safeParse(input);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const c: any = parsed.success ? parsed.data : mergeDefaults(input as Record<string, unknown>);
  const src = c.data?.source ?? {};
  const split = src.kind === 'folder' ? (src.split ?? { kind: 'ratio', testRatio: 0.1 }) : { kind: 'ratio', testRatio: 0.1 };
  const t = c.training ?? {};
  const layers: LayerForm[] = (c.network?.layers ?? []).map((l: Record<string, unknown>) => layerToForm(l));
  return {
    name: str(c.name, 'run'),
    seed: str(c.seed, '0'),
    data: {
      kind: src.kind === 'mnist' || src.kind === 'folder' ? src.kind : 'peak',
      peak: {
        trainPerClass: str(src.kind === 'peak' ? src.trainPerClass : undefined, '50'),
        testPerClass: str(src.kind === 'peak' ? src.testPerClass : undefined, '5'),
        size: str(src.kind === 'peak' ? src.size : undefined, '28'),
        seed: str(src.kind === 'peak' ? src.seed : undefined, '0'),
      },
      mnist: {
        digits: src.kind === 'mnist' && Array.isArray(src.digits) ? [...src.digits] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        trainPerClass: str(src.kind === 'mnist' ? src.trainPerClass : undefined),
        testPerClass: str(src.kind === 'mnist' ? src.testPerClass : undefined),
      },
      folder: {
        path: str(src.kind === 'folder' ? src.path : undefined),
        splitKind: split.kind === 'range' ? 'range' : 'ratio',
        testRatio: str(split.kind === 'ratio' ? split.testRatio : undefined, '0.1'),
        trainStart: str(split.kind === 'range' ? split.train?.[0] : undefined, '0'),
        trainEnd: str(split.kind === 'range' ? split.train?.[1] : undefined),
        testStart: str(split.kind === 'range' ? split.test?.[0] : undefined),
        testEnd: str(split.kind === 'range' ? split.test?.[1] : undefined),
      },
      scale: c.data?.scale === 'unit' ? 'unit' : 'raw',
    },
    layers,
    kept: c.init !== undefined ? { init: c.init } : {},
    loss: {
      reduction: c.loss?.reduction === 'mean' ? 'mean' : 'halfSum',
      lambdaOrt: str(c.loss?.lambdaOrt, '0'),
      referenceQuirks: c.loss?.referenceQuirks === true,
    },
    training: {
      optimizer: (OPTIMIZERS as readonly string[]).includes(String(t.optimizer?.kind)) ? t.optimizer.kind : 'adam',
      learningRate: str(t.optimizer?.learningRate, '0.0001'),
      momentum: str(t.optimizer?.momentum, '0.9'),
      fullBatch: !t.batchSize,
      batchSize: t.batchSize ? str(t.batchSize) : '32',
      durationKind: t.epochs !== undefined && t.steps === undefined ? 'epochs' : 'steps',
      steps: str(t.steps, t.epochs !== undefined ? '1000' : '1000'),
      epochs: str(t.epochs, '10'),
      evalEvery: str(t.evalEvery, '100'),
      checkpointEvery: str(t.checkpointEvery, '200'),
      backwardSamples: str(t.backwardSamples, '16'),
      pretrain: !!t.pretrain,
      stepsPerLayer: str(t.pretrain?.stepsPerLayer, '500'),
      pretrainLayers: Array.isArray(t.pretrain?.layers) ? t.pretrain.layers.join(', ') : '',
      infoPlane: !!t.infoPlane,
      infoBins: str(t.infoPlane?.bins, '30'),
      infoSamples: str(t.infoPlane?.samples, '1000'),
    },
  };
}

/** For an input that does not parse: fill what parses of each section with the defaults. */
function mergeDefaults(input: Record<string, unknown>): Record<string, unknown> {
  const d = schemaDefaults() as unknown as Record<string, Record<string, unknown>>;
  const i = (input ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return {
    ...d,
    ...i,
    data: { ...d.data, ...(i.data ?? {}) },
    network: { ...d.network, ...(i.network ?? {}) },
    loss: { ...d.loss, ...(i.loss ?? {}) },
    training: { ...d.training, ...(i.training ?? {}) },
  };
}

const optionalNumber = (s: string): number | string | undefined => (s.trim() === '' ? undefined : toNumber(s));

/** Builds the config object the engine receives (before schema parsing). */
export function formToInput(f: FormState): Record<string, unknown> {
  let source: Record<string, unknown>;
  if (f.data.kind === 'peak') {
    source = {
      kind: 'peak',
      trainPerClass: toNumber(f.data.peak.trainPerClass),
      testPerClass: toNumber(f.data.peak.testPerClass),
      size: toNumber(f.data.peak.size),
      seed: toNumber(f.data.peak.seed),
    };
  } else if (f.data.kind === 'mnist') {
    source = {
      kind: 'mnist',
      digits: [...f.data.mnist.digits].sort((a, b) => a - b),
      trainPerClass: optionalNumber(f.data.mnist.trainPerClass),
      testPerClass: optionalNumber(f.data.mnist.testPerClass),
    };
  } else {
    const fo = f.data.folder;
    source = {
      kind: 'folder',
      path: fo.path.trim(),
      split:
        fo.splitKind === 'ratio'
          ? { kind: 'ratio', testRatio: toNumber(fo.testRatio) }
          : { kind: 'range', train: [toNumber(fo.trainStart), toNumber(fo.trainEnd)], test: [toNumber(fo.testStart), toNumber(fo.testEnd)] },
    };
  }
  const t = f.training;
  const training: Record<string, unknown> = {
    optimizer: { kind: t.optimizer, learningRate: toNumber(t.learningRate), momentum: toNumber(t.momentum) },
    batchSize: t.fullBatch ? 0 : toNumber(t.batchSize),
    evalEvery: toNumber(t.evalEvery),
    checkpointEvery: toNumber(t.checkpointEvery),
    backwardSamples: toNumber(t.backwardSamples),
  };
  if (t.durationKind === 'steps') training.steps = toNumber(t.steps);
  else training.epochs = toNumber(t.epochs);
  if (t.pretrain) {
    const layers = t.pretrainLayers.split(/[\s,]+/).filter((x) => x !== '');
    training.pretrain = { stepsPerLayer: toNumber(t.stepsPerLayer), ...(layers.length ? { layers: layers.map(toNumber) } : {}) };
  }
  if (t.infoPlane) training.infoPlane = { bins: toNumber(t.infoBins), samples: toNumber(t.infoSamples) };
  return {
    name: f.name.trim(),
    seed: toNumber(f.seed),
    data: { source, scale: f.data.scale },
    network: {
      layers: f.layers.map(layerFormToInput),
    },
    loss: { reduction: f.loss.reduction, lambdaOrt: toNumber(f.loss.lambdaOrt), referenceQuirks: f.loss.referenceQuirks },
    ...(f.kept.init !== undefined ? { init: f.kept.init } : {}),
    training,
  };
}

/** One readable reason per zod issue, naming the field as `label` (default: its key). */
export function issueMessage(issue: z.core.$ZodIssue, label?: string): string {
  const key = issue.path.length ? String(issue.path[issue.path.length - 1]) : 'value';
  const last = label ? label.charAt(0).toLowerCase() + label.slice(1) : key;
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    if (input === '' || input === undefined) return `${last} is required`;
    if (issue.expected === 'number' && typeof input === 'string') return `${last} must be a number (got "${input}")`;
  }
  if (issue.message.startsWith('Invalid input')) return `${last}: ${issue.message.toLowerCase()}`;
  return issue.message;
}

/** The engine's messages name config keys (for the CLI and config files); the panel names its own fields. */
function inPanelWords(message: string, dataKind: string): string {
  return message
    .replace(/^(?:pretrain|infoPlane)\.\w+/, (p) => fieldLabel(`training.${p}`, dataKind))
    .replace(/\bbatchNorm false\b/g, 'batch norm off')
    .replace(/\bturn on ((?:loss|training|network|data)\.[\w.]+)/g, (_, p: string) => `tick '${fieldLabel(p, dataKind)}'`)
    .replace(/\b(?:loss|training|network|data)\.[\w.]+/g, (p) => `'${fieldLabel(p, dataKind)}'`);
}

/**
 * Checks the form as Start would: the schema, then (given the data's shape)
 * each layer's geometry, whose one-line reason is keyed by its row
 * ("network.layers.2"), so the editor flags the row before Start.
 */
export function validateForm(f: FormState, input: FeatureShape | null = inputShapeOf(f)): Validation {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: (label: string) => string) => {
    const label = fieldLabel(path, f.data.kind);
    const m = message(label);
    issues.push({ path, message: m, text: m.toLowerCase().startsWith(label.toLowerCase()) ? m : `${label}: ${m}` });
  };
  if (f.data.kind === 'mnist' && f.data.mnist.digits.length === 0) add('data.source.digits', () => 'pick at least one digit');
  if (f.name.trim() === '') add('name', () => 'name must not be empty');
  const r = RunConfigSchema.safeParse(formToInput(f), { reportInput: true });
  if (!r.success) {
    for (const issue of r.error.issues) add(issue.path.map(String).join('.'), (label) => inPanelWords(issueMessage(issue, label), f.data.kind));
  }
  layerShapes(f.layers, input).forEach((row, k) => {
    if (row?.error) add(`network.layers.${k}`, () => row.error);
  });
  const errors: Record<string, string> = {};
  for (const i of issues) if (!(i.path in errors)) errors[i.path] = i.message;
  if (issues.length === 0 && r.success) return { ok: true, config: r.data, errors, issues };
  return { ok: false, config: null, errors, issues };
}

// ---- layer editing: every layer carries its own lambda, so edits keep them aligned ----

/** Inserts a layer at `at` (default: before the output layer); the new layer copies its predecessor's lambda. */
export function addLayer(f: FormState, at?: number, units = '64'): LayerForm {
  const index = at ?? Math.max(0, f.layers.length - 1);
  const prev = f.layers[index - 1] ?? f.layers[index];
  const layer = blankLayer('dense', { units, batchNorm: prev?.batchNorm ?? false, lambda: prev?.lambda ?? '0' });
  f.layers.splice(index, 0, layer);
  return layer;
}

/** Removes layer i; the network keeps at least one layer. */
export function removeLayer(f: FormState, i: number): boolean {
  if (f.layers.length <= 1 || i < 0 || i >= f.layers.length) return false;
  f.layers.splice(i, 1);
  return true;
}

export function moveLayer(f: FormState, i: number, delta: -1 | 1): boolean {
  const j = i + delta;
  if (i < 0 || j < 0 || i >= f.layers.length || j >= f.layers.length) return false;
  const [l] = f.layers.splice(i, 1);
  f.layers.splice(j, 0, l!);
  return true;
}

/**
 * Std: no regulariser; Ort: SRIP only; RR: the reverse-pass weight on every
 * layer: its own (`kept`, by layer key: the per-layer lambdas of the run this
 * form came from, or of the form before Std or Ort), else `rrLambda`. The name
 * follows the mode (renameForMode).
 */
export function applyRegularizer(
  f: FormState,
  kind: Regularizer,
  values: { rrLambda: string; ortLambda: string; kept?: ReadonlyMap<LayerForm['key'], string> },
): void {
  for (const l of f.layers) l.lambda = kind === 'rr' ? (values.kept?.get(l.key) ?? values.rrLambda) : '0';
  f.loss.lambdaOrt = kind === 'ort' ? values.ortLambda : '0';
  f.name = renameForMode(f.name, kind);
}

/** The layers' own RR lambdas (those above 0), by layer key: what applyRegularizer('rr') gives back. */
export function rrLambdasOf(f: FormState): Map<LayerForm['key'], string> {
  return new Map(f.layers.filter((l) => Number(l.lambda) > 0).map((l) => [l.key, l.lambda]));
}

const MODE_LABEL: Record<Regularizer, string> = { std: 'Std', ort: 'Ort', rr: 'RR' };

/** A name that says its mode: "my-rr-256-64" as Std is "my-std-256-64", "peak_RR" "peak_Std"; a name without one gets "_Std" etc. appended. */
export function renameForMode(name: string, kind: Regularizer): string {
  const label = MODE_LABEL[kind];
  const token = /(^|[-_ .])(std|ort|rr)(?=$|[-_ .])/gi;
  const hits = [...name.matchAll(token)];
  const last = hits.at(-1);
  if (!last) return name.trim() === '' ? name : `${name}_${label}`;
  const word = last[2]!;
  const start = last.index + last[1]!.length;
  const next = word === word.toLowerCase() ? label.toLowerCase() : label;
  return name.slice(0, start) + next + name.slice(start + word.length);
}

/** Which of Std / Ort / RR the form currently is, if any. */
export function regularizerOf(f: FormState): Regularizer | 'custom' {
  const lambdas = f.layers.map((l) => Number(l.lambda));
  const ort = Number(f.loss.lambdaOrt);
  const allZero = lambdas.every((x) => x === 0);
  if (allZero && ort === 0) return 'std';
  if (allZero && ort > 0) return 'ort';
  if (ort === 0 && lambdas.every((x) => x > 0)) return 'rr';
  return 'custom';
}

/** The reference MNIST pair: digits 0 and 1, one training and one test image each. */
export function applyMnistPair(f: FormState): void {
  f.data.kind = 'mnist';
  f.data.mnist.digits = [0, 1];
  f.data.mnist.trainPerClass = '1';
  f.data.mnist.testPerClass = '1';
}

/** The network's input shape implied by the data choice ([C, H, W]): built-in sets are grey; a folder's is what the engine read from it (`folder`, null until known). */
export function inputShapeOf(f: FormState, folder: FeatureShape | null = null): FeatureShape | null {
  if (f.data.kind === 'mnist') return [1, 28, 28];
  if (f.data.kind === 'peak') {
    const s = Number(f.data.peak.size);
    return Number.isInteger(s) && s > 0 ? [1, s, s] : null;
  }
  return folder;
}

/** The kept sections in words, one line each, for the panel. */
export function keptLines(k: KeptSections): { key: keyof KeptSections; text: string }[] {
  const i = k.init as { fromRun?: string; step?: number; layers?: number[]; freeze?: number[] } | undefined;
  if (!i) return [];
  const parts = [
    `start from run ${i.fromRun}${i.step !== undefined ? ` at step ${i.step}` : ''}`,
    ...(i.layers ? [`layers ${i.layers.join(', ')} copied`] : []),
    ...(i.freeze?.length ? [`layers ${i.freeze.join(', ')} frozen`] : []),
  ];
  return [{ key: 'init', text: parts.join(', ') }];
}

/**
 * A form saved by an earlier version, brought to today's shape where that is
 * only new fields: layer rows from before layer types are dense rows, a form
 * without kept sections keeps none. Anything else is left as it is (and then
 * not restored).
 */
export function upgradeSavedForm(saved: unknown): unknown {
  if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) return saved;
  const f = saved as Record<string, unknown>;
  const layers = Array.isArray(f.layers)
    ? f.layers.map((l) => (l !== null && typeof l === 'object' && !Array.isArray(l) ? { ...blankLayer('dense'), ...(l as object) } : l))
    : f.layers;
  return { ...f, layers, kept: f.kept ?? {} };
}
