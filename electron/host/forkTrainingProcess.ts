import { compiledScript } from '../engine/util/compiled';
import { forkChild } from './childHandle';
import type { FromTraining, ToTraining, TrainingHandle } from './trainingProtocol';

/** A training process: child_process.fork of the compiled trainingProcess.js. */
export function forkTrainingProcess(script = compiledScript(__dirname, 'trainingProcess.js')): TrainingHandle {
  return forkChild<ToTraining, FromTraining>(script);
}
