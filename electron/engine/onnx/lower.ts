// Lowers a graph of graph/ops.ts to an ONNX model. One ONNX node (or a short
// fixed sequence) per op, plus two fusions that MLAS gains from: a product
// whose only use is an addition becomes Gemm with the addend as C (the bias,
// or another gradient contribution), and a sum of squares ReduceSumSquare.
import { outputOrder, type Graph, type Node } from '../graph/ir';
import { attrs } from '../graph/ops';
import { GraphBuilder, type Value } from './graph';

/** Whether `c` can be Gemm's C for an [m, n] product (unidirectional broadcast). */
function gemmAddend(c: Node, m: number, n: number): boolean {
  const s = c.shape;
  if (s.length === 0) return true;
  if (s.length === 1) return s[0] === n || s[0] === 1;
  return s.length === 2 && (s[0] === m || s[0] === 1) && (s[1] === n || s[1] === 1);
}

export function lowerToOnnx(g: Graph): GraphBuilder {
  const order = outputOrder(g);
  const uses = new Map<number, number>();
  for (const n of order) for (const i of n.inputs) uses.set(i.id, (uses.get(i.id) ?? 0) + 1);
  const outputs = new Set([...g.outputs.values()].map((n) => n.id));
  const single = (n: Node) => uses.get(n.id) === 1 && !outputs.has(n.id);

  // Nodes folded into their only user.
  const folded = new Set<number>();
  const gemmOf = new Map<number, { mm: Node; rest: Node[] }>();
  for (const n of order) {
    if (n.op === 'add' || n.op === 'addN') {
      const mm = n.inputs.find((i) => i.op === 'matmul' && single(i) && !folded.has(i.id) && n.inputs.filter((j) => j === i).length === 1);
      if (mm) {
        const rest = n.inputs.filter((i) => i !== mm);
        const [m, cols] = mm.shape;
        // A lone addend must broadcast into the product; several are summed first (full shape).
        if (rest.length > 1 || gemmAddend(rest[0], m, cols)) {
          folded.add(mm.id);
          gemmOf.set(n.id, { mm, rest });
        }
      }
    }
    if (n.op === 'sum' && n.inputs[0].op === 'square' && single(n.inputs[0])) folded.add(n.inputs[0].id);
  }

  const b = new GraphBuilder(g.name);
  const v = new Map<number, Value>();
  const val = (n: Node) => {
    const x = v.get(n.id);
    if (x === undefined) throw new Error(`lowerToOnnx: ${n.op} #${n.id} used before it was lowered`);
    return x;
  };
  const gemm = (mm: Node, c?: Value) => {
    const { transA, transB } = attrs<{ transA: boolean; transB: boolean }>(mm);
    return b.gemm(val(mm.inputs[0]), val(mm.inputs[1]), { transA, transB, ...(c ? { c } : {}) });
  };
  const SAME: Record<string, string> = {
    add: 'Add',
    sub: 'Sub',
    mul: 'Mul',
    div: 'Div',
    max: 'Max',
    neg: 'Neg',
    sqrt: 'Sqrt',
    reciprocal: 'Reciprocal',
    exp: 'Exp',
    log: 'Log',
    relu: 'Relu',
    tanh: 'Tanh',
    sigmoid: 'Sigmoid',
    addN: 'Sum',
  };
  const toFloat = (x: Value) => b.op('Cast', [x], { to: 1 });

  for (const n of order) {
    if (folded.has(n.id)) continue;
    const ins = () => n.inputs.map(val);
    const fused = gemmOf.get(n.id);
    let out: Value;
    if (fused) {
      const rest = fused.rest.map(val);
      out = gemm(fused.mm, rest.length === 1 ? rest[0] : b.sum(rest));
    } else if (n.op in SAME) {
      out = b.op(SAME[n.op], ins());
    } else {
      switch (n.op) {
        case 'input':
          out = b.input(String(n.attrs.name), [...n.shape]);
          break;
        case 'const': {
          const values = n.attrs.values as number[];
          out = n.shape.length === 0 ? b.scalar(values[0]) : b.floats(values, [...n.shape]);
          break;
        }
        case 'ge':
          out = toFloat(b.op('GreaterOrEqual', ins()));
          break;
        case 'step':
          out = toFloat(b.op('Greater', [val(n.inputs[0]), b.scalar(0)]));
          break;
        case 'rsqrt':
          out = b.reciprocal(b.sqrt(val(n.inputs[0])));
          break;
        case 'square':
          out = b.square(val(n.inputs[0]));
          break;
        case 'matmul':
          out = gemm(n);
          break;
        case 'sum': {
          const { axes, keepdims } = attrs<{ axes: number[]; keepdims: boolean }>(n);
          const x = n.inputs[0];
          out = folded.has(x.id) ? b.reduceSumSquare(val(x.inputs[0]), axes, keepdims) : b.reduceSum(val(x), axes, keepdims);
          break;
        }
        case 'mean': {
          const { axes, keepdims } = attrs<{ axes: number[]; keepdims: boolean }>(n);
          out = b.reduceMean(val(n.inputs[0]), axes, keepdims);
          break;
        }
        case 'expand':
          out = b.op('Expand', [val(n.inputs[0]), b.ints([...n.shape])]);
          break;
        case 'reshape':
          out = b.op('Reshape', [val(n.inputs[0]), b.ints([...n.shape])]);
          break;
        case 'transpose':
          out = b.op('Transpose', ins(), { perm: [...(n.attrs.perm as number[])] });
          break;
        case 'concat':
          out = b.concat(ins(), n.attrs.axis as number);
          break;
        case 'slice': {
          const { axis, start, end } = attrs<{ axis: number; start: number; end: number }>(n);
          out = b.op('Slice', [val(n.inputs[0]), b.ints([start]), b.ints([end]), b.ints([axis])]);
          break;
        }
        case 'conv2d': {
          const { stride, pad } = attrs<{ stride: number; pad: number }>(n);
          out = b.op('Conv', ins(), { strides: [stride, stride], pads: [pad, pad, pad, pad] });
          break;
        }
        case 'convTranspose2d': {
          const { stride, pad } = attrs<{ stride: number; pad: number }>(n);
          const [y, w] = n.inputs;
          const k = w.shape[2];
          const extra = (i: number) => n.shape[2 + i] - ((y.shape[2 + i] - 1) * stride - 2 * pad + k);
          out = b.op('ConvTranspose', ins(), { strides: [stride, stride], pads: [pad, pad, pad, pad], output_padding: [extra(0), extra(1)] });
          break;
        }
        case 'conv2dFilterGrad': {
          // A convolution of the inputs (batch as channels) with the output gradient, dilated by the stride.
          const { stride, pad, kernel } = attrs<{ stride: number; pad: number; kernel: number }>(n);
          const swap = (x: Value) => b.op('Transpose', [x], { perm: [1, 0, 2, 3] });
          const full = b.op('Conv', [swap(val(n.inputs[0])), swap(val(n.inputs[1]))], { dilations: [stride, stride], pads: [pad, pad, pad, pad] });
          out = swap(b.op('Slice', [full, b.ints([0, 0]), b.ints([kernel, kernel]), b.ints([2, 3])]));
          break;
        }
        case 'amax': {
          const { axes, keepdims } = attrs<{ axes: number[]; keepdims: boolean }>(n);
          out = b.op('ReduceMax', ins(), { axes, keepdims: keepdims ? 1 : 0 });
          break;
        }
        case 'softmax':
          out = b.op('Softmax', ins(), { axis: n.attrs.axis as number });
          break;
        case 'logSoftmax':
          out = b.op('LogSoftmax', ins(), { axis: n.attrs.axis as number });
          break;
        default:
          throw new Error(`lowerToOnnx: no ONNX lowering of ${n.op}`);
      }
    }
    v.set(n.id, out);
  }
  // Declared inputs that no output needs are inputs all the same (callers feed them).
  for (const [name, n] of g.inputs) if (!v.has(n.id)) v.set(n.id, b.input(name, [...n.shape]));
  for (const [name, n] of g.outputs) b.output(val(n), name, [...n.shape]);
  return b;
}
