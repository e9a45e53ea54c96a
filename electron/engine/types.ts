// Records and events the engine produces. The run store persists them, the
// training host streams them, the UI and exports read them.
import type { RunConfig } from './config/schema';

/** diverged: stopped at the step where the loss or a weight stopped being finite (NaN or infinite). */
export type RunStatus = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed' | 'diverged' | 'interrupted';
export type BackendName = 'onnx' | 'tensorflow' | 'wasm' | 'cpu';

/** A run that is a point of a sweep (see engine/sweep). */
export interface SweepTag {
  /** The sweep's id (its folder under <workspace>/sweeps). */
  id: string;
  /** The point's index in the sweep's expansion. */
  point: number;
}

/** One evaluation, one line of metrics.jsonl. */
export interface EvalRecord {
  step: number;
  epoch: number;
  /** Seconds since training started (excludes data loading). */
  elapsed: number;
  stepsPerSec: number;
  /** Loss of the training batch at this step; rr and ort are the lambda-weighted contributions. */
  loss: { total: number; ce: number; rr: number[]; ort: number };
  trainAccuracy: number;
  testAccuracy: number;
  /** Per layer k: mean squared error between the reverse-pass reconstruction of layer k's input and the input itself, over the test set. */
  testRecon: number[];
  /**
   * Information plane at this evaluation (training.infoPlane): I(X;T) and I(T;Y) in bits of
   * each layer's output d_k (forward[k-1] for layer k) and of each reverse-pass reconstruction
   * d'_k (reverse[k], k = 0 the input's).
   */
  infoPlane?: { bins: number; samples: number; forward: { ixt: number; ity: number }[]; reverse: { ixt: number; ity: number }[] };
}

export interface RunRecord {
  id: string;
  name: string;
  status: RunStatus;
  config: RunConfig;
  totalSteps: number;
  backend: BackendName | null;
  versions: Record<string, string>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Last evaluated step. */
  lastStep: number;
  /** Evaluated steps with backward images. */
  backwardSteps: number[];
  /** Layers (0-based) whose input feature maps the reverse pass reconstructs, saved as channel grids with the backward images. */
  featureLayers?: number[];
  checkpointSteps: number[];
  error?: string;
  /** Process that owns a running run; a dead owner means the run was interrupted. */
  pid?: number;
  /** Start time of that process (see util/processStart.ts): a later process with the same pid is not the owner. */
  pidStart?: string;
  host?: string;
  dataInfo?: { name: string; height: number; width: number; channels?: number; classNames: string[]; trainCount: number; testCount: number };
  /** The latest evaluation, kept here by the run's writer so that listing runs never reads metrics.jsonl. */
  last?: EvalRecord;
  /** Set when the run was started by a sweep. */
  sweep?: SweepTag;
  /** The user's labels (to filter the run list) and free-text notes. */
  tags?: string[];
  notes?: string;
}

export type TrainEvent =
  | { type: 'started'; runId: string; backend: BackendName; totalSteps: number }
  | { type: 'progress'; runId: string; step: number; totalSteps: number; stepsPerSec: number }
  | { type: 'evaluation'; runId: string; record: EvalRecord }
  | { type: 'backward'; runId: string; step: number }
  | { type: 'checkpoint'; runId: string; step: number }
  | { type: 'finished'; runId: string; status: Extract<RunStatus, 'completed' | 'cancelled' | 'failed' | 'diverged' | 'interrupted'>; error?: string };
