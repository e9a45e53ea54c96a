// One case per op (and a chain), shared by the gradient checks and the lowering tests.
import * as conv from '../../../electron/engine/graph/conv';
import * as op from '../../../electron/engine/graph/ops';
import type { OpCase } from './check';

/** Away from 0 (kinks of relu, step, max's tie) and positive where a domain needs it. */
const positive: OpCase['value'] = (_i, _j, rng) => rng.uniform(0.3, 2);
const offZero: OpCase['value'] = (_i, _j, rng) => (rng.uniform(0, 1) < 0.5 ? -1 : 1) * rng.uniform(0.1, 1);

export const OP_CASES: OpCase[] = [
  { name: 'add (broadcast bias)', shapes: [[4, 3], [3]], build: (a, b) => op.add(a, b) },
  {
    name: 'sub (broadcast column)',
    shapes: [
      [4, 3],
      [4, 1],
    ],
    build: (a, b) => op.sub(a, b),
  },
  { name: 'mul (broadcast scalar tensor)', shapes: [[4, 3], []], build: (a, b) => op.mul(a, b) },
  {
    name: 'div',
    shapes: [
      [3, 2],
      [3, 2],
    ],
    build: (a, b) => op.div(a, b),
    value: positive,
  },
  { name: 'max (broadcast)', shapes: [[5, 3], [3]], build: (a, b) => op.max(a, b), value: (i, j, rng) => (i === 0 ? rng.uniform(-1, 1) : 0.05 + 0.3 * j) },
  { name: 'addN of three', shapes: [[2, 3], [2, 3], [3]], build: (a, b, c) => op.addN([a, b, c]) },
  { name: 'neg', shapes: [[3, 3]], build: (x) => op.neg(x) },
  { name: 'sqrt', shapes: [[3, 3]], build: (x) => op.sqrt(x), value: positive },
  { name: 'rsqrt', shapes: [[3, 3]], build: (x) => op.rsqrt(x), value: positive },
  { name: 'reciprocal', shapes: [[3, 3]], build: (x) => op.reciprocal(x), value: positive },
  { name: 'exp', shapes: [[3, 3]], build: (x) => op.exp(x) },
  { name: 'log', shapes: [[3, 3]], build: (x) => op.log(x), value: positive },
  { name: 'square', shapes: [[3, 3]], build: (x) => op.square(x) },
  { name: 'relu', shapes: [[4, 4]], build: (x) => op.relu(x), value: offZero },
  { name: 'tanh', shapes: [[4, 4]], build: (x) => op.tanh(x) },
  { name: 'sigmoid', shapes: [[4, 4]], build: (x) => op.sigmoid(x) },
  {
    name: 'matmul',
    shapes: [
      [3, 4],
      [4, 5],
    ],
    build: (a, b) => op.matmul(a, b),
  },
  {
    name: 'matmul transA',
    shapes: [
      [4, 3],
      [4, 5],
    ],
    build: (a, b) => op.matmul(a, b, true, false),
  },
  {
    name: 'matmul transB',
    shapes: [
      [3, 4],
      [5, 4],
    ],
    build: (a, b) => op.matmul(a, b, false, true),
  },
  {
    name: 'matmul transA transB',
    shapes: [
      [4, 3],
      [5, 4],
    ],
    build: (a, b) => op.matmul(a, b, true, true),
  },
  { name: 'sum over axis 0', shapes: [[4, 3]], build: (x) => op.sum(x, [0]) },
  { name: 'sum over all, keepdims', shapes: [[2, 3, 2]], build: (x) => op.sum(x, undefined, true) },
  { name: 'mean over axis 1, keepdims', shapes: [[4, 3]], build: (x) => op.mean(x, [1], true) },
  { name: 'mean over axes 0 and 2', shapes: [[2, 3, 4]], build: (x) => op.mean(x, [0, 2]) },
  { name: 'expand', shapes: [[1, 3]], build: (x) => op.expand(x, [4, 3]) },
  { name: 'reshape', shapes: [[2, 6]], build: (x) => op.reshape(x, [3, 4]) },
  { name: 'transpose', shapes: [[2, 3, 4]], build: (x) => op.transpose(x, [2, 0, 1]) },
  {
    name: 'concat',
    shapes: [
      [2, 3],
      [2, 1],
    ],
    build: (a, b) => op.concat([a, b], 1),
  },
  { name: 'softmax', shapes: [[3, 4]], build: (x) => op.softmax(x) },
  { name: 'logSoftmax', shapes: [[3, 4]], build: (x) => op.logSoftmax(x) },
  {
    name: 'conv2d 3x3, stride 1, padding 1',
    shapes: [
      [2, 3, 5, 5],
      [4, 3, 3, 3],
    ],
    build: (x, w) => conv.conv2d(x, w, { stride: 1, pad: 1 }),
  },
  {
    name: 'conv2d 3x3, stride 2, padding 1 (odd input)',
    shapes: [
      [2, 2, 7, 7],
      [3, 2, 3, 3],
    ],
    build: (x, w) => conv.conv2d(x, w, { stride: 2, pad: 1 }),
  },
  {
    name: 'conv2d 1x1, stride 2 (a projection)',
    shapes: [
      [1, 3, 6, 6],
      [2, 3, 1, 1],
    ],
    build: (x, w) => conv.conv2d(x, w, { stride: 2, pad: 0 }),
  },
  {
    name: 'convTranspose2d 3x3, stride 2, padding 1, output padding 1',
    shapes: [
      [2, 3, 4, 4],
      [3, 2, 3, 3],
    ],
    build: (y, w) => conv.convTranspose2d(y, w, { stride: 2, pad: 1 }, [8, 8]),
  },
  {
    name: 'convTranspose2d 3x3, stride 2, padding 1, no output padding',
    shapes: [
      [1, 2, 4, 4],
      [2, 3, 3, 3],
    ],
    build: (y, w) => conv.convTranspose2d(y, w, { stride: 2, pad: 1 }, [7, 7]),
  },
  { name: 'max pooling 2x2', shapes: [[2, 2, 4, 6]], build: (x) => conv.maxPool(x, 2) },
  { name: 'average pooling 2x2', shapes: [[2, 2, 4, 4]], build: (x) => conv.avgPool(x, 2) },
  { name: 'nearest upsampling 2x', shapes: [[1, 2, 3, 3]], build: (x) => conv.upsample(x, 2) },
  {
    name: 'per-channel bias and batch statistics over N, H, W',
    shapes: [[2, 3, 4, 4], [3]],
    build: (x, b) => op.sub(op.add(x, conv.perChannel(b)), op.mean(x, [0, 2, 3], true)),
  },
  { name: 'a chain sharing an input (two gradient paths)', shapes: [[3, 3]], build: (x) => op.mul(op.tanh(x), op.add(x, op.sum(x, [0]))) },
];
