// The step engine for a backend: the run's graphs on ONNX Runtime or on tfjs.
import { graphFlops } from '../graph/ir';
import { lossSettings } from '../model/definition';
import { buildStepGraph } from '../model/graphs';
import { onnxProgram } from '../onnx/program';
import type { Provider } from '../onnx/providers';
import { onnxThreads } from '../onnx/runtime';
import { tfjsProgram } from '../tfjs/program';
import type { BackendName } from '../types';
import { createGraphEngine } from './graphEngine';
import { setupNet, type EngineSetup, type StepEngine } from './stepEngine';

/** The engine of a backend; on onnx, on an execution provider (the CPU's unless train/provider.ts chose another). */
export async function createStepEngine(
  backend: BackendName,
  setup: EngineSetup,
  provider: Provider = 'cpu',
  threads = backend === 'onnx' ? engineThreads(setup) : 1,
): Promise<StepEngine> {
  const program = backend === 'onnx' ? onnxProgram(threads, provider) : tfjsProgram();
  return createGraphEngine(backend, program, setup);
}

/** ONNX Runtime threads for a run, from its step graph's products (see onnx/runtime.ts). */
export function engineThreads(s: Pick<EngineSetup, 'config' | 'dim' | 'image' | 'batchSize'>): number {
  const step = buildStepGraph({
    net: setupNet(s),
    loss: lossSettings(s.config),
    optimizer: s.config.training.optimizer,
    batch: s.batchSize,
  });
  return onnxThreads(graphFlops(step));
}
