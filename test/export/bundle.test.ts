// Figure bundles of real runs (784-16-2 on the peak data, 40 steps): every
// file present and valid, data equal to the run store's, and atomic: errors and
// cancellation leave nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../electron/engine/store/runStore';
import { metricsPath } from '../../electron/engine/store/layout';
import { ExportCancelledError, ExportError, FIGURE_NAMES, exportBundle, type ExportProgress } from '../../electron/export/bundle';
import { MANIFEST_NAME, parseManifest, sha256, verifyBundleDir } from '../../electron/export/manifest';
import { zipEntryNames } from '../../electron/export/target';
import { parseRunConfig } from '../../electron/engine/config/schema';
import type { RunRecord } from '../../electron/engine/types';
import { tempDir } from '../helpers/tmp';
import { filesUnder, parseCsv, parseSvg, pngInfo, trainSmall } from './helpers';

let store: RunStore;
let rr: RunRecord;
let std: RunRecord;

beforeAll(async () => {
  store = new RunStore(tempDir('racecar-export-ws-'));
  rr = await trainSmall(store, 'peak RR', { lambda: 1e-6 });
  std = await trainSmall(store, 'peak Std', { lambdaOrt: 0.1 });
});

const PER_RUN = ['loss', 'accuracy', 'recon', 'spectrum', 'backward-grid', 'vectors'];

function expectedFiles(runs: RunRecord[]): string[] {
  const files = ['MANIFEST.sha256', 'README.md', 'metrics.csv', 'metrics.json', 'reproduce.sh', 'figures/comparison.png', 'figures/comparison.svg'];
  for (const r of runs) {
    files.push(`configs/${r.id}.json`, `figures/${r.id}/backward.gif`);
    for (const f of PER_RUN) files.push(`figures/${r.id}/${f}.png`, `figures/${r.id}/${f}.svg`);
  }
  if (runs.length > 1) for (const f of ['loss', 'accuracy', 'recon', 'spectrum']) files.push(`figures/overlay-${f}.png`, `figures/overlay-${f}.svg`);
  return files.sort();
}

/** Nothing but `keep` in the folder: no target, no temporary folder or zip. */
function expectOnly(dir: string, keep: string[] = []): void {
  expect(fs.readdirSync(dir).sort()).toEqual([...keep].sort());
}

