// Figure bundles through the engine service: the export runs on a worker
// thread (the compiled exportThread.js: build first), streams progress as
// events, is cancellable, and refuses bad requests before writing anything.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequest, type EngineEvent } from '../../../electron/contract/contract';
import { FIGURE_NAMES } from '../../../electron/export/options';
import { RunStore } from '../../../electron/engine/store/runStore';
import type { RunRecord } from '../../../electron/engine/types';
import { createEngineService, type EngineService } from '../../../electron/host/service';
import { tempDir } from '../../helpers/tmp';
import { pngInfo, trainSmall } from '../../export/helpers';

let workspace: string;
let service: EngineService;
let rr: RunRecord;
let std: RunRecord;

type Progress = Extract<EngineEvent, { type: 'export.progress' }>;

function progressEvents(s: EngineService): Progress[] {
  const got: Progress[] = [];
  s.onEvent((e) => e.type === 'export.progress' && got.push(e));
  return got;
}

beforeAll(async () => {
  workspace = tempDir('racecar-svc-export-');
  const store = new RunStore(workspace);
  rr = await trainSmall(store, 'peak RR', { lambda: 1e-6 });
  std = await trainSmall(store, 'peak Std');
  service = createEngineService({ workspace, mode: 'browser' });
});

afterAll(async () => {
  await service?.close();
});

