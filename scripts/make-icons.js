#!/usr/bin/env node
// `npm run icons`: every app icon electron-builder needs, rendered from
// resources/icon.svg: icon.png (1024), icons/<n>x<n>.png (Linux), icon.ico
// (Windows) and icon.icns (macOS). The outputs are committed; run this after
// changing the SVG. `node scripts/make-icons.js <dir>` writes elsewhere.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Resvg } = require('@resvg/resvg-js');
const { IconIco, IconIcns } = require('@shockpkg/icon-encoder');

const root = path.resolve(__dirname, '..');
const svg = fs.readFileSync(path.join(root, 'resources', 'icon.svg'));

const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// ICNS types and their pixel sizes (the @2x types are twice the size they name).
const ICNS = [
  ['ic04', 16],
  ['ic05', 32],
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic13', 256],
  ['ic09', 512],
  ['ic14', 512],
  ['ic10', 1024],
];

const renders = new Map();
function png(size) {
  if (!renders.has(size)) renders.set(size, new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng());
  return renders.get(size);
}

async function main(out) {
  fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
  fs.writeFileSync(path.join(out, 'icon.png'), png(1024));
  for (const n of LINUX_SIZES) fs.writeFileSync(path.join(out, 'icons', `${n}x${n}.png`), png(n));
  const ico = new IconIco();
  for (const n of [...ICO_SIZES].reverse()) await ico.addFromPng(png(n), n >= 64); // PNG entries for the large sizes, BMP for the small ones (old readers)
  fs.writeFileSync(path.join(out, 'icon.ico'), ico.encode());
  const icns = new IconIcns();
  icns.toc = true;
  for (const [type, n] of ICNS) await icns.addFromPng(png(n), [type]);
  fs.writeFileSync(path.join(out, 'icon.icns'), icns.encode());
}

main(path.resolve(process.argv[2] ?? path.join(root, 'resources'))).catch((e) => {
  console.error(`make-icons: ${e.message}`);
  process.exit(1);
});
