// "Transfer from this run...": the new run's config from the source run and
// the dialog's choices. The engine checks the rest (runs.validate: the source's
// checkpoint, the layer shapes, the data set) and names what is wrong.
import type { RunConfig } from '../../../electron/engine/config/schema';
import type { RunRecord } from '../../../electron/engine/types';

export type TransferData = 'same' | 'peak' | 'mnist';

export interface TransferForm {
  name: string;
  /** A checkpoint step of the source. */
  step: number;
  /** 1-based layers copied and frozen. */
  copy: number[];
  freeze: number[];
  data: TransferData;
  /** MNIST digits, e.g. "5,6,7,8,9". */
  digits: string;
  /** Seed of generated peak data (another seed: another data set). */
  dataSeed: string;
  /** Units of the output layer: one per class; where it differs from the source, the output layer is new. */
  classes: string;
  steps: string;
  /** Keep the source's reverse-pass and SRIP weights; otherwise the new run trains without them. */
  keepRegularisation: boolean;
}

/** Units of the output layer (a dense layer; NaN for a network that ends otherwise, which the schema refuses). */
export function outputUnits(run: RunRecord): number {
  const l = run.config.network.layers[run.config.network.layers.length - 1]!;
  return l.type === undefined || l.type === 'dense' ? l.units : NaN;
}

/** Every layer is copied, the output layer only while the class count is the source's. */
export function defaultCopy(run: RunRecord, classes: number): number[] {
  const n = run.config.network.layers.length;
  return Array.from({ length: n }, (_, k) => k + 1).filter((l) => l < n || classes === outputUnits(run));
}

export function defaultTransferForm(run: RunRecord): TransferForm {
  const steps = run.config.training.steps ?? run.totalSteps;
  const src = run.config.data.source;
  return {
    name: `${run.name} → transfer`,
    step: Math.max(...run.checkpointSteps),
    copy: defaultCopy(run, outputUnits(run)),
    freeze: [],
    data: 'same',
    digits: src.kind === 'mnist' ? src.digits.join(',') : '5,6,7,8,9',
    dataSeed: String(src.kind === 'peak' ? src.seed + 1 : 1),
    classes: String(outputUnits(run)),
    steps: String(steps),
    keepRegularisation: false,
  };
}

/** A plain copy: the record may be a reactive proxy, which structuredClone refuses. */
const copyOf = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const wholeNumber = (field: string, v: string, min: number): number => {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`${field}: give a whole number of at least ${min}`);
  return n;
};

function dataOf(run: RunRecord, f: TransferForm): RunConfig['data'] {
  const { source, scale } = run.config.data;
  if (f.data === 'same') return copyOf(run.config.data);
  if (f.data === 'peak') {
    const seed = wholeNumber('data seed', f.dataSeed, 0);
    return { scale, source: source.kind === 'peak' ? { ...source, seed } : { kind: 'peak', trainPerClass: 50, testPerClass: 5, size: 28, seed } };
  }
  const parts = f.digits.split(',').map((d) => d.trim());
  const digits = parts.map(Number);
  if (parts.some((d) => d === '') || digits.some((d) => !Number.isInteger(d) || d < 0 || d > 9))
    throw new Error('digits: give MNIST digits 0-9 like 5,6,7,8,9');
  const per = source.kind === 'mnist' ? { trainPerClass: source.trainPerClass, testPerClass: source.testPerClass } : {};
  return { scale, source: { kind: 'mnist', digits, ...per } };
}

/** The new run's config; throws one line naming the field for input the form itself can tell is wrong. */
export function transferConfig(run: RunRecord, f: TransferForm): RunConfig {
  const c = copyOf(run.config);
  const classes = wholeNumber('classes', f.classes, 1);
  const steps = wholeNumber('steps', f.steps, 1);
  const layers = c.network.layers.map((l) => (f.keepRegularisation ? l : { ...l, lambda: 0 }));
  const out = layers[layers.length - 1]!;
  if (out.type !== undefined && out.type !== 'dense')
    throw new Error('classes: the output layer is not a dense layer: transfer this run from the command line');
  layers[layers.length - 1] = { ...out, units: classes };
  const { pretrain: _pretrain, epochs: _epochs, ...training } = c.training;
  return {
    ...c,
    name: f.name.trim() || `${run.name} → transfer`,
    data: dataOf(run, f),
    network: { layers },
    loss: { ...c.loss, lambdaOrt: f.keepRegularisation ? c.loss.lambdaOrt : 0 },
    // The source's own pretraining is what is transferred: the new run trains its task only.
    training: {
      ...training,
      steps,
      evalEvery: Math.min(training.evalEvery, steps),
      checkpointEvery: Math.min(training.checkpointEvery, steps),
    },
    init: { fromRun: run.id, step: f.step, layers: [...f.copy].sort((a, b) => a - b), freeze: [...f.freeze].sort((a, b) => a - b) },
  };
}

/** A transfer run's source as the runs list names it: "<source name>@<step>" (the id where the source is gone). */
export function lineageLabel(run: RunRecord, sourceName: string | undefined): string | null {
  const init = run.config.init;
  if (!init) return null;
  return `${sourceName ?? init.fromRun}${init.step !== undefined ? `@${init.step}` : ''}`;
}
