// A plain-JavaScript lowering of the op set in float64: the independent
// arithmetic the tests check the derived gradients (against finite
// differences) and the native lowerings (against float64) with. Written for
// clarity, not speed.
import { outputOrder, size, type Graph, type Node, type Shape } from '../../../electron/engine/graph/ir';
import { attrs } from '../../../electron/engine/graph/ops';

export interface Array64 {
  shape: Shape;
  data: Float64Array;
}

const strides = (s: Shape): number[] => {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= s[i];
  }
  return out;
};

/** Index of `x`'s element read for output element `i` of shape `out` under broadcasting. */
function broadcastReader(x: Shape, out: Shape): (i: number) => number {
  const os = strides(out);
  const xs = strides(x);
  const lead = out.length - x.length;
  return (i) => {
    let j = 0;
    for (let d = 0; d < out.length; d++) {
      const c = Math.floor(i / os[d]) % out[d];
      const xd = d - lead;
      if (xd >= 0 && x[xd] !== 1) j += c * xs[xd];
    }
    return j;
  };
}

const BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a >= b ? a : b),
  ge: (a, b) => (a >= b ? 1 : 0),
};

const UNARY: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  exp: Math.exp,
  log: Math.log,
  square: (x) => x * x,
  step: (x) => (x > 0 ? 1 : 0),
  relu: (x) => (x > 0 ? x : 0),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

function reduce(x: Array64, axes: number[], outShape: Shape, isMean: boolean): Float64Array {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(size(outShape));
  const read = broadcastReader(keptShape, x.shape); // maps an input index to its output slot
  for (let i = 0; i < x.data.length; i++) out[read(i)] += x.data[i];
  if (isMean) {
    const count = axes.reduce((a, i) => a * x.shape[i], 1);
    for (let i = 0; i < out.length; i++) out[i] /= count;
  }
  return out;
}

