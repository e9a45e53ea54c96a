// `racecar train` flags -> a run config. Flags override --config file values
// and --preset; the result is validated by the shared schema.
import * as fs from 'node:fs';
import { ConfigError, type RunConfigInput } from '../engine/config/schema';
import { findReferenceRun, REFERENCE_RUNS } from '../engine/presets';
import { MNIST_PAIR } from '../engine/data/mnist';

export const TRAIN_OPTIONS = {
  config: { type: 'string' },
  preset: { type: 'string' },
  name: { type: 'string' },
  seed: { type: 'string' },
  data: { type: 'string' },
  folder: { type: 'string' },
  digits: { type: 'string' },
  'train-per-class': { type: 'string' },
  'test-per-class': { type: 'string' },
  'test-ratio': { type: 'string' },
  'data-seed': { type: 'string' },
  scale: { type: 'string' },
  layers: { type: 'string' },
  activation: { type: 'string' },
  'batch-norm': { type: 'boolean' },
  lambda: { type: 'string' },
  'lambda-ort': { type: 'string' },
  reduction: { type: 'string' },
  'reference-quirks': { type: 'boolean' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  'batch-size': { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  'eval-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'backward-samples': { type: 'string' },
} as const;

export type TrainFlags = { [K in keyof typeof TRAIN_OPTIONS]?: (typeof TRAIN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function num(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`--${flag}: '${v}' is not a number`);
  return n;
}

function list(flag: string, v: string, what: string): string[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new ConfigError(`--${flag}: empty entry in '${v}': give ${what}`);
  return parts;
}

function intList(flag: string, v: string, what: string): number[] {
  return list(flag, v, what).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n)) throw new ConfigError(`--${flag}: '${p}' is not a whole number: give ${what}`);
    return n;
  });
}

export function readConfigFile(file: string): RunConfigInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`--config ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check the path`);
  }
  try {
    return JSON.parse(text) as RunConfigInput;
  } catch (e) {
    throw new ConfigError(`--config ${file}: not valid JSON (${(e as Error).message}): fix the file or export a config from the app`);
  }
}

/** Per-layer values: one value for all layers or one per layer. */
function perLayer<T>(flag: string, values: T[], layers: number): T[] {
  if (values.length === 1) return Array(layers).fill(values[0]);
  if (values.length !== layers) throw new ConfigError(`--${flag}: ${values.length} values for ${layers} layers: give one value or one per layer`);
  return values;
}

// A JSON tree edited in place from the flags; parseRunConfig validates it afterwards.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonTree = Record<string, any>;

