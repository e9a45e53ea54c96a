// The step engine for a backend: ONNX Runtime's graph, or tfjs's kernels.
import { onnxThreadPlan } from '../onnx/runtime';
import type { BackendName } from '../types';
import { createOnnxEngine } from './onnxEngine';
import type { EngineSetup, StepEngine } from './stepEngine';
import { createTfjsEngine } from './tfjsEngine';

export async function createStepEngine(backend: BackendName, setup: EngineSetup): Promise<StepEngine> {
  if (backend === 'onnx') return createOnnxEngine(setup, onnxThreadPlan());
  return createTfjsEngine(backend, setup);
}