describe('exportBundle to a folder', () => {
  let out: string;
  let files: string[];
  let progress: ExportProgress[];

  beforeAll(async () => {
    const parent = tempDir('racecar-export-');
    out = path.join(parent, 'bundle');
    progress = [];
    const r = await exportBundle({ store, runIds: [rr.id, std.id], out, onProgress: (p) => progress.push(p) });
    expect(r.out).toBe(out);
    expect(r.notes).toEqual([]);
    files = r.files;
    expectOnly(parent, ['bundle']);
  });

  it('holds every figure, the data, configs, README, reproduce.sh and the manifest', () => {
    expect(files).toEqual(expectedFiles([rr, std]));
    expect(filesUnder(out)).toEqual(files);
    expect(fs.statSync(path.join(out, 'reproduce.sh')).mode & 0o111).not.toBe(0);
  });

  it('every PNG is 4x3 in at 300 dpi (1200x900, pHYs 300 dpi) and drawn', () => {
    const pngs = files.filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBe(2 * PER_RUN.length + 1 + 4);
    for (const f of pngs) {
      const info = pngInfo(fs.readFileSync(path.join(out, f)));
      expect([f, info.width, info.height]).toEqual([f, 1200, 900]);
      expect([f, info.phys]).toEqual([f, { x: 11811, y: 11811, unit: 1 }]);
      expect(info.variance, f).toBeGreaterThan(0);
      expect(info.nonBackground, f).toBeGreaterThan(0.005);
    }
  });

  it('every SVG is well-formed XML with the physical size', () => {
    for (const f of files.filter((x) => x.endsWith('.svg'))) {
      const p = parseSvg(fs.readFileSync(path.join(out, f), 'utf8'));
      expect([f, p.root, p.attrs.width, p.attrs.height]).toEqual([f, 'svg', '4in', '3in']);
    }
  });

  it('the GIF animates one frame per evaluation', () => {
    const gif = fs.readFileSync(path.join(out, `figures/${rr.id}/backward.gif`));
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    let frames = 0;
    for (let i = 0; i + 1 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9) frames++;
    expect(frames).toBeGreaterThanOrEqual(rr.backwardSteps.length);
  });

  it('the manifest lists every other file with its SHA-256', () => {
    const m = parseManifest(fs.readFileSync(path.join(out, 'MANIFEST.sha256'), 'utf8'));
    expect([...m.keys()].sort()).toEqual(files.filter((f) => f !== 'MANIFEST.sha256'));
    for (const [f, h] of m) expect(sha256(fs.readFileSync(path.join(out, f)))).toBe(h);
    expect(verifyBundleDir(out)).toEqual([]);
  });

  it('metrics.csv agrees with metrics.jsonl value for value, as written', () => {
    const rows = parseCsv(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8'));
    const header = rows[0]!;
    const col = (name: string) => header.indexOf(name);
    let i = 1;
    for (const run of [rr, std]) {
      const lines = fs.readFileSync(metricsPath(store.workspace, run.id), 'utf8').trim().split('\n');
      for (const line of lines) {
        // The raw text of every number in the JSON line, by field.
        const j = JSON.parse(line);
        const text = (v: unknown) => (v === null ? 'NaN' : JSON.stringify(v));
        const row = rows[i++]!;
        expect(row[col('run_id')]).toBe(run.id);
        expect(row[col('run_name')]).toBe(run.name);
        const expected: [string, unknown][] = [
          ['step', j.step],
          ['epoch', j.epoch],
          ['elapsed', j.elapsed],
          ['steps_per_sec', j.stepsPerSec],
          ['loss_total', j.loss.total],
          ['loss_ce', j.loss.ce],
          ['loss_ort', j.loss.ort],
          ['train_accuracy', j.trainAccuracy],
          ['test_accuracy', j.testAccuracy],
          ...j.loss.rr.map((v: unknown, k: number) => [`loss_rr_${k + 1}`, v] as [string, unknown]),
          ...j.testRecon.map((v: unknown, k: number) => [`test_recon_${k + 1}`, v] as [string, unknown]),
        ];
        for (const [name, v] of expected) {
          expect(col(name), name).toBeGreaterThanOrEqual(0);
          expect([name, row[col(name)]]).toEqual([name, text(v)]);
          expect(Number(row[col(name)])).toBe(v === null ? NaN : v);
        }
      }
    }
    expect(rows.length).toBe(i);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(json.runs.map((r: { id: string }) => r.id)).toEqual([rr.id, std.id]);
    expect(json.runs[0].metrics).toEqual(store.readMetrics(rr.id));
    expect(json.runs[0].pid).toBeUndefined();
  });

  it('configs are the complete run configs (seed, data, training) and reproduce.sh trains each', () => {
    for (const run of [rr, std]) {
      const cfg = JSON.parse(fs.readFileSync(path.join(out, 'configs', `${run.id}.json`), 'utf8'));
      expect(cfg).toEqual(run.config);
      expect(parseRunConfig(cfg)).toEqual(run.config);
      expect(cfg.seed).toBe(5);
    }
    const sh = fs.readFileSync(path.join(out, 'reproduce.sh'), 'utf8');
    for (const run of [rr, std]) expect(sh).toContain(`train --config "$here"/'configs/${run.id}.json' --workspace "$workspace"`);
    expect(sh).toContain('RACECAR_BACKEND="${RACECAR_BACKEND:-');
    // ONNX Runtime's bits depend on its thread count: the script pins the one the run used.
    if (rr.backend === 'onnx') expect(sh).toContain(`RACECAR_ONNX_THREADS="\${RACECAR_ONNX_THREADS:-${rr.versions.onnxThreads}}"`);
  });

  it('the README captions every figure and records versions and backends', () => {
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    for (const f of files.filter((x) => x.startsWith('figures/'))) expect(readme).toContain(`\`${f}\``);
    // Every version the run recorded (tfjs or onnxruntime and its thread count, ...).
    for (const [k, v] of Object.entries(rr.versions)) expect(readme).toContain(`${k} ${v}`);
    expect(readme).toContain(`Node ${process.versions.node}`);
    expect(readme).toContain(`backend ${rr.backend}`);
    expect(readme).toMatch(/layer 1 \(λ_RR=0\.000001\)|layer 1 \(λ_RR=1e-6\)/);
    expect(readme).toContain('sha256sum -c MANIFEST.sha256');
  });

  it('reports progress up to done = total', () => {
    expect(progress.length).toBeGreaterThan(10);
    const last = progress[progress.length - 1]!;
    expect(last.done).toBe(last.total);
    for (let k = 1; k < progress.length; k++) expect(progress[k]!.done).toBeGreaterThanOrEqual(progress[k - 1]!.done);
  });
});

describe('exportBundle to a zip', () => {
  it('lists every entry, hashes match the bytes, options are applied', async () => {
    const parent = tempDir('racecar-export-zip-');
    const out = path.join(parent, 'figs.zip');
    const size = { width: 1000, height: 800, unit: 'px' as const, dpi: 200 };
    const r = await exportBundle({ store, runIds: [rr.id], out, ...size, colormap: 'grey', vectorOrder: 'alignment', background: 'transparent' });
    expectOnly(parent, ['figs.zip']);
    const entries = unzipSync(new Uint8Array(fs.readFileSync(out)));
    expect(Object.keys(entries).sort()).toEqual(expectedFiles([rr]));
    expect(r.files).toEqual(expectedFiles([rr]));
    const m = parseManifest(Buffer.from(entries['MANIFEST.sha256']!).toString('utf8'));
    expect(m.size).toBe(r.files.length - 1);
    for (const [f, h] of m) expect(sha256(entries[f]!)).toBe(h);
    for (const f of r.files.filter((x) => x.endsWith('.png'))) {
      const info = pngInfo(Buffer.from(entries[f]!));
      expect([f, info.width, info.height, info.phys?.x]).toEqual([f, 1000, 800, Math.round(200 / 0.0254)]);
      expect(info.transparent, f).toBeGreaterThan(0);
    }
    const readme = Buffer.from(entries['README.md']!).toString('utf8');
    expect(readme).toContain('grey colour map ordered by alignment');
  });

  it('replaces an existing zip only with overwrite, and only when it is itself a bundle', async () => {
    const parent = tempDir('racecar-export-zip-');
    const out = path.join(parent, 'figs.zip');
    await exportBundle({ store, runIds: [rr.id], out, figures: [] });
    const before = fs.readFileSync(out);
    await expect(exportBundle({ store, runIds: [rr.id], out, figures: ['loss'] })).rejects.toThrow(/already exists: choose another --out, or pass --force/);
    expect(fs.readFileSync(out).equals(before)).toBe(true);
    await exportBundle({ store, runIds: [rr.id], out, figures: ['loss'], overwrite: true });
    expect(Object.keys(unzipSync(new Uint8Array(fs.readFileSync(out))))).toContain(`figures/${rr.id}/loss.png`);
    expectOnly(parent, ['figs.zip']);

    // A zip the user owns (a thesis, a data set) is never replaced, nor a file that is not a zip.
    const thesis = path.join(parent, 'thesis.zip');
    fs.writeFileSync(thesis, zipSync({ 'thesis.tex': strToU8('\\documentclass{article}'), 'README.md': strToU8('mine') }));
    const notZip = path.join(parent, 'notes.zip');
    fs.writeFileSync(notZip, 'plain text');
    for (const f of [thesis, notZip]) {
      const bytes = fs.readFileSync(f);
      await expect(exportBundle({ store, runIds: [rr.id], out: f, figures: [], overwrite: true })).rejects.toThrow(
        /exists and is not a figure bundle \(it holds no MANIFEST.sha256\): refusing to replace it, choose another --out/,
      );
      expect(fs.readFileSync(f).equals(bytes)).toBe(true);
    }
    expectOnly(parent, ['figs.zip', 'notes.zip', 'thesis.zip']);
  });

  it('reads the entry names of a zip from its central directory, also behind a comment', () => {
    const parent = tempDir('racecar-export-zip-');
    const f = path.join(parent, 'a.zip');
    const zipped = zipSync({ 'x/y.txt': strToU8('1'), [MANIFEST_NAME]: strToU8('') });
    fs.writeFileSync(f, zipped);
    expect(zipEntryNames(f)?.sort()).toEqual([MANIFEST_NAME, 'x/y.txt']);
    // The same archive with a 300-byte archive comment: the end record moves.
    const withComment = Buffer.concat([Buffer.from(zipped), Buffer.alloc(300, 0x41)]);
    withComment.writeUInt16LE(300, zipped.length - 2);
    fs.writeFileSync(f, withComment);
    expect(zipEntryNames(f)?.sort()).toEqual([MANIFEST_NAME, 'x/y.txt']);
    fs.writeFileSync(f, Buffer.from(zipped).subarray(0, zipped.length - 30));
    expect(zipEntryNames(f)).toBeNull();
  });
});

describe('exportBundle options', () => {
  it('only the figures asked for; a folder bundle is replaced with overwrite, other folders never', async () => {
    const parent = tempDir('racecar-export-opt-');
    const out = path.join(parent, 'b');
    const r = await exportBundle({ store, runIds: [rr.id], out, figures: ['loss', 'comparison'], formats: ['svg'] });
    expect(r.files.filter((f) => f.startsWith('figures/'))).toEqual([`figures/${rr.id}/loss.svg`, 'figures/comparison.svg']);
    const again = await exportBundle({ store, runIds: [rr.id], out, figures: [], overwrite: true });
    expect(again.files.some((f) => f.startsWith('figures/'))).toBe(false);
    expectOnly(parent, ['b']);
    const plain = path.join(parent, 'plain');
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, 'precious.txt'), 'x');
    await expect(exportBundle({ store, runIds: [rr.id], out: plain, overwrite: true })).rejects.toThrow(
      /exists and is not a figure bundle \(it holds no MANIFEST.sha256\): refusing to replace it/,
    );
    expect(fs.readdirSync(plain)).toEqual(['precious.txt']);
  });

  it('a run without checkpoint or backward images: those figures are left out with a note', async () => {
    const cfg = parseRunConfig({ name: 'bare', network: { layers: [{ units: 4 }, { units: 2, activation: 'linear' }] } });
    const bare = store.createRun(cfg, { totalSteps: 10, backend: 'cpu', versions: {} });
    store.appendMetrics(bare.id, {
      step: 0,
      epoch: 0,
      elapsed: 0,
      stepsPerSec: 0,
      loss: { total: 1, ce: 1, rr: [0, 0], ort: 0 },
      trainAccuracy: 0.5,
      testAccuracy: 0.5,
      testRecon: [1, 2],
    });
    store.finishRun(bare.id, 'cancelled');
    const parent = tempDir('racecar-export-bare-');
    const r = await exportBundle({ store, runIds: [bare.id], out: path.join(parent, 'b') });
    expect(r.files).toContain(`figures/${bare.id}/loss.png`);
    expect(r.files.some((f) => /vectors|spectrum|backward|comparison/.test(f))).toBe(false);
    expect(r.notes.join('\n')).toMatch(/spectrum of bare .* left out: it has no checkpoint yet/);
    expect(r.notes.join('\n')).toMatch(/backward-grid of bare .* left out/);
    const readme = fs.readFileSync(path.join(parent, 'b', 'README.md'), 'utf8');
    expect(readme).toContain('## Notes');
    expect(readme).toContain('bare was cancelled at step 0 of 10: reproduce.sh trains its full config');
    store.delete(bare.id, { force: true });
  });
});

