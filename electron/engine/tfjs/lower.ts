// Lowers a graph of graph/ops.ts to tfjs ops, evaluated eagerly on the active
// tfjs backend (tensorflow, wasm or cpu): one tfjs call per op. Constants are
// made once per graph and kept.
import * as tf from '@tensorflow/tfjs';
import { outputOrder, type Graph, type Node } from '../graph/ir';
import { attrs } from '../graph/ops';

type Fn = (x: tf.Tensor[], n: Node) => tf.Tensor;

/** Products with explicit transposes: the wasm backend runs matMul's transpose flags ~3x slower. */
function matmul(explicitTranspose: boolean): Fn {
  return ([a, b], n) => {
    const { transA, transB } = attrs<{ transA: boolean; transB: boolean }>(n);
    if (!explicitTranspose) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transA, transB);
    return tf.matMul((transA ? tf.transpose(a) : a) as tf.Tensor2D, (transB ? tf.transpose(b) : b) as tf.Tensor2D);
  };
}

const float = (t: tf.Tensor) => tf.cast(t, 'float32');
// tfjs convolves channels-last on every backend.
const nhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
const nchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);

function lowerings(explicitTranspose: boolean): Record<string, Fn> {
  return {
    add: ([a, b]) => tf.add(a, b),
    sub: ([a, b]) => tf.sub(a, b),
    mul: ([a, b]) => tf.mul(a, b),
    div: ([a, b]) => tf.div(a, b),
    max: ([a, b]) => tf.maximum(a, b),
    ge: ([a, b]) => float(tf.greaterEqual(a, b)),
    addN: (xs) => (xs.every((x) => tf.util.arraysEqual(x.shape, xs[0].shape)) ? tf.addN(xs) : xs.reduce((acc, x) => tf.add(acc, x))),
    neg: ([x]) => tf.neg(x),
    sqrt: ([x]) => tf.sqrt(x),
    rsqrt: ([x]) => tf.rsqrt(x),
    reciprocal: ([x]) => tf.reciprocal(x),
    exp: ([x]) => tf.exp(x),
    log: ([x]) => tf.log(x),
    square: ([x]) => tf.square(x),
    step: ([x]) => tf.step(x),
    relu: ([x]) => tf.relu(x),
    tanh: ([x]) => tf.tanh(x),
    sigmoid: ([x]) => tf.sigmoid(x),
    matmul: matmul(explicitTranspose),
    sum: ([x], n) => tf.sum(x, attrs<{ axes: number[] }>(n).axes, attrs<{ keepdims: boolean }>(n).keepdims),
    mean: ([x], n) => tf.mean(x, attrs<{ axes: number[] }>(n).axes, attrs<{ keepdims: boolean }>(n).keepdims),
    // An addition of zeros: a native broadcasting kernel on every backend (wasm's broadcastTo copies in JavaScript).
    expand: ([x, zeros]) => tf.add(x, zeros),
    reshape: ([x], n) => tf.reshape(x, [...n.shape]),
    transpose: ([x], n) => tf.transpose(x, [...attrs<{ perm: number[] }>(n).perm]),
    concat: (xs, n) => tf.concat(xs, attrs<{ axis: number }>(n).axis),
    slice: ([x], n) => {
      const { axis, start, end } = attrs<{ axis: number; start: number; end: number }>(n);
      return tf.slice(
        x,
        n.shape.map((_, i) => (i === axis ? start : 0)),
        n.shape.map((d, i) => (i === axis ? end - start : d)),
      );
    },
    conv2d: ([x, w], n) => {
      const { stride, pad } = attrs<{ stride: number; pad: number }>(n);
      const y = tf.conv2d(nhwc(x), tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, stride, [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]);
      return nchw(y);
    },
    convTranspose2d: ([y, w], n) => {
      const { stride, pad } = attrs<{ stride: number; pad: number }>(n);
      const [N, C, H, W] = n.shape;
      return nchw(tf.conv2dTranspose(nhwc(y), tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, [N, H, W, C], stride, pad));
    },
    conv2dFilterGrad: ([x, dy], n) => {
      // A convolution of the inputs (batch as channels) with the output gradient, dilated by the stride.
      const { stride, pad, kernel } = attrs<{ stride: number; pad: number; kernel: number }>(n);
      const full = tf.conv2d(
        tf.transpose(x, [1, 2, 3, 0]) as tf.Tensor4D,
        tf.transpose(dy, [2, 3, 0, 1]) as tf.Tensor4D,
        1,
        [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ],
        'NHWC',
        stride,
      );
      const [c, , , f] = full.shape;
      return tf.transpose(tf.slice(full, [0, 0, 0, 0], [c, kernel, kernel, f]), [3, 0, 1, 2]);
    },
    amax: ([x], n) => tf.max(x, attrs<{ axes: number[] }>(n).axes, attrs<{ keepdims: boolean }>(n).keepdims),
    softmax: ([x]) => tf.softmax(x),
    logSoftmax: ([x]) => tf.logSoftmax(x),
  };
}

/** A graph ready to run on tfjs: its evaluation order and its constants, made once. */
export class TfjsGraph {
  private readonly order: Node[];
  private readonly consts = new Map<number, tf.Tensor>();
  private readonly fns: Record<string, Fn>;

  constructor(
    readonly graph: Graph,
    explicitTranspose: boolean,
  ) {
    this.order = outputOrder(graph);
    this.fns = lowerings(explicitTranspose);
    for (const n of this.order) {
      if (n.op === 'const') this.consts.set(n.id, tf.keep(tf.tensor(n.attrs.values as number[], [...n.shape], 'float32')));
      else if (n.op === 'expand') this.consts.set(n.id, tf.keep(tf.zeros([...n.shape], 'float32')));
      else if (n.op !== 'input' && !this.fns[n.op]) throw new Error(`tfjs: no lowering of ${n.op}`);
    }
  }

  /** Every output, from the inputs by name; call inside tf.tidy and keep what is needed. */
  run(inputs: (name: string) => tf.Tensor): Record<string, tf.Tensor> {
    const v = new Map<number, tf.Tensor>();
    for (const n of this.order) {
      let t: tf.Tensor;
      if (n.op === 'input') t = inputs(String(n.attrs.name));
      else if (n.op === 'const') t = this.consts.get(n.id)!;
      else if (n.op === 'expand') t = this.fns.expand([v.get(n.inputs[0].id)!, this.consts.get(n.id)!], n);
      else
        t = this.fns[n.op](
          n.inputs.map((i) => v.get(i.id)!),
          n,
        );
      v.set(n.id, t);
    }
    const out: Record<string, tf.Tensor> = {};
    for (const [name, n] of this.graph.outputs) out[name] = v.get(n.id)!;
    return out;
  }

  dispose(): void {
    for (const t of this.consts.values()) t.dispose();
  }
}
