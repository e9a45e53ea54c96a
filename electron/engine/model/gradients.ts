// Autodiff's matMul gradients use matMul's transpose flags, which the wasm
// backend runs ~3x slower than an explicit transpose followed by a plain
// matMul. Re-register the BatchMatMul gradient with explicit transposes.
import * as tf from '@tensorflow/tfjs';

const swapLast2 = (t: tf.Tensor): tf.Tensor => {
  const perm = t.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return tf.transpose(t, perm);
};

const mm = (a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor => tf.matMul(ta ? swapLast2(a) : a, tb ? swapLast2(b) : b);

let registered = false;

export function registerFastGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const g = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
      if (!transposeA && transposeB) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
      if (transposeA && !transposeB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
      return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
    },
  });
}
