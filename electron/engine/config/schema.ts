// The run configuration: one zod schema shared by the CLI, the run store, the
// training host and the UI. Every field has a default so a partial config
// (from flags, a JSON file or the UI) parses into a complete, recorded one.
import { z } from 'zod';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

const posInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be at least 1`);
const nonNegInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(0, `${what} must be 0 or more`);
const nonNeg = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .finite(`${what} must be finite`)
    .min(0, `${what} must be 0 or more (got a negative value)`);

export const PeakDataSchema = z.object({
  kind: z.literal('peak'),
  trainPerClass: posInt('trainPerClass').default(50),
  testPerClass: posInt('testPerClass').default(5),
  size: z.number().int().min(16, 'size must be at least 16 px').max(128, 'size must be at most 128 px').default(28),
  /** Generator seed; independent of the training seed so data stay fixed across runs. */
  seed: nonNegInt('data seed').default(0),
});

export const MnistDataSchema = z.object({
  kind: z.literal('mnist'),
  digits: z
    .array(z.number().int().min(0, 'digits must be 0-9').max(9, 'digits must be 0-9'))
    .min(1, 'digits needs at least one digit, e.g. [0,1]')
    .default([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    .refine((d) => new Set(d).size === d.length, 'digits must not repeat'),
  /** Images per digit; omitted = all of them. */
  trainPerClass: posInt('trainPerClass').optional(),
  testPerClass: posInt('testPerClass').optional(),
});

export const FolderDataSchema = z.object({
  kind: z.literal('folder'),
  path: z.string().min(1, 'path must name a folder with one sub-folder per class'),
  split: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('ratio'), testRatio: z.number().gt(0, 'testRatio must be above 0').lt(1, 'testRatio must be below 1').default(0.1) }),
      z.object({
        kind: z.literal('range'),
        /** Per class, half-open [start, end) over the files sorted naturally (0.png, 1.png, ..., 10.png). */
        train: z.tuple([nonNegInt('train start'), posInt('train end')]),
        test: z.tuple([nonNegInt('test start'), posInt('test end')]),
      }),
    ])
    .default({ kind: 'ratio', testRatio: 0.1 }),
});

export const DataSourceSchema = z.discriminatedUnion('kind', [PeakDataSchema, MnistDataSchema, FolderDataSchema], {
  error: 'data.kind must be one of peak, mnist, folder',
});

export const DataConfigSchema = z.object({
  source: DataSourceSchema.default({ kind: 'peak', trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 }),
  /** 'raw' keeps grey values 0..255 as the reference does; 'unit' divides by 255. */
  scale: z.enum(['raw', 'unit'], { error: "data.scale must be 'raw' or 'unit'" }).default('raw'),
});

const activation = z.enum(ACTIVATIONS, { error: `activation must be one of ${ACTIVATIONS.join(', ')}` }).default('relu');
/** Weight of this layer's reverse-pass term: reconstruction of the layer's input. */
const lambda = nonNeg('lambda').default(0);

/** A fully connected layer; a layer without `type` is dense (every config from before conv layers). */
export const DenseLayerSchema = z.object({
  type: z.literal('dense').optional(),
  units: posInt('units'),
  activation,
  batchNorm: z.boolean().default(false),
  lambda,
});

/** A 2-D convolution over NCHW feature maps: `filters` square kernels of `kernel` pixels. */
export const ConvLayerSchema = z.object({
  type: z.literal('conv'),
  filters: posInt('filters'),
  kernel: posInt('kernel').default(3),
  stride: posInt('stride').default(1),
  padding: nonNegInt('padding').default(0),
  activation,
  batchNorm: z.boolean().default(false),
  lambda,
});

/** Max or average pooling over size x size windows (stride = size); no parameters. */
export const PoolLayerSchema = z.object({
  type: z.literal('pool'),
  kind: z.enum(['max', 'avg'], { error: "pool kind must be 'max' or 'avg'" }).default('max'),
  size: posInt('size').default(2),
  lambda,
});

/** A ResNet basic block: two 3x3 convolutions and a skip connection (a 1x1 projection when channels or stride change). */
export const ResidualLayerSchema = z.object({
  type: z.literal('residual'),
  filters: posInt('filters'),
  stride: posInt('stride').default(1),
  activation,
  batchNorm: z.boolean().default(false),
  lambda,
});

export const LAYER_TYPES = ['dense', 'conv', 'pool', 'residual'] as const;

export const LayerSchema = z.discriminatedUnion('type', [DenseLayerSchema, ConvLayerSchema, PoolLayerSchema, ResidualLayerSchema], {
  error: `layer type must be one of ${LAYER_TYPES.join(', ')} (none = dense)`,
});

export const NetworkSchema = z.object({
  layers: z.array(LayerSchema).min(1, 'network.layers needs at least one layer'),
});

export const LossSchema = z.object({
  /** 'halfSum' = 0.5 * sum of squares over the batch (reference); 'mean' = mean squared error. */
  reduction: z.enum(['halfSum', 'mean'], { error: "loss.reduction must be 'halfSum' or 'mean'" }).default('halfSum'),
  lambdaOrt: nonNeg('lambdaOrt').default(0),
  /** Double softmax, BN+activation on the logits, BN in training mode at evaluation. */
  referenceQuirks: z.boolean().default(false),
});

export const OptimizerSchema = z.object({
  kind: z.enum(OPTIMIZERS, { error: `optimizer must be one of ${OPTIMIZERS.join(', ')}` }).default('adam'),
  learningRate: z.number().positive('learningRate must be above 0').finite().default(1e-4),
  /** SGD and RMSProp momentum. */
  momentum: z.number().min(0).lt(1, 'momentum must be below 1').default(0.9),
});

export const TrainingSchema = z
  .object({
    optimizer: OptimizerSchema.default({ kind: 'adam', learningRate: 1e-4, momentum: 0.9 }),
    /** 0 = full batch (the whole training set every step). */
    batchSize: nonNegInt('batchSize').default(0),
    /** Exactly one of steps or epochs; epochs are converted to steps. */
    steps: posInt('steps').optional(),
    epochs: posInt('epochs').optional(),
    evalEvery: posInt('evalEvery').default(100),
    /** Checkpoint every N steps (0 = only at the end). The final state is always saved. */
    checkpointEvery: nonNegInt('checkpointEvery').default(200),
    /** Test inputs whose reverse-pass reconstructions are saved at each evaluation. */
    backwardSamples: z.number().int().min(0).max(16, 'backwardSamples must be at most 16').default(16),
    /**
     * Information planes: I(X;T) and I(T;Y) of every layer and every reverse-pass
     * reconstruction at each evaluation, by binning (engine/stats/infoPlane.ts), on the
     * first `samples` test images. Absent: not computed.
     */
    /**
     * Greedy layer-wise autoencoder pretraining ("Pre"): before the task, each listed
     * layer in turn (lowest first) learns to reconstruct its input through its
     * transposed weights (the reverse pass of that layer), the layers below it
     * fixed, for stepsPerLayer steps; then the whole network trains on the task.
     */
    pretrain: z
      .object({
        stepsPerLayer: posInt('pretrain.stepsPerLayer'),
        /** Layers pretrained, 1-based; omitted = every hidden layer (every layer of a one-layer net). */
        layers: z.array(posInt('pretrain.layers entry')).optional(),
      })
      .optional(),
    infoPlane: z
      .object({
        bins: z
          .number()
          .int('infoPlane.bins must be a whole number')
          .min(2, 'infoPlane.bins must be at least 2')
          .max(1000, 'infoPlane.bins must be at most 1000')
          .default(30),
        samples: posInt('infoPlane.samples').max(10_000, 'infoPlane.samples must be at most 10000').default(1000),
      })
      .optional(),
  })
  .refine((t) => !(t.steps !== undefined && t.epochs !== undefined), { message: 'give either steps or epochs, not both', path: ['steps'] });

/** Transfer: start from another run's weights (1-based layer numbers, as the UI shows them). */
export const InitSchema = z
  .object({
    fromRun: z.string().min(1, 'init.fromRun must name a run').max(200),
    /** The source's checkpoint; omitted = its last one. */
    step: nonNegInt('init.step').optional(),
    /** Layers copied from the source; omitted = every layer whose shape matches (a new output layer where the class count differs). */
    layers: z.array(posInt('init.layers entry')).optional(),
    /** Layers kept fixed while training (weights, biases, batch norm); each must be transferred. */
    freeze: z.array(posInt('init.freeze entry')).default([]),
  })
  .refine((i) => !i.layers || i.freeze.every((k) => i.layers!.includes(k)), {
    message: 'init.freeze: a frozen layer must be among init.layers (it would stay at its random start)',
    path: ['freeze'],
  });

export const RunConfigSchema = z
  .object({
    name: z.string().max(120, 'name must be at most 120 characters').default('run'),
    seed: nonNegInt('seed').default(0),
    data: DataConfigSchema.default({ source: { kind: 'peak', trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 }, scale: 'raw' }),
    network: NetworkSchema,
    loss: LossSchema.default({ reduction: 'halfSum', lambdaOrt: 0, referenceQuirks: false }),
    init: InitSchema.optional(),
    training: TrainingSchema.default({
      optimizer: { kind: 'adam', learningRate: 1e-4, momentum: 0.9 },
      batchSize: 0,
      evalEvery: 100,
      checkpointEvery: 200,
      backwardSamples: 16,
    }),
  })
  .superRefine((c, ctx) => {
    const L = c.network.layers.length;
    for (const [field, list] of [
      ['layers', c.init?.layers ?? []],
      ['freeze', c.init?.freeze ?? []],
    ] as const) {
      const k = list.find((v) => v > L);
      if (k !== undefined) ctx.addIssue({ code: 'custom', path: ['init', field], message: `init.${field}: layer ${k} does not exist (the network has ${L})` });
    }
    const pre = c.training.pretrain?.layers?.find((v) => v > L);
    if (pre !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'pretrain', 'layers'],
        message: `pretrain.layers: layer ${pre} does not exist (the network has ${L})`,
      });
    const pool = c.training.pretrain?.layers?.find((v) => c.network.layers[v - 1]?.type === 'pool');
    if (pool !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'pretrain', 'layers'],
        message: `pretrain.layers: layer ${pool} is a pooling layer, which has no weights to pretrain: leave it out`,
      });
    const last = c.network.layers[c.network.layers.length - 1];
    if (last && last.type !== undefined && last.type !== 'dense') {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'layers', c.network.layers.length - 1],
        message: `the output layer produces the logits: make it a dense layer (it is ${last.type}), e.g. {"units": 10, "activation": "linear"}`,
      });
      return;
    }
    if (!c.loss.referenceQuirks && last && (last.activation !== 'linear' || last.batchNorm)) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'layers', c.network.layers.length - 1],
        message: "the output layer produces logits: set activation 'linear' and batchNorm false, or turn on loss.referenceQuirks",
      });
    }
  });

export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type RunConfig = z.output<typeof RunConfigSchema>;
export type LayerConfig = z.output<typeof LayerSchema>;
export type LayerConfigInput = z.input<typeof LayerSchema>;
export type DenseLayer = z.output<typeof DenseLayerSchema>;
export type ConvLayer = z.output<typeof ConvLayerSchema>;
export type PoolLayer = z.output<typeof PoolLayerSchema>;
export type ResidualLayer = z.output<typeof ResidualLayerSchema>;
export type LayerType = (typeof LAYER_TYPES)[number];
export const layerType = (l: LayerConfig): LayerType => l.type ?? 'dense';
/** The output layer's units: the logits (the schema makes the output layer dense). */
export const outputUnits = (layers: readonly LayerConfig[]): number => {
  const l = layers[layers.length - 1];
  return l && (l.type === undefined || l.type === 'dense') ? l.units : 0;
};
/** Does the layer normalise its batches (pooling never does)? */
export const usesBatchNorm = (l: LayerConfig): boolean => l.type !== 'pool' && l.batchNorm;
export type DataSource = z.output<typeof DataSourceSchema>;
export type DataConfig = z.output<typeof DataConfigSchema>;
export type Activation = (typeof ACTIVATIONS)[number];

/** Formats the first zod issue as one line: "network.layers.0.units: units must be at least 1". */
export function describeIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid configuration';
  const path = issue.path.length ? issue.path.join('.') : 'config';
  return `${path}: ${issue.message}`;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses a (partial) config; throws ConfigError with a one-line message naming the field. */
export function parseRunConfig(input: unknown): RunConfig {
  const r = RunConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(describeIssue(r.error));
  return r.data;
}