export function configFromFlags(f: TrainFlags): RunConfigInput {
  let base: JsonTree = {};
  if (f.preset) {
    const ref = findReferenceRun(f.preset);
    if (!ref) throw new ConfigError(`--preset: unknown preset '${f.preset}': use one of ${REFERENCE_RUNS.map((r) => r.id).join(', ')}`);
    base = structuredClone(ref.config);
  }
  if (f.config) base = { ...base, ...readConfigFile(f.config) };
  const c = structuredClone(base) as JsonTree;
  const sub = (k: string) => (c[k] = c[k] && typeof c[k] === 'object' ? c[k] : {});
  if (f.name !== undefined) c.name = f.name;
  if (f.seed !== undefined) c.seed = num('seed', f.seed);

  const data = sub('data');
  if (f.data !== undefined) {
    if (f.data === 'peak') data.source = { kind: 'peak' };
    else if (f.data === 'mnist') data.source = { kind: 'mnist' };
    else if (f.data === 'mnist-pair') data.source = { ...MNIST_PAIR };
    else if (f.data === 'folder') data.source = { kind: 'folder', path: f.folder ?? '' };
    else throw new ConfigError(`--data: unknown data set '${f.data}': use peak, mnist, mnist-pair or folder (with --folder <dir>)`);
  }
  if (f.folder !== undefined && f.data === undefined) data.source = { kind: 'folder', path: f.folder };
  const src = (data.source ??= { kind: 'peak' });
  if (f.digits !== undefined) src.digits = intList('digits', f.digits, 'digits like 0,1');
  if (f['train-per-class'] !== undefined) src.trainPerClass = num('train-per-class', f['train-per-class']);
  if (f['test-per-class'] !== undefined) src.testPerClass = num('test-per-class', f['test-per-class']);
  if (f['data-seed'] !== undefined) src.seed = num('data-seed', f['data-seed']);
  if (f['test-ratio'] !== undefined) src.split = { kind: 'ratio', testRatio: num('test-ratio', f['test-ratio']) };
  if (f.scale !== undefined) data.scale = f.scale;

  const loss = sub('loss');
  if (f['lambda-ort'] !== undefined) loss.lambdaOrt = num('lambda-ort', f['lambda-ort']);
  if (f.reduction !== undefined) loss.reduction = f.reduction;
  if (f['reference-quirks'] !== undefined) loss.referenceQuirks = f['reference-quirks'];

  const network = sub('network');
  if (f.layers !== undefined) {
    const sizes = intList('layers', f.layers, 'layer sizes like 128,2 (the last is the output layer)');
    const quirks = loss.referenceQuirks === true;
    network.layers = sizes.map((units, i) => {
      const hidden = i < sizes.length - 1 || quirks;
      return { units, activation: hidden ? 'relu' : 'linear', batchNorm: false, lambda: 0 };
    });
  }
  const layers: Record<string, unknown>[] | undefined = network.layers;
  if ((f.activation !== undefined || f['batch-norm'] !== undefined || f.lambda !== undefined) && !layers) {
    throw new ConfigError('--layers: give the layer sizes (e.g. --layers 128,2) before per-layer options');
  }
  if (layers) {
    const n = layers.length;
    const outputToo = loss.referenceQuirks === true;
    if (f.activation !== undefined) {
      const acts = list('activation', f.activation, 'activations like relu or relu,linear');
      // A single activation applies to the hidden layers; the output stays linear unless quirks are on.
      const all = acts.length === 1 ? layers.map((_, i) => (i < n - 1 || outputToo ? acts[0] : 'linear')) : perLayer('activation', acts, n);
      all.forEach((a, i) => (layers[i].activation = a));
    }
    if (f['batch-norm']) layers.forEach((l, i) => (l.batchNorm = i < n - 1 || outputToo));
    if (f.lambda !== undefined) {
      const ls = perLayer(
        'lambda',
        list('lambda', f.lambda, 'a weight like 1e-6 or one per layer').map((v) => num('lambda', v)),
        n,
      );
      ls.forEach((v, i) => (layers[i].lambda = v));
    }
  }

  const training = sub('training');
  const opt = (training.optimizer ??= {});
  if (f.optimizer !== undefined) opt.kind = f.optimizer;
  if (f.lr !== undefined) opt.learningRate = num('lr', f.lr);
  if (f.momentum !== undefined) opt.momentum = num('momentum', f.momentum);
  if (f['batch-size'] !== undefined) training.batchSize = f['batch-size'] === 'full' ? 0 : num('batch-size', f['batch-size']);
  if (f.steps !== undefined) {
    training.steps = num('steps', f.steps);
    delete training.epochs;
  }
  if (f.epochs !== undefined) {
    training.epochs = num('epochs', f.epochs);
    delete training.steps;
  }
  if (f['eval-every'] !== undefined) training.evalEvery = num('eval-every', f['eval-every']);
  if (f['checkpoint-every'] !== undefined) training.checkpointEvery = num('checkpoint-every', f['checkpoint-every']);
  if (f['backward-samples'] !== undefined) training.backwardSamples = num('backward-samples', f['backward-samples']);
  if (!c.network?.layers) throw new ConfigError('--layers: no network given: use --layers 128,2, --preset peak_RR or --config file.json');
  return c as RunConfigInput;
}
