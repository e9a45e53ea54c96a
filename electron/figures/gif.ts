// The backward-pass evolution as an animated GIF: one frame per evaluation,
// the test inputs on top and their reverse-pass reconstructions below. The
// images are grey, so frames use one fixed 256-level grey palette (exact, no
// quantisation noise).
import { createCanvas } from '@napi-rs/canvas';
import { GIFEncoder } from 'gifenc';
import { figureFontFamily, fitText, setFont } from './canvas';
import type { RgbaImage } from './imageGrids';

export interface GifFrame {
  /** E.g. 'step 200'. */
  label: string;
  inputs: RgbaImage[];
  outputs: RgbaImage[];
}

export interface GifOptions {
  /** Upscaled image size in px (whole multiples of the image size); default ≈ 84 px. */
  cell?: number;
  delayMs?: number;
  /** Pause on the last frame. */
  lastDelayMs?: number;
  title?: string;
  fontFamily?: string;
}

const GREYS: number[][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);

export function backwardGif(frames: GifFrame[], opts: GifOptions = {}): Buffer {
  if (frames.length === 0) throw new RangeError('backwardGif: no frames');
  const n = Math.max(...frames.map((f) => Math.max(f.inputs.length, f.outputs.length)));
  if (n === 0) throw new RangeError('backwardGif: frames hold no images');
  const first = frames[0]!.inputs[0] ?? frames[0]!.outputs[0]!;
  const imgSize = Math.max(first.width, first.height);
  const scale = Math.max(1, Math.round((opts.cell ?? 84) / imgSize));
  const cell = imgSize * scale;
  const family = opts.fontFamily ?? figureFontFamily();
  const font = 13;
  const gap = 4;
  const pad = 8;
  const rowLabels = ['input', 'reverse pass'];
  const probe = createCanvas(10, 10).getContext('2d');
  setFont(probe, font, family);
  const labelW = Math.ceil(Math.max(...rowLabels.map((l) => probe.measureText(l).width))) + 10;
  const headH = font + 14;
  const width = 2 * pad + labelW + n * cell + (n - 1) * gap;
  const height = 2 * pad + headH + 2 * cell + gap;
  const gif = GIFEncoder();
  frames.forEach((f, fi) => {
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#111111';
    setFont(ctx, font, family, 'bold');
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    const head = opts.title ? `${opts.title}: ${f.label}` : f.label;
    ctx.fillText(fitText(ctx, head, width - 2 * pad), pad, pad + headH / 2 - 2);
    setFont(ctx, font, family);
    ctx.textAlign = 'right';
    ctx.fillStyle = '#444444';
    rowLabels.forEach((l, r) => ctx.fillText(l, pad + labelW - 8, pad + headH + r * (cell + gap) + cell / 2));
    ctx.imageSmoothingEnabled = false;
    [f.inputs, f.outputs].forEach((row, r) => {
      row.forEach((img, i) => {
        const src = createCanvas(img.width, img.height);
        const sctx = src.getContext('2d');
        const id = sctx.createImageData(img.width, img.height);
        id.data.set(img.data);
        sctx.putImageData(id, 0, 0);
        ctx.drawImage(src, pad + labelW + i * (cell + gap), pad + headH + r * (cell + gap), img.width * scale, img.height * scale);
      });
    });
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const index = new Uint8Array(width * height);
    for (let p = 0, q = 0; p < index.length; p++, q += 4) {
      index[p] = Math.round(0.299 * rgba[q]! + 0.587 * rgba[q + 1]! + 0.114 * rgba[q + 2]!);
    }
    const last = fi === frames.length - 1;
    gif.writeFrame(index, width, height, {
      palette: fi === 0 ? GREYS : undefined,
      delay: last ? (opts.lastDelayMs ?? 1500) : (opts.delayMs ?? 400),
      repeat: 0,
    });
  });
  gif.finish();
  return Buffer.from(gif.bytes());
}
