#!/usr/bin/env node
// `npm start` (after the build): the desktop app when the Electron binary is
// installed, else browser mode. The electron package (45) fetches its binary on
// first use, not at install: offline, or with ELECTRON_SKIP_BINARY_DOWNLOAD=1,
// there is none and browser mode starts instead.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function electronBinary() {
  let dir;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  // Where the electron package records its downloaded binary (path.txt, relative to dist/).
  const installed = () => {
    try {
      const p = path.join(dir, 'dist', fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim());
      return fs.existsSync(p) ? p : null;
    } catch {
      return null;
    }
  };
  const found = installed();
  if (found || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return found;
  // What require('electron') would do on first use, with its output kept: offline,
  // its stack ("TypeError: fetch failed") is noise before the one-line notice below.
  const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  return r.status === 0 ? installed() : null;
}

function needBuilt(file) {
  if (fs.existsSync(path.join(root, file))) return;
  console.error(`${file} is missing: run npm run build first`);
  process.exit(1);
}

const binary = electronBinary();
const extra = process.argv.slice(2);
let command;
let args;
const env = { ...process.env };
if (binary) {
  needBuilt('dist/electron/main/main.js');
  command = binary;
  args = ['.', ...extra];
  // Set by some parent tools; it would make Electron run as plain Node instead of opening the app.
  delete env.ELECTRON_RUN_AS_NODE;
} else {
  console.log('Electron binary not installed (offline install, or its download failed): starting browser mode instead');
  needBuilt('dist/electron/cli/main.js');
  command = process.execPath;
  args = [path.join(root, 'dist', 'electron', 'cli', 'main.js'), 'serve', ...extra];
}

const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
child.on('error', (e) => {
  console.error(`cannot start ${command}: ${e.message}`);
  process.exit(1);
});
// Ctrl+C reaches the child through the terminal's process group; forward
// signals sent to this process alone (e.g. `kill`) so the child can shut down cleanly.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  });
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
