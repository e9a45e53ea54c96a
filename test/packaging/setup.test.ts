// A fresh clone's set-up: npm reads the repository's config without warnings
// (onnxruntime-node's install script is kept from fetching CUDA files by
// allowScripts, not by an .npmrc key npm will drop), and `npm start` without
// the Electron binary says so in one line, with no download stack before it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const electronDir = path.join(ROOT, 'node_modules', 'electron');
const electronInstalled = fs.existsSync(path.join(electronDir, 'path.txt'));

describe('set-up', () => {
  it('npm warns about no project config, and onnxruntime-node’s install script is declared off in allowScripts', () => {
    // Not this process's npm_config_* (npx passes the config it read on as variables): what npm reads from the repository.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
    const r = spawnSync('npm', ['config', 'get', 'registry'], { cwd: ROOT, encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown project config|will stop working/);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });

  // Where the binary is installed, `npm start` opens the desktop app instead: nothing to check here.
  it.skipIf(electronInstalled)(
    '`npm start` whose Electron download fails prints the one-line notice only, then serves browser mode',
    async () => {
      if (!fs.existsSync(path.join(ROOT, 'dist', 'electron', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npx tsc -p tsconfig.json first');
      // A download that cannot succeed, as offline: a closed port as the mirror and an empty cache.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        electron_config_cache: tempDir('racecar-electron-cache-'),
        RACECAR_WORKSPACE: tempDir('racecar-start-ws-'),
      };
      delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
      const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const served = new Promise<void>((resolve, reject) => {
        const read = (b: Buffer) => {
          out += b.toString();
          if (/browser mode\) at http/.test(out)) resolve();
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.on('exit', (code) => reject(new Error(`start.js exited (${code}) before serving:\n${out}`)));
      });
      try {
        await served;
      } finally {
        child.kill('SIGTERM');
      }
      const before = out.slice(0, out.indexOf('Racecar Workbench (browser mode)')).trim().split('\n');
      expect(before).toEqual(['Electron binary not installed (offline install, or its download failed): starting browser mode instead']);
    },
    60_000,
  );
});
