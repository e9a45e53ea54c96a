// The transfer study, ready made: source runs of every mode (Std, Ort, RR,
// Pre) on one task, each fine-tuned on another task with its first layer
// frozen and not, over seeds; the result is the test accuracy after transfer
// per mode and freeze, summarised over the seeds, with Welch's test of each
// mode against Std. Every run is an ordinary run of the workspace.
import type { RunConfigInput } from '../config/schema';
import type { RunStore } from '../store/runStore';
import { trainToEnd } from '../train/trainer';
import type { TrainEvent } from '../types';
import { summarize, welch, type Summary, type Welch } from '../stats/summary';

export const STUDY_MODES = ['Std', 'Ort', 'RR', 'Pre'] as const;
export type StudyMode = (typeof STUDY_MODES)[number];

export interface StudyOptions {
  seeds: number[];
  sourceSteps: number;
  targetSteps: number;
  /** Hidden layer sizes; the output layer has one logit per digit. */
  hidden: number[];
}

export const STUDY_DEFAULTS: StudyOptions = { seeds: [0, 1, 2], sourceSteps: 600, targetSteps: 300, hidden: [128] };

/** MNIST digits 0-4 as the source task, 5-9 as the target (labels are the digits: ten logits). */
const task = (digits: number[]): RunConfigInput['data'] => ({ source: { kind: 'mnist', digits, trainPerClass: 200, testPerClass: 100 }, scale: 'unit' });
export const SOURCE_DIGITS = [0, 1, 2, 3, 4];
export const TARGET_DIGITS = [5, 6, 7, 8, 9];

/** A run of the study: the network with `lambda` on every layer, Adam, four evaluations. */
function studyRun(name: string, seed: number, digits: number[], lambda: number, steps: number, o: StudyOptions): RunConfigInput {
  return {
    name,
    seed,
    data: task(digits),
    network: { layers: [...o.hidden.map((units) => ({ units, activation: 'relu' as const, lambda })), { units: 10, activation: 'linear' as const, lambda }] },
    loss: { reduction: 'mean', lambdaOrt: 0 },
    training: {
      optimizer: { kind: 'adam', learningRate: 1e-3 },
      batchSize: 64,
      steps,
      evalEvery: Math.max(1, Math.floor(steps / 4)),
      checkpointEvery: 0,
      backwardSamples: 4,
    },
  };
}

export function sourceConfig(mode: StudyMode, seed: number, o: StudyOptions): RunConfigInput {
  const c = studyRun(`transfer-source-${mode}-s${seed}`, seed, SOURCE_DIGITS, mode === 'RR' ? 1e-3 : 0, o.sourceSteps, o);
  return {
    ...c,
    loss: { ...c.loss, lambdaOrt: mode === 'Ort' ? 0.1 : 0 },
    training: { ...c.training, ...(mode === 'Pre' ? { pretrain: { stepsPerLayer: Math.max(1, Math.floor(o.sourceSteps / 2)) } } : {}) },
  };
}

export function targetConfig(source: string, mode: StudyMode, seed: number, freeze: boolean, o: StudyOptions): RunConfigInput {
  return {
    ...studyRun(`transfer-target-${mode}-s${seed}${freeze ? '-frozen' : ''}`, seed, TARGET_DIGITS, 0, o.targetSteps, o),
    // The hidden layers come from the source; the output layer (digit logits) starts afresh.
    init: { fromRun: source, layers: o.hidden.map((_, k) => k + 1), freeze: freeze ? [1] : [] },
  };
}

export interface StudyCell {
  mode: StudyMode;
  frozen: boolean;
  runs: string[];
  sources: string[];
  accuracy: Summary;
  /** This mode against Std at the same freeze setting (null for Std, or with fewer than two seeds). */
  vsStd: Welch | null;
}

export interface StudyResult {
  cells: StudyCell[];
}

/** One finished transfer run of the study. */
export interface StudyEntry {
  mode: StudyMode;
  frozen: boolean;
  run: string;
  source: string;
  accuracy: number;
}

/** The study's table: per mode and freeze setting, the accuracy over the seeds and Welch's test against Std. */
export function summarizeStudy(entries: StudyEntry[]): StudyResult {
  const of = (m: StudyMode, f: boolean) => entries.filter((e) => e.mode === m && e.frozen === f);
  const cells = STUDY_MODES.flatMap((mode) =>
    [false, true].map((frozen) => {
      const c = of(mode, frozen);
      const values = c.map((e) => e.accuracy);
      return {
        mode,
        frozen,
        runs: c.map((e) => e.run),
        sources: c.map((e) => e.source),
        accuracy: summarize(values),
        vsStd:
          mode === 'Std'
            ? null
            : welch(
                values,
                of('Std', frozen).map((e) => e.accuracy),
              ),
      };
    }),
  );
  return { cells };
}

/** Trains the study's runs one after another (progress through `onEvent`) and summarises them. */
export async function runTransferStudy(
  store: RunStore,
  o: StudyOptions,
  onEvent?: (e: TrainEvent, label: string) => void,
  signal?: AbortSignal,
): Promise<StudyResult> {
  const entries: StudyEntry[] = [];
  for (const seed of o.seeds)
    for (const mode of STUDY_MODES) {
      const src = await trainToEnd(sourceConfig(mode, seed, o), { store, signal }, (e) => onEvent?.(e, `${mode} source, seed ${seed}`));
      if (src.status !== 'completed') throw new Error(`the ${mode} source run of seed ${seed} ended ${src.status}: ${src.error ?? 'see its log'}`);
      for (const frozen of [false, true]) {
        const run = await trainToEnd(targetConfig(src.id, mode, seed, frozen, o), { store, signal }, (e) =>
          onEvent?.(e, `${mode} target${frozen ? ' (layer 1 frozen)' : ''}, seed ${seed}`),
        );
        if (run.status !== 'completed') throw new Error(`the ${mode} transfer run of seed ${seed} ended ${run.status}: ${run.error ?? 'see its log'}`);
        entries.push({ mode, frozen, run: run.id, source: src.id, accuracy: store.readMetrics(run.id).at(-1)!.testAccuracy });
      }
    }
  return summarizeStudy(entries);
}
