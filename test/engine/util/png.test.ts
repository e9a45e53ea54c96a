import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../../electron/engine/data/dataset';
import { encodeGreyPng, encodeRgbPng } from '../../../electron/engine/util/png';
import { readGreyPng } from '../../../electron/engine/data/readPng';
import { writeFileAtomic } from '../../../electron/engine/util/atomicWrite';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'png-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const roundTrip = (buf: Buffer) => {
  const f = path.join(dir, `${Math.random().toString(36).slice(2)}.png`);
  fs.writeFileSync(f, buf);
  return readGreyPng(f);
};

describe('encodeGreyPng', () => {
  it('maps lo..hi linearly to 0..255, clipping out-of-range values instead of wrapping and NaN to 0', () => {
    const img = roundTrip(encodeGreyPng([-10, 0, 127.5, 255, 300, NaN], 3, 2, 0, 255));
    expect(img.width).toBe(3);
    expect(img.height).toBe(2);
    expect(Array.from(img.data)).toEqual([0, 0, 128, 255, 255, 0]);
  });

  it('honours arbitrary ranges, including negative ones', () => {
    const img = roundTrip(encodeGreyPng(new Float32Array([-1, 0, 1, 2]), 2, 2, -1, 1));
    expect(Array.from(img.data)).toEqual([0, 128, 255, 255]);
  });

  it('stores a grey PNG and rejects a size that does not match the values', () => {
    const meta = PNG.sync.read(encodeGreyPng([1, 2, 3, 4], 2, 2, 0, 255));
    expect(meta.colorType).toBe(0);
    expect(() => encodeGreyPng([1, 2, 3], 2, 2, 0, 255)).toThrow(RangeError);
  });
});

describe('encodeRgbPng / readGreyPng', () => {
  it('keeps the colours; channel0 reads red, luminance weights coloured pixels and keeps grey ones exact', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 10, 20, 30, 77, 77, 77]);
    const buf = encodeRgbPng(rgb, 2, 2);
    const png = PNG.sync.read(buf);
    expect(Array.from(png.data.subarray(0, 8))).toEqual([255, 0, 0, 255, 0, 255, 0, 255]);
    const f = path.join(dir, 'c.png');
    fs.writeFileSync(f, buf);
    expect(Array.from(readGreyPng(f).data)).toEqual([255, 0, 10, 77]);
    const lum = readGreyPng(f, 'luminance').data;
    expect(lum[0]).toBeCloseTo(0.299 * 255, 3);
    expect(lum[1]).toBeCloseTo(0.587 * 255, 3);
    expect(lum[2]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 3);
    expect(lum[3]).toBe(77);
  });

  it('reads 16-bit grey PNGs as 0..255', () => {
    // pngjs packs 16-bit PNGs from native 16-bit RGBA samples.
    const png = new PNG({ width: 2, height: 1, bitDepth: 16 });
    png.data = Buffer.from(new Uint16Array([0, 0, 0, 65535, 200 * 257, 200 * 257, 200 * 257, 65535]).buffer);
    const f = path.join(dir, 'g16.png');
    fs.writeFileSync(f, PNG.sync.write(png, { colorType: 0, bitDepth: 16, inputColorType: 6 }));
    expect(fs.readFileSync(f)[24]).toBe(16); // IHDR bit depth
    expect(Array.from(readGreyPng(f).data)).toEqual([0, 200]);
  });

  it('reads palette PNGs through their palette', () => {
    // pngjs cannot write palette PNGs: build one by hand (2x1, 8-bit indices into a 2-colour palette).
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(body));
      return Buffer.concat([len, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(2, 0);
    ihdr.writeUInt32BE(1, 4);
    ihdr.set([8, 3, 0, 0, 0], 8);
    const f = path.join(dir, 'pal.png');
    fs.writeFileSync(
      f,
      Buffer.concat([
        Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
        chunk('IHDR', ihdr),
        chunk('PLTE', Buffer.from([40, 40, 40, 250, 250, 250])),
        chunk('IDAT', zlib.deflateSync(Buffer.from([0, 1, 0]))),
        chunk('IEND', Buffer.alloc(0)),
      ]),
    );
    expect(Array.from(readGreyPng(f).data)).toEqual([250, 40]);
  });

  it('throws a DataError naming the file for missing or corrupt files', () => {
    const bad = path.join(dir, 'bad.png');
    fs.writeFileSync(bad, 'not a png');
    expect(() => readGreyPng(bad)).toThrow(DataError);
    expect(() => readGreyPng(bad)).toThrow(bad);
    const missing = path.join(dir, 'missing.png');
    expect(() => readGreyPng(missing)).toThrow(missing);
  });
});

describe('writeFileAtomic', () => {
  it('writes and replaces files, leaving no temp files', () => {
    const f = path.join(dir, 'out.txt');
    writeFileAtomic(f, 'first');
    writeFileAtomic(f, Buffer.from('second'));
    expect(fs.readFileSync(f, 'utf8')).toBe('second');
    expect(fs.readdirSync(dir)).toEqual(['out.txt']);
  });

  it('removes its temp file and rethrows when the rename fails', () => {
    const target = path.join(dir, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'x'), 'x');
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });

  it('throws when the folder does not exist', () => {
    expect(() => writeFileAtomic(path.join(dir, 'no', 'such.txt'), 'x')).toThrow();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
