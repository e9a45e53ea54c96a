// The step engine for a backend: ONNX Runtime's graph, or tfjs's kernels.
import { onnxThreads } from '../onnx/runtime';
import { stepFlops } from '../onnx/stepGraph';
import type { BackendName } from '../types';
import { createOnnxEngine } from './onnxEngine';
import type { EngineSetup, StepEngine } from './stepEngine';
import { createTfjsEngine } from './tfjsEngine';

export async function createStepEngine(backend: BackendName, setup: EngineSetup): Promise<StepEngine> {
  if (backend === 'onnx') return createOnnxEngine(setup, engineThreads(setup));
  return createTfjsEngine(backend, setup);
}

/** ONNX Runtime threads for a run (see onnx/runtime.ts). */
export function engineThreads(s: Pick<EngineSetup, 'config' | 'dim' | 'batchSize'>): number {
  return onnxThreads(
    stepFlops(
      { inputSize: s.dim, layers: s.config.network.layers },
      s.batchSize,
      s.config.network.layers.map((l) => l.lambda),
      s.config.loss.lambdaOrt,
    ),
  );
}
