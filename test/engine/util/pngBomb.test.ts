// Interlaced PNGs, written by hand (pngjs cannot write them): a good one
// decodes, one whose data inflates past what its header allows is refused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readGreyPng } from '../../../electron/engine/data/readPng';
import { decodeBoundedPng, interlacedBytes } from '../../../electron/engine/util/png';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('racecar-pngbomb-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit grey interlaced PNG whose image data is `raw` (filter bytes included), deflated. */
function interlacedPng(width: number, height: number, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  ihdr[12] = 1; // Adam7
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** The Adam7 passes of a grey image whose pixel (x, y) is x + 10 y, unfiltered. */
function passes(width: number, height: number): Buffer {
  const out: number[] = [];
  for (const [x0, y0, dx, dy] of [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ]) {
    if (x0 >= width || y0 >= height) continue;
    for (let y = y0; y < height; y += dy) {
      out.push(0);
      for (let x = x0; x < width; x += dx) out.push(x + 10 * y);
    }
  }
  return Buffer.from(out);
}

describe('interlaced PNGs', () => {
  it('decodes a good one', () => {
    const raw = passes(9, 7);
    expect(raw.length).toBe(interlacedBytes(9, 7, 8));
    const png = decodeBoundedPng(interlacedPng(9, 7, raw));
    expect([png.width, png.height]).toEqual([9, 7]);
    expect(png.data[4 * (3 + 9 * 5)]).toBe(3 + 50);
  });

  it('refuses a 28x28 one whose data inflates to 64 MiB, naming the bound', () => {
    const file = path.join(dir, 'bomb.png');
    fs.writeFileSync(file, interlacedPng(28, 28, Buffer.alloc(64 * 2 ** 20)));
    expect(fs.statSync(file).size).toBeLessThan(2 ** 20);
    const bound = interlacedBytes(28, 28, 8);
    expect(() => readGreyPng(file)).toThrow(`cannot read PNG ${file}: its image data inflates to more than the ${bound} bytes its 28x28 header allows`);
  });
});