function evalNode(n: Node, v: Array64[], feed: (name: string) => Array64): Float64Array {
  const out = new Float64Array(size(n.shape));
  if (n.op in BINARY) {
    const f = BINARY[n.op];
    const [a, b] = v;
    const ra = broadcastReader(a.shape, n.shape);
    const rb = broadcastReader(b.shape, n.shape);
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[ra(i)], b.data[rb(i)]);
    return out;
  }
  if (n.op in UNARY) {
    const f = UNARY[n.op];
    for (let i = 0; i < out.length; i++) out[i] = f(v[0].data[i]);
    return out;
  }
  switch (n.op) {
    case 'input': {
      const x = feed(attrs<{ name: string }>(n).name);
      if (x.data.length !== out.length) throw new Error(`input ${String(n.attrs.name)}: ${x.data.length} values for [${n.shape}]`);
      return Float64Array.from(x.data);
    }
    case 'const':
      return Float64Array.from(n.attrs.values as number[]);
    case 'addN':
      for (const x of v) {
        const r = broadcastReader(x.shape, n.shape);
        for (let i = 0; i < out.length; i++) out[i] += x.data[r(i)];
      }
      return out;
    case 'matmul': {
      const { transA, transB } = attrs<{ transA: boolean; transB: boolean }>(n);
      const [a, b] = v;
      const [m, cols] = n.shape;
      const k = transA ? a.shape[0] : a.shape[1];
      const A = (i: number, p: number) => (transA ? a.data[p * a.shape[1] + i] : a.data[i * a.shape[1] + p]);
      const B = (p: number, j: number) => (transB ? b.data[j * b.shape[1] + p] : b.data[p * b.shape[1] + j]);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
          out[i * cols + j] = s;
        }
      return out;
    }
    case 'sum':
    case 'mean':
      return reduce(v[0], attrs<{ axes: number[] }>(n).axes, n.shape, n.op === 'mean');
    case 'expand': {
      const r = broadcastReader(v[0].shape, n.shape);
      for (let i = 0; i < out.length; i++) out[i] = v[0].data[r(i)];
      return out;
    }
    case 'reshape':
      return Float64Array.from(v[0].data);
    case 'transpose': {
      const perm = attrs<{ perm: number[] }>(n).perm;
      const xs = strides(v[0].shape);
      const os = strides(n.shape);
      for (let i = 0; i < out.length; i++) {
        let j = 0;
        for (let d = 0; d < perm.length; d++) j += (Math.floor(i / os[d]) % n.shape[d]) * xs[perm[d]];
        out[i] = v[0].data[j];
      }
      return out;
    }
    case 'concat':
    case 'slice': {
      const axis = attrs<{ axis: number }>(n).axis;
      const outer = n.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = n.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      let o = 0;
      for (let r = 0; r < outer; r++) {
        if (n.op === 'slice') {
          const { start, end } = attrs<{ start: number; end: number }>(n);
          const len = v[0].shape[axis];
          for (let c = start; c < end; c++) for (let q = 0; q < inner; q++) out[o++] = v[0].data[(r * len + c) * inner + q];
        } else {
          for (const x of v) {
            const len = x.shape[axis];
            for (let c = 0; c < len * inner; c++) out[o++] = x.data[r * len * inner + c];
          }
        }
      }
      return out;
    }
    case 'conv2d':
    case 'convTranspose2d':
    case 'conv2dFilterGrad': {
      const { stride: s, pad } = attrs<{ stride: number; pad: number }>(n);
      // One loop over (n, f, p, q, c, i, j): x is NCHW, w is [F, C, k, k], y is [N, F, Ho, Wo].
      const [x, w, y] =
        n.op === 'conv2d'
          ? [v[0], v[1], { shape: n.shape, data: out }]
          : n.op === 'convTranspose2d'
            ? [{ shape: n.shape, data: out }, v[1], v[0]]
            : [v[0], { shape: n.shape, data: out }, v[1]];
      const [N, C, H, W] = x.shape;
      const [F, , k] = w.shape;
      const [, , Ho, Wo] = y.shape;
      for (let b = 0; b < N; b++)
        for (let f = 0; f < F; f++)
          for (let p = 0; p < Ho; p++)
            for (let q = 0; q < Wo; q++)
              for (let c = 0; c < C; c++)
                for (let i = 0; i < k; i++)
                  for (let j = 0; j < k; j++) {
                    const h = p * s + i - pad;
                    const ww = q * s + j - pad;
                    if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
                    const xi = ((b * C + c) * H + h) * W + ww;
                    const wi = ((f * C + c) * k + i) * k + j;
                    const yi = ((b * F + f) * Ho + p) * Wo + q;
                    if (n.op === 'conv2d') out[yi] += x.data[xi] * w.data[wi];
                    else if (n.op === 'convTranspose2d') out[xi] += y.data[yi] * w.data[wi];
                    else out[wi] += y.data[yi] * x.data[xi];
                  }
      return out;
    }
    case 'amax': {
      const axes = attrs<{ axes: number[] }>(n).axes;
      const keptShape = v[0].shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const read = broadcastReader(keptShape, v[0].shape);
      out.fill(-Infinity);
      for (let i = 0; i < v[0].data.length; i++) out[read(i)] = Math.max(out[read(i)], v[0].data[i]);
      return out;
    }
    case 'softmax':
    case 'logSoftmax': {
      const cols = n.shape[n.shape.length - 1];
      const x = v[0].data;
      for (let r = 0; r < out.length / cols; r++) {
        let mx = -Infinity;
        for (let c = 0; c < cols; c++) mx = Math.max(mx, x[r * cols + c]);
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - mx);
        for (let c = 0; c < cols; c++) {
          const z = x[r * cols + c] - mx;
          out[r * cols + c] = n.op === 'softmax' ? Math.exp(z) / s : z - Math.log(s);
        }
      }
      return out;
    }
    default:
      throw new Error(`interpret: no float64 lowering of ${n.op}`);
  }
}

/** Evaluates every output of `g` in float64. */
export function interpret(g: Graph, feeds: Record<string, ArrayLike<number>>): Record<string, Float64Array> {
  const values = new Map<number, Array64>();
  const feed = (name: string): Array64 => {
    const x = feeds[name];
    if (!x) throw new Error(`interpret: no value for the input ${name}`);
    return { shape: [], data: Float64Array.from(x) };
  };
  for (const n of outputOrder(g)) {
    values.set(n.id, {
      shape: n.shape,
      data: evalNode(
        n,
        n.inputs.map((i) => values.get(i.id)!),
        feed,
      ),
    });
  }
  const out: Record<string, Float64Array> = {};
  for (const [name, n] of g.outputs) out[name] = values.get(n.id)!.data;
  return out;
}
