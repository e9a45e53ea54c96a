// What a backend does with the graphs of one run: the step graph bound to the
// run's state (parameters, moving averages, optimizer slots), whose `.next`
// outputs become the state when a step is committed, and any other graph
// (evaluation) run against the current state. Implemented by onnx/program.ts
// and tfjs/program.ts; train/graphEngine.ts is the one engine on top.
import type { Graph } from './ir';

export interface HostTensor {
  data: Float32Array;
  shape: number[];
  /** The values never change (the full batch): a runtime may keep its own copy. */
  fixed?: boolean;
}

export interface StepOutcome {
  /** The step graph's loss parts, when asked for. */
  parts: Float32Array | null;
  checksum: number;
}

export interface Program {
  /**
   * Runs the step graph (or another graph with the same state outputs, e.g. a
   * pretraining step) on `feeds` (batch, SRIP vectors, optimizer scalars; those
   * the graph does not take are left out); with `commit` its outputs become the state.
   */
  step(feeds: Record<string, HostTensor>, commit: boolean, wantParts: boolean, graph?: Graph): Promise<StepOutcome>;
  /** Runs another graph; its inputs not in `feeds` are read from the state. */
  run(g: Graph, feeds: Record<string, HostTensor>): Promise<Record<string, Float32Array>>;
  /** A copy of a state tensor. */
  read(name: string): Float32Array;
  /** Overwrites a state tensor (restoring a saved optimizer state). */
  write(name: string, data: Float32Array): void;
  /** How the runtime uses its threads, for the run's log. */
  threadReport(): string | null;
  dispose(): void;
}

export interface StateSpec {
  name: string;
  shape: number[];
}

/** Binds a step graph to its initial state (missing entries start at zero). */
export type ProgramFactory = (step: Graph, state: StateSpec[], initial: Map<string, Float32Array>) => Promise<Program>;
