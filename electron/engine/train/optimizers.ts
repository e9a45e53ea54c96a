import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema';

/** Adam uses TF1's epsilon (1e-8) rather than tfjs's backend epsilon, as the reference does. */
export function makeOptimizer(o: RunConfig['training']['optimizer']): tf.Optimizer {
  switch (o.kind) {
    case 'adam':
      return tf.train.adam(o.learningRate, 0.9, 0.999, 1e-8);
    case 'sgd':
      return o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.sgd(o.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(o.learningRate, 0.9, o.momentum, 1e-7);
  }
}
