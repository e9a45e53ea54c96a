// Shared by the export tests: small real runs and checks of produced files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { DOMParser } from '@xmldom/xmldom';
import type { RunConfigInput } from '../../electron/engine/config/schema';
import type { RunStore } from '../../electron/engine/store/runStore';
import { trainToEnd } from '../../electron/engine/train/trainer';
import type { RunRecord } from '../../electron/engine/types';

/** 784-16-2 on the peak data: 40 steps, evaluations every 10, checkpoints every 20. */
export function smallConfig(name: string, over: { lambda?: number; lambdaOrt?: number; seed?: number } = {}): RunConfigInput {
  const lambda = over.lambda ?? 0;
  return {
    name,
    seed: over.seed ?? 5,
    data: { source: { kind: 'peak', trainPerClass: 20, testPerClass: 4 }, scale: 'raw' },
    network: {
      layers: [
        { units: 16, activation: 'relu', batchNorm: true, lambda },
        { units: 2, activation: 'linear', batchNorm: false, lambda },
      ],
    },
    loss: { lambdaOrt: over.lambdaOrt ?? 0 },
    training: { steps: 40, evalEvery: 10, checkpointEvery: 20, backwardSamples: 4, batchSize: 0, optimizer: { kind: 'adam', learningRate: 1e-3 } },
  };
}

export async function trainSmall(store: RunStore, name: string, over: Parameters<typeof smallConfig>[1] = {}): Promise<RunRecord> {
  const run = await trainToEnd(smallConfig(name, over), { store });
  if (run.status !== 'completed') throw new Error(`training ${name} ended ${run.status}: ${run.error ?? ''}`);
  return run;
}

export interface PngInfo {
  width: number;
  height: number;
  /** pHYs pixels per metre (x) and unit (1 = metre), or null when absent. */
  phys: { x: number; y: number; unit: number } | null;
  /** Variance of the luminance over all pixels. */
  variance: number;
  /** Share of pixels that differ from the top-left pixel (the background). */
  nonBackground: number;
  /** Share of fully transparent pixels. */
  transparent: number;
}

export function pngInfo(buf: Buffer): PngInfo {
  expectPngSignature(buf);
  let phys: PngInfo['phys'] = null;
  for (let off = 8; off < buf.length;) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'pHYs') phys = { x: buf.readUInt32BE(off + 8), y: buf.readUInt32BE(off + 12), unit: buf[off + 16]! };
    off += 12 + len;
  }
  const png = PNG.sync.read(buf);
  const d = png.data;
  const n = png.width * png.height;
  let sum = 0;
  let sum2 = 0;
  let differ = 0;
  let clear = 0;
  for (let i = 0; i < n; i++) {
    const j = 4 * i;
    const l = 0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!;
    sum += l;
    sum2 += l * l;
    if (d[j] !== d[0] || d[j + 1] !== d[1] || d[j + 2] !== d[2] || d[j + 3] !== d[3]) differ++;
    if (d[j + 3] === 0) clear++;
  }
  const mean = sum / n;
  return { width: png.width, height: png.height, phys, variance: sum2 / n - mean * mean, nonBackground: differ / n, transparent: clear / n };
}

function expectPngSignature(buf: Buffer): void {
  if (buf.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
}

/** Parses with a strict XML parser: any warning or error throws. Returns the root element's name and attributes. */
export function parseSvg(text: string): { root: string; attrs: Record<string, string>; elements: number } {
  const fail = (level: string) => (m: string) => {
    throw new Error(`SVG ${level}: ${m}`);
  };
  const doc = new DOMParser({ errorHandler: { warning: fail('warning'), error: fail('error'), fatalError: fail('fatal error') } }).parseFromString(
    text,
    'image/svg+xml',
  );
  const root = doc.documentElement;
  if (!root) throw new Error('SVG has no root element');
  const attrs: Record<string, string> = {};
  for (let i = 0; i < root.attributes.length; i++) {
    const a = root.attributes.item(i)!;
    attrs[a.name] = a.value;
  }
  return { root: root.nodeName, attrs, elements: doc.getElementsByTagName('*').length };
}

/** Every file under dir, relative with '/' separators, sorted. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** Minimal RFC 4180 reader (quoted fields, doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
