// The desktop package (electron-builder.yml) keeps ONNX Runtime loadable: the
// files its binding loads by path are unpacked from the asar archive, kept
// for this platform, and the binding loads from the packaged layout (a copy of
// the unpacked folder elsewhere) with its shared library found beside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp';

const ROOT = path.resolve(__dirname, '../..');
const ORT = path.join(ROOT, 'node_modules', 'onnxruntime-node');

interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  linux: { files?: string[] };
  mac: { files?: string[] };
  win: { files?: string[] };
}

const config = load(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const platformKey = ({ linux: 'linux', darwin: 'mac', win32: 'win' } as const)[process.platform as 'linux' | 'darwin' | 'win32'];
/** Matches as electron-builder does: patterns relative to the app folder, dot files included. */
const matches = (file: string, patterns: string[]) => patterns.some((p) => minimatch(file, p, { dot: true }));
const excluded = (file: string, patterns: string[]) => patterns.some((p) => p.startsWith('!') && minimatch(file, p.slice(1), { dot: true }));

/** The native files the binding of this platform loads, relative to the app folder. */
function nativeFiles(): string[] {
  const dir = path.join('node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);
  return fs.readdirSync(path.join(ROOT, dir)).map((f) => path.posix.join(...dir.split(path.sep), f));
}

describe('desktop package', () => {
  it('unpacks the ONNX Runtime binding and its libraries, and keeps this platform’s', () => {
    const files = nativeFiles();
    expect(files.some((f) => f.endsWith('onnxruntime_binding.node'))).toBe(true);
    expect(files.some((f) => /onnxruntime\.(so|dll|.*dylib)/.test(f))).toBe(true);
    for (const f of files) {
      expect(matches(f, config.asarUnpack), `${f} unpacked`).toBe(true);
      expect(excluded(f, config[platformKey].files ?? []), `${f} kept in the ${platformKey} package`).toBe(false);
    }
    // Other platforms' binaries stay out of this platform's package.
    const other = process.platform === 'linux' ? 'win32' : 'linux';
    expect(excluded(`node_modules/onnxruntime-node/bin/napi-v6/${other}/x64/onnxruntime_binding.node`, config[platformKey].files ?? [])).toBe(true);
  });

  it('loads the binding from the packaged layout (app.asar.unpacked, elsewhere on disk)', () => {
    // The binding's own require: ../bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node from dist/binding.js.
    const bindingJs = fs.readFileSync(path.join(ORT, 'dist', 'binding.js'), 'utf8');
    expect(bindingJs).toContain('../bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node');
    const unpacked = path.join(tempDir('racecar-pkg-'), 'resources', 'app.asar.unpacked');
    for (const f of nativeFiles()) {
      fs.mkdirSync(path.join(unpacked, path.dirname(f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(unpacked, f));
    }
    const fromDist = path.join(unpacked, 'node_modules', 'onnxruntime-node', 'dist');
    const target = path.resolve(fromDist, `../bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`);
    expect(fs.existsSync(target)).toBe(true);
    // dlopen resolves libonnxruntime beside the binding ($ORIGIN), not from node_modules.
    const mod = { exports: {} as Record<string, unknown> };
    process.dlopen(mod, target);
    expect(typeof mod.exports.InferenceSession).toBe('function');
    expect(typeof mod.exports.listSupportedBackends).toBe('function');
  });
});