describe('export through the engine service', () => {
  it('suggests a zip in the workspace and lists every figure', async () => {
    const d = await service.handle('export.defaults', {});
    expect(path.dirname(d.out)).toBe(path.join(workspace, 'exports'));
    expect(path.basename(d.out)).toMatch(/^\d{8}-\d{6}\.zip$/);
    expect(d.figures).toEqual([...FIGURE_NAMES]);
  });

  it('exports two runs to a zip on a worker thread, with progress events', async () => {
    const parent = tempDir('racecar-svc-out-');
    const out = path.join(parent, 'nested', 'peak.zip');
    const progress = progressEvents(service);
    const r = await service.handle('export.bundle', {
      ids: [rr.id, std.id],
      out,
      figures: ['loss', 'accuracy', 'spectrum'],
      width: 8,
      height: 6,
      unit: 'cm',
      dpi: 100,
      formats: ['png'],
    });
    expect(r.out).toBe(out);
    expect(r.notes).toEqual([]);
    const zip = unzipSync(new Uint8Array(fs.readFileSync(out)));
    expect(Object.keys(zip).sort()).toEqual(r.files);
    for (const id of [rr.id, std.id]) {
      expect(r.files).toEqual(
        expect.arrayContaining([`figures/${id}/loss.png`, `figures/${id}/accuracy.png`, `figures/${id}/spectrum.png`, `configs/${id}.json`]),
      );
    }
    expect(r.files).toEqual(
      expect.arrayContaining(['figures/overlay-loss.png', 'figures/overlay-spectrum.png', 'metrics.csv', 'README.md', 'MANIFEST.sha256']),
    );
    expect(r.files.some((f) => f.endsWith('.svg') || f.includes('vectors'))).toBe(false);
    // 8 x 6 cm at 100 dpi
    const png = pngInfo(Buffer.from(zip[`figures/${rr.id}/loss.png`]!));
    expect([png.width, png.height]).toEqual([315, 236]);
    // Progress: from 0 to total, never backwards, ending with 'done'.
    expect(progress.length).toBeGreaterThan(3);
    expect(progress[0]!.done).toBe(0);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ done: last.total, label: 'done' });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['peak.zip']);
  });

  it('takes a relative out inside the workspace', async () => {
    const r = await service.handle('export.bundle', { ids: [rr.id], out: 'exports/rel-bundle', figures: [], formats: ['svg'] });
    expect(r.out).toBe(path.join(workspace, 'exports', 'rel-bundle'));
    expect(fs.existsSync(path.join(r.out, 'MANIFEST.sha256'))).toBe(true);
    expect(r.files.some((f) => f.startsWith('figures/'))).toBe(false);
    // Exists now: refused without overwrite, replaced with it.
    await expect(service.handle('export.bundle', { ids: [rr.id], out: 'exports/rel-bundle', figures: [] })).rejects.toThrow(
      /already exists: choose another target, or tick "replace it if it exists" to replace it$/,
    );
    await expect(service.handle('export.bundle', { ids: [rr.id], out: 'exports/rel-bundle', figures: [], overwrite: true })).resolves.toMatchObject({
      out: r.out,
    });
  });

  it('rejects bad payloads at the contract with the field named', () => {
    const bad: [unknown, RegExp][] = [
      [{ ids: [], out: '/tmp/x.zip' }, /^export\.bundle: ids: select at least one run$/],
      [{ ids: ['a'], out: '' }, /^export\.bundle: out: out must not be empty$/],
      [{ ids: ['a'], out: '/tmp/x.zip', formats: ['gif'] }, /^export\.bundle: formats\.0: /],
      [{ ids: ['a'], out: '/tmp/x.zip', formats: [] }, /^export\.bundle: formats: choose png, svg or both$/],
      [{ ids: ['a'], out: '/tmp/x.zip', width: -4, height: 3 }, /^export\.bundle: width: width must be a positive number$/],
      [{ ids: ['a'], out: '/tmp/x.zip', unit: 'mm' }, /^export\.bundle: unit: /],
      [{ ids: ['a'], out: '/tmp/x.zip', colormap: 'jet' }, /^export\.bundle: colormap: /],
      [{ ids: ['a'], out: '/tmp/x.zip', force: true }, /^export\.bundle: payload: .*force/],
      [{ ids: Array.from({ length: 51 }, (_, i) => `r${i}`), out: '/tmp/x.zip' }, /^export\.bundle: ids: at most 50 runs at once$/],
      [{ ids: ['x'.repeat(201)], out: '/tmp/x.zip' }, /^export\.bundle: ids\.0: id must be at most 200 characters$/],
    ];
    for (const [payload, message] of bad) {
      const r = parseRequest('export.bundle', payload);
      expect(r.ok, JSON.stringify(payload)).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
    expect(parseRequest('export.cancel', { now: true }).ok).toBe(false);
    expect(
      parseRequest('export.bundle', {
        ids: ['a'],
        out: 'x.zip',
        figures: ['loss'],
        unit: 'px',
        width: 1200,
        height: 900,
        dpi: 300,
        formats: ['png', 'svg'],
        overwrite: false,
      }).ok,
    ).toBe(true);
  });

  it('refuses an unknown figure or run with one clear line, writing nothing', async () => {
    const parent = tempDir('racecar-svc-bad-');
    await expect(service.handle('export.bundle', { ids: [rr.id], out: path.join(parent, 'a', 'x.zip'), figures: ['loss', 'bogus'] })).rejects.toThrow(
      `unknown figure 'bogus': use ${FIGURE_NAMES.join(', ')}`,
    );
    await expect(service.handle('export.bundle', { ids: [rr.id, 'no-such-run'], out: path.join(parent, 'b') })).rejects.toThrow(
      /^invalid run id "no-such-run": /,
    );
    await expect(service.handle('export.bundle', { ids: [rr.id], out: path.join(parent, 'c.zip'), width: 0.01, height: 3 })).rejects.toThrow(
      /too small|at least/,
    );
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('queues exports one at a time and cancels the running one, leaving nothing behind', async () => {
    const parent = tempDir('racecar-svc-cancel-');
    const out = path.join(parent, 'all.zip');
    expect(await service.handle('export.cancel', {})).toEqual({ cancelled: false });
    const firstProgress = new Promise<void>((resolve) => {
      const off = service.onEvent((e) => e.type === 'export.progress' && (off(), resolve()));
    });
    const running = service.handle('export.bundle', { ids: [rr.id, std.id], out });
    const outcome = running.then(
      () => 'finished',
      (e: Error) => e.message,
    );
    // A second export waits for the first instead of running beside it.
    const second = service.handle('export.bundle', { ids: [std.id], out: path.join(parent, 'second.zip'), figures: ['accuracy'], formats: ['png'], dpi: 72 });
    await firstProgress;
    expect(await service.handle('export.cancel', {})).toEqual({ cancelled: true });
    expect(await outcome).toBe('export cancelled: nothing was written');
    const r = await second;
    expect(fs.readdirSync(parent)).toEqual(['second.zip']);
    expect(r.out).toBe(path.join(parent, 'second.zip'));
    expect(await service.handle('export.cancel', {})).toEqual({ cancelled: false });
  });

  it('a target under /proc fails at once with one line, and the next export runs', async () => {
    const ended = new Promise<void>((resolve) => {
      const off = service.onEvent((e) => e.type === 'export.ended' && (off(), resolve()));
    });
    const started = performance.now();
    await expect(service.handle('export.bundle', { ids: [rr.id], out: '/proc/nope/x.zip' })).rejects.toThrow(
      /^cannot write the bundle to \/proc\/nope\/x\.zip: \/proc\/nope cannot be created there: choose another target$/,
    );
    await ended;
    expect(performance.now() - started).toBeLessThan(10_000);
    const parent = tempDir('racecar-svc-next-');
    await expect(service.handle('export.bundle', { ids: [rr.id], out: path.join(parent, 'n.zip'), figures: [] })).resolves.toMatchObject({
      out: path.join(parent, 'n.zip'),
    });
  });

  it('closing the service ends a running export: nothing is left, close returns', async () => {
    const other = createEngineService({ workspace, mode: 'browser' });
    const parent = tempDir('racecar-svc-close-');
    const firstProgress = new Promise<void>((resolve) => {
      const off = other.onEvent((e) => e.type === 'export.progress' && (off(), resolve()));
    });
    const outcome = other.handle('export.bundle', { ids: [rr.id, std.id], out: path.join(parent, 'all.zip') }).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await firstProgress;
    const started = performance.now();
    await other.close();
    expect(performance.now() - started).toBeLessThan(8000);
    expect(await outcome).toBe('export cancelled: nothing was written');
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});