describe('exportBundle errors and cancellation leave nothing behind', () => {
  async function fails(opts: Partial<Parameters<typeof exportBundle>[0]>, message: RegExp, parent = tempDir('racecar-export-err-')) {
    const out = path.join(parent, 'bundle.zip');
    const err = await exportBundle({ store, runIds: [rr.id], out, ...opts }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExportError);
    const m = (err as Error).message;
    expect(m).toMatch(message);
    expect(m.split('\n')).toHaveLength(1);
    expectOnly(parent);
    return m;
  }

  it('a run that does not exist: names the run and how to list runs', async () => {
    await fails({ runIds: [rr.id, '20250101-000000-missing-abcd'] }, /run "20250101-000000-missing-abcd" not found in .*: list the run ids with racecar runs/);
    await fails({ runIds: ['not an id'] }, /^invalid run id "not an id": expected .*: list the run ids with racecar runs/);
    await fails({ runIds: [] }, /no run given/);
  });

  it('an unknown figure, colour map or size: names it and lists the choices', async () => {
    await fails({ figures: ['loss', 'histogram'] }, new RegExp(`unknown figure 'histogram': use ${FIGURE_NAMES.join(', ')}`));
    await fails({ colormap: 'viridis' }, /unknown colormap 'viridis': use diverging or grey/);
    await fails({ background: 'black' }, /unknown background 'black': use white or transparent/);
    await fails({ dpi: 10 }, /dpi 10 is out of range/);
    await fails({ width: 0.5 }, /too small for readable labels/);
    await fails({ formats: ['pdf'] }, /unknown figure format 'pdf'/);
  });

  it('an output under a regular file (not writable): names the path', async () => {
    const parent = tempDir('racecar-export-err-');
    const file = path.join(parent, 'a-file');
    fs.writeFileSync(file, 'x');
    for (const out of [path.join(file, 'sub'), path.join(file, 'deeper', 'b.zip')]) {
      const err = await exportBundle({ store, runIds: [rr.id], out }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExportError);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/is a file, not a folder|a part of the path is a file/);
      expect((err as Error).message).toMatch(/choose another --out/);
    }
    expectOnly(parent, ['a-file']);
  });

  it('a target whose folder cannot be created (/proc/nope): one line at once, nothing created, no spinning mkdir', async () => {
    const started = performance.now();
    const err = await exportBundle({ store, runIds: [rr.id], out: '/proc/nope/x.zip' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toBe('cannot write the bundle to /proc/nope/x.zip: /proc/nope cannot be created there: choose another --out');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(fs.existsSync('/proc/nope')).toBe(false);
  });

  it('speaks the words of the app when asked: tick "replace it", choose another target', async () => {
    const parent = tempDir('racecar-export-words-');
    const out = path.join(parent, 'b.zip');
    fs.writeFileSync(out, 'x');
    await expect(exportBundle({ store, runIds: [rr.id], out, wording: 'app' })).rejects.toThrow(
      `${out} already exists: choose another target, or tick "replace it if it exists" to replace it`,
    );
    await expect(exportBundle({ store, runIds: [], out, wording: 'app' })).rejects.toThrow('no run given: select one or more runs in the runs list');
    const err = await exportBundle({ store, runIds: [rr.id], out: '/proc/nope/b', wording: 'app' }).catch((e: Error) => e.message);
    expect(err).toMatch(/: choose another target$/);
    expect(err).not.toMatch(/--/);
  });

  it('a missing parent folder is created, and removed again when the export fails', async () => {
    const parent = tempDir('racecar-export-err-');
    const out = path.join(parent, 'x', 'y', 'b');
    const ok = await exportBundle({ store, runIds: [rr.id], out, figures: ['loss'] });
    expect(fs.existsSync(path.join(ok.out, 'README.md'))).toBe(true);
    const ctl = new AbortController();
    const out2 = path.join(parent, 'p', 'q', 'b2.zip');
    await expect(
      exportBundle({ store, runIds: [rr.id], out: out2, signal: ctl.signal, onProgress: (p) => p.done === 1 && ctl.abort() }),
    ).rejects.toBeInstanceOf(ExportCancelledError);
    expectOnly(parent, ['x']);
  });

  it('an aborted export (before the start, midway, at the end) leaves nothing', async () => {
    for (const at of [-1, 2, 'manifest', 'zip', 'rename into place'] as const) {
      for (const target of ['b', 'b.zip']) {
        const parent = tempDir('racecar-export-abort-');
        const ctl = new AbortController();
        if (at === -1) ctl.abort();
        const p = exportBundle({
          store,
          runIds: [rr.id],
          out: path.join(parent, target),
          signal: ctl.signal,
          onProgress: (x) => {
            if (x.done === at || x.label === at) ctl.abort();
          },
        });
        if (at === 'zip' && target === 'b') {
          await p; // a folder export has no zip step: it completes
          continue;
        }
        await expect(p).rejects.toBeInstanceOf(ExportCancelledError);
        await expect(p).rejects.toThrow(/export cancelled: nothing was written/);
        expectOnly(parent);
      }
    }
  });
});
