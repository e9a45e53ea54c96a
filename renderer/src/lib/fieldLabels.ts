// The names a person reads for config fields: the Experiment panel's own
// labels and 1-based layer numbers, for validation messages, the Runs view's
// config diff and the notes that tell what to change. One definition, used
// by the panel's fields too where they share a label.

export const LABELS = {
  name: 'Name',
  seed: 'Seed',
  lambdaOrt: 'λ Ort (SRIP)',
  reduction: 'Reverse-pass reduction',
  referenceQuirks: 'Reference quirks (compatibility)',
  learningRate: 'Learning rate',
  scaleUnit: 'unit 0..1',
} as const;

const FIXED: Record<string, string> = {
  name: LABELS.name,
  seed: LABELS.seed,
  'data.source.kind': 'Data set',
  'data.source.size': 'Image size (px)',
  'data.source.seed': 'Data seed',
  'data.source.digits': 'Digits',
  'data.source.path': 'Folder',
  'data.source.split.kind': 'Split',
  'data.source.split.testRatio': 'Test ratio',
  'data.source.split.train.0': 'Train from',
  'data.source.split.train.1': 'Train to (excl.)',
  'data.source.split.test.0': 'Test from',
  'data.source.split.test.1': 'Test to (excl.)',
  'data.scale': 'Scale',
  'network.layers': 'Network',
  'loss.lambdaOrt': LABELS.lambdaOrt,
  'loss.reduction': LABELS.reduction,
  'loss.referenceQuirks': LABELS.referenceQuirks,
  'training.optimizer.kind': 'Optimizer',
  'training.optimizer.learningRate': LABELS.learningRate,
  'training.optimizer.momentum': 'Momentum',
  'training.batchSize': 'Batch size',
  'training.steps': 'Steps',
  'training.epochs': 'Epochs',
  'training.evalEvery': 'Evaluate every (steps)',
  'training.checkpointEvery': 'Checkpoint every (steps)',
  'training.backwardSamples': 'Backward images',
  'training.pretrain.stepsPerLayer': 'Pretraining steps per layer',
  'training.pretrain.layers': 'Pretrained layers',
  'training.infoPlane.bins': 'Info-plane bins',
  'training.infoPlane.samples': 'Info-plane test images',
};

const LAYER_FIELD: Record<string, string> = { units: 'units', activation: 'activation', batchNorm: 'batch norm', lambda: 'λ (reverse pass)' };

/** "network.layers.1.lambda" → "layer 2 λ (reverse pass)"; "training.optimizer.learningRate" → "Learning rate"; unknown paths stay as they are. */
export function fieldLabel(path: string, dataKind?: string): string {
  const layer = /^network\.layers\.(\d+)(?:\.(\w+))?$/.exec(path);
  if (layer) return `layer ${Number(layer[1]) + 1}${layer[2] ? ` ${LAYER_FIELD[layer[2]] ?? layer[2]}` : ''}`;
  if (/^training\.pretrain\.layers\.\d+$/.test(path)) return FIXED['training.pretrain.layers']!;
  const per = /^data\.source\.(train|test)PerClass$/.exec(path);
  if (per) return `${per[1] === 'train' ? 'Train' : 'Test'} per ${dataKind === 'mnist' ? 'digit' : 'class'}`;
  return FIXED[path] ?? path;
}
