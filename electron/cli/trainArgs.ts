// `racecar train` flags -> a run config. Flags override --config file values
// and --preset; the result is validated by the shared schema.
import * as fs from 'node:fs';
import { ConfigError, type RunConfigInput } from '../engine/config/schema';
import { parseLayerLabel } from '../engine/config/layerNotation';
import { PRESETS, findPreset } from '../engine/presets';
import { MNIST_PAIR } from '../engine/data/mnist';
import type { OptionTable } from './options';

export const TRAIN_OPTIONS = {
  preset: {
    type: 'string',
    arg: 'id',
    help: 'start from a reference run: MNIST_Std, MNIST_Ort, MNIST_RR, peak_Std, peak_Ort, peak_RR, or the Pre runs MNIST_Pre, peak_Pre',
  },
  config: { type: 'string', arg: 'file.json', help: 'start from a config file (flags override it)' },
  name: { type: 'string', arg: 'text', help: 'run name' },
  seed: { type: 'string', arg: 'n', help: 'seed of the initial weights, batches and SRIP vectors' },
  data: { type: 'string', arg: 'set', group: 'data', help: 'peak, mnist, mnist-pair or folder' },
  folder: { type: 'string', arg: 'dir', group: 'data', help: 'an image folder: one sub-folder of PNGs per class' },
  digits: { type: 'string', arg: 'list', group: 'data', help: 'MNIST digits to use, e.g. 0,1' },
  'train-per-class': { type: 'string', arg: 'n', group: 'data', help: 'training images per class' },
  'test-per-class': { type: 'string', arg: 'n', group: 'data', help: 'test images per class' },
  'test-ratio': { type: 'string', arg: 'r', group: 'data', help: 'share of each class folder held out for testing (folder data)' },
  'data-seed': { type: 'string', arg: 'n', group: 'data', help: 'seed of the generated peak data' },
  scale: { type: 'string', arg: 'raw|unit', group: 'data', help: 'network input: grey values 0..255 (raw) or 0..1 (unit)' },
  layers: {
    type: 'string',
    arg: 'sizes',
    group: 'network',
    help: 'layers, the last is the output layer: sizes (128,2) or conv16k3s2p1, maxpool2, res16s2 entries',
  },
  activation: { type: 'string', arg: 'name', group: 'network', help: 'hidden activation, or one per layer, e.g. relu or relu,linear' },
  'batch-norm': { type: 'boolean', group: 'network', help: 'batch norm on the hidden layers' },
  lambda: { type: 'string', arg: 'w', group: 'network', help: 'reverse-pass (RR) weight, one for all layers or one per layer, e.g. 1e-6' },
  'lambda-ort': { type: 'string', arg: 'w', group: 'network', help: 'SRIP orthogonality weight, e.g. 0.1' },
  reduction: { type: 'string', arg: 'halfSum|mean', group: 'network', help: 'how the reconstruction error is summed' },
  'reference-quirks': { type: 'boolean', group: 'network', help: "the reference code's quirks (double softmax, activation on the output)" },
  optimizer: { type: 'string', arg: 'adam|sgd|rmsprop', group: 'training', help: 'optimiser' },
  lr: { type: 'string', arg: 'rate', group: 'training', help: 'learning rate, e.g. 1e-4' },
  momentum: { type: 'string', arg: 'm', group: 'training', help: 'momentum (sgd, rmsprop), e.g. 0.9' },
  'batch-size': { type: 'string', arg: 'n|full', group: 'training', help: 'mini-batch size, or full for the whole training set' },
  steps: { type: 'string', arg: 'n', group: 'training', help: 'optimisation steps (or --epochs)' },
  epochs: { type: 'string', arg: 'n', group: 'training', help: 'passes over the training set (or --steps)' },
  'eval-every': { type: 'string', arg: 'n', group: 'training', help: 'steps between evaluations (metrics and backward images)' },
  'checkpoint-every': { type: 'string', arg: 'n', group: 'training', help: 'steps between checkpoints (0: the last step only)' },
  'backward-samples': { type: 'string', arg: 'n', group: 'training', help: 'test samples whose reverse pass is saved as images' },
  'init-from': { type: 'string', arg: 'run[@step]', group: 'transfer', help: "start from another run's weights (its last checkpoint, or @step)" },
  'init-layers': { type: 'string', arg: 'list', group: 'transfer', help: 'layers to copy, e.g. 1,2 (default: every layer of the same shape)' },
  freeze: { type: 'string', arg: 'list', group: 'transfer', help: 'copied layers kept fixed while training, e.g. 1' },
  'pretrain-steps': { type: 'string', arg: 'n', group: 'training', help: 'layer-wise pretraining first: n steps per hidden layer ("Pre")' },
  'info-plane': { type: 'boolean', group: 'training', help: 'information planes: I(X;T), I(T;Y) of every layer at each evaluation' },
  'info-plane-bins': { type: 'string', arg: 'n', group: 'training', help: 'bins per unit of the information-plane estimate (default 30)' },
  'info-plane-samples': { type: 'string', arg: 'n', group: 'training', help: 'test images the information plane is estimated on (default 1000)' },
} as const satisfies OptionTable;

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
    const ref = findPreset(f.preset);
    if (!ref) throw new ConfigError(`--preset: unknown preset '${f.preset}': use one of ${PRESETS.map((r) => r.id).join(', ')}`);
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
    const entries = list('layers', f.layers, 'layers like 128,2 or conv16k3s2p1,conv32k3s2p1,10 (the last is the output layer)');
    const quirks = loss.referenceQuirks === true;
    network.layers = entries.map((entry, i) => {
      const layer = parseLayerLabel(entry, `--layers entry ${i + 1}`) as Record<string, unknown>;
      if (layer.type === 'pool') return { ...layer, lambda: 0 };
      const hidden = i < entries.length - 1 || quirks;
      return { ...layer, activation: hidden ? 'relu' : 'linear', batchNorm: false, lambda: 0 };
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
      // Pooling layers have no activation of their own.
      all.forEach((a, i) => layers[i].type !== 'pool' && (layers[i].activation = a));
    }
    if (f['batch-norm']) layers.forEach((l, i) => l.type !== 'pool' && (l.batchNorm = i < n - 1 || outputToo));
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
  if (f['pretrain-steps'] !== undefined) training.pretrain = { ...(training.pretrain ?? {}), stepsPerLayer: num('pretrain-steps', f['pretrain-steps']) };
  if (f['info-plane'] || f['info-plane-bins'] !== undefined || f['info-plane-samples'] !== undefined) {
    training.infoPlane = {
      ...(training.infoPlane ?? {}),
      ...(f['info-plane-bins'] !== undefined ? { bins: num('info-plane-bins', f['info-plane-bins']) } : {}),
      ...(f['info-plane-samples'] !== undefined ? { samples: num('info-plane-samples', f['info-plane-samples']) } : {}),
    };
  }
  if (f['init-from'] !== undefined) {
    const [fromRun, at] = f['init-from'].split('@');
    c.init = { fromRun, ...(at !== undefined ? { step: num('init-from', at) } : {}) };
  }
  if (f['init-layers'] !== undefined || f.freeze !== undefined) {
    if (!c.init) throw new ConfigError('--init-layers and --freeze go with --init-from <run>');
    if (f['init-layers'] !== undefined) c.init.layers = intList('init-layers', f['init-layers'], 'layer numbers like 1,2');
    if (f.freeze !== undefined) c.init.freeze = intList('freeze', f.freeze, 'layer numbers like 1');
  }
  if (!c.network?.layers) throw new ConfigError('--layers: no network given: use --layers 128,2, --preset peak_RR or --config file.json');
  return c as RunConfigInput;
}
