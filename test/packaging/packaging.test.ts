// The packaging config: electron-builder.yml as electron-builder itself loads
// and validates it, the Electron fuses, the deb and desktop metadata, what is
// left out of the app, and every icon file it names (rendered by
// scripts/make-icons.js from resources/icon.svg, reproducibly).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

interface BuilderConfig {
  files: (string | { filter: string[] })[];
  electronFuses: Record<string, boolean>;
  directories: { buildResources: string };
  linux: { icon: string; category: string; maintainer: string; synopsis: string; desktop: { entry: Record<string, string> }; target: string[] };
  mac: { icon: string };
  win: { icon: string };
}

// electron-builder's own loader and schema validator (it rejects unknown or mistyped keys).
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(dir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  author?: { name?: string; email?: string };
  description?: string;
  license?: string;
  devDependencies: Record<string, string>;
};
let cfg: BuilderConfig;

beforeAll(async () => {
  cfg = await getConfig(ROOT, null, null);
});

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema validation, which does reject a wrong key', async () => {
    await expect(validateConfiguration(cfg, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...cfg, electronFuses: { ...cfg.electronFuses, runAsNod: false } }, new DebugLogger(false))).rejects.toThrow(
      /Invalid configuration object[^]*configuration\.electronFuses/,
    );
  });

  it('flips the Electron fuses of the security checklist', () => {
    expect(cfg.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
    // With RunAsNode off, child_process.fork cannot start the app's binary as Node: training uses utilityProcess.
    const main = fs.readFileSync(path.join(ROOT, 'electron/main/app.ts'), 'utf8');
    expect(main).toMatch(/spawnUtilityChild/);
    expect(main).not.toMatch(/child_process|forkTrainingProcess/);
  });

  it('has what the deb target and Linux desktops need: author, maintainer, synopsis, a .desktop category', () => {
    expect(pkg.author?.name).toBeTruthy();
    expect(pkg.author?.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    expect(pkg.description).toBeTruthy();
    expect(pkg.license).toBe('MIT');
    expect(cfg.linux.target).toContain('deb');
    expect(cfg.linux.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(cfg.linux.synopsis).toBeTruthy();
    expect(cfg.linux.category).toBe('Science');
    // freedesktop menu spec: main categories, ';'-terminated.
    expect(cfg.linux.desktop.entry.Categories).toMatch(/^(?:[A-Za-z]+;)+$/);
    expect(cfg.linux.desktop.entry.Categories.split(';')).toContain('Science');
  });

  it('ships neither the benchmark nor source maps nor tests', () => {
    // electron-builder normalises the list into file sets ({ filter: [...] }).
    const patterns = cfg.files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
    expect(patterns).toEqual(expect.arrayContaining(['dist/**', 'package.json', '!dist/bench/**', '!**/*.map', '!dist/**/*.test.js']));
    // They exist in a build, so the exclusions matter.
    expect(fs.existsSync(path.join(ROOT, 'dist/bench/bench.js'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'dist/electron/main/main.js.map'))).toBe(true);
  });

  it('every file it names exists: the icons for Linux, macOS and Windows', () => {
    expect(fs.statSync(path.join(ROOT, cfg.directories.buildResources)).isDirectory()).toBe(true);
    const linux = path.join(ROOT, cfg.linux.icon);
    const sizes = fs
      .readdirSync(linux)
      .map((f) => /^(\d+)x\1\.png$/.exec(f)?.[1])
      .map(Number);
    expect(sizes.sort((a, b) => a - b)).toEqual([16, 24, 32, 48, 64, 128, 256, 512]);
    for (const n of sizes) {
      const png = PNG.sync.read(fs.readFileSync(path.join(linux, `${n}x${n}.png`)));
      expect([png.width, png.height]).toEqual([n, n]);
    }
    const big = PNG.sync.read(fs.readFileSync(path.join(ROOT, 'resources/icon.png')));
    expect([big.width, big.height]).toEqual([1024, 1024]);

    const icns = fs.readFileSync(path.join(ROOT, cfg.mac.icon));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let off = 8; off < icns.length; off += icns.readUInt32BE(off + 4)) types.push(icns.toString('latin1', off, off + 4));
    expect(types).toEqual(expect.arrayContaining(['ic07', 'ic08', 'ic09', 'ic10']));

    const ico = fs.readFileSync(path.join(ROOT, cfg.win.icon));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const entries = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + 16 * i] || 256);
    expect(entries.sort((a, b) => a - b)).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('the icons are what scripts/make-icons.js renders from resources/icon.svg', () => {
    const out = tempDir('racecar-icons-');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/make-icons.js'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = ['icon.png', 'icon.ico', 'icon.icns', ...fs.readdirSync(path.join(out, 'icons')).map((f) => `icons/${f}`)];
    expect(files).toHaveLength(11);
    for (const f of files) expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(ROOT, 'resources', f))), f).toBe(true);
  });

  it('uses one Electron: package.json and the installed package agree', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
    expect(pkg.devDependencies.electron).toBe(`^${installed.version}`);
  });
});
