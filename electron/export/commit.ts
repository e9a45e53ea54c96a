// The commit stage of an export: the bundle is staged in a temporary folder
// next to the target and moved into place at the end (zipped first for a
// .zip target), so a failed or cancelled export leaves nothing behind; what
// an export killed mid-way left there is cleaned up by the next one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { makeDirs } from '../engine/util/makeDirs';
import { pidAlive } from '../engine/util/processStart';
import { ExportError, type ExportWords } from './errors';
import { describeFsError, removeEmptyUpTo, removeQuietly, type Target } from './target';

export interface Staging {
  /** The temporary folder the bundle is rendered into. */
  dir: string;
  zip: string;
  old: string;
  /** Topmost parent folder created for the target, removed again on failure. */
  firstCreated?: string;
}

/** Creates the target's missing parents and the staging folder. */
export function stage(target: Target, words: ExportWords): Staging {
  let firstCreated: string | undefined;
  try {
    firstCreated = makeDirs(target.parent);
  } catch (e) {
    throw new ExportError(describeFsError(e, target.out, words));
  }
  removeStaleStaging(target);
  const stem = `.${path.basename(target.out)}.export-${process.pid}-${randomBytes(4).toString('hex')}`;
  const s: Staging = {
    dir: path.join(target.parent, stem),
    zip: path.join(target.parent, `${stem}.zip`),
    old: path.join(target.parent, `${stem}.old`),
    firstCreated,
  };
  try {
    fs.mkdirSync(s.dir);
  } catch (e) {
    if (firstCreated) removeEmptyUpTo(target.parent, firstCreated);
    throw new ExportError(describeFsError(e, target.out, words));
  }
  return s;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Staging of this target left by an export whose process is gone (killed, or
 * the engine died). A previous bundle it had moved aside (.old) with no
 * bundle in its place is put back: it is the user's.
 */
function removeStaleStaging(target: Target): void {
  const re = new RegExp(`^\\.${escapeRe(path.basename(target.out))}\\.export-(\\d+)-[0-9a-f]{8}(\\.zip|\\.old)?$`);
  let names: string[];
  try {
    names = fs.readdirSync(target.parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = re.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    const p = path.join(target.parent, n);
    if (m[2] === '.old' && !fs.existsSync(target.out)) fs.renameSync(p, target.out);
    else removeQuietly(p);
  }
}

/** Removes everything staged (after a failure or cancel before the commit). */
export function discard(target: Target, s: Staging): void {
  removeQuietly(s.dir);
  removeQuietly(s.zip);
  if (s.firstCreated) removeEmptyUpTo(target.parent, s.firstCreated);
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function zipDir(dir: string, files: string[], executable: Set<string>): Uint8Array {
  const mtime = new Date();
  const entries: Zippable = {};
  for (const f of [...files].sort()) {
    const data = fs.readFileSync(path.join(dir, ...f.split('/')));
    const packed = /\.(png|gif)$/i.test(f);
    // Unix mode in the upper 16 bits of the external attributes (os 3 = Unix), so unzip restores +x.
    const attrs = ((executable.has(f) ? 0o100755 : 0o100644) << 16) >>> 0;
    entries[f] = [new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { level: packed ? 0 : 6, mtime, os: 3, attrs }];
  }
  return zipSync(entries);
}

/**
 * Moves the staged bundle into place. `step(label)` reports each stage and may
 * throw (a cancel) before the final rename. Returns once the target is the new
 * bundle; nothing of the staging is left.
 */
export function commit(target: Target, s: Staging, files: string[], step: (label: string) => void): void {
  if (target.zip) {
    step('zip');
    fs.writeFileSync(s.zip, zipDir(s.dir, files, new Set(['reproduce.sh'])));
    fsyncFile(s.zip);
    step('rename into place');
    fs.renameSync(s.zip, target.out); // replaces an existing zip atomically
    removeQuietly(s.dir);
    return;
  }
  step('rename into place');
  if (target.replace) fs.renameSync(target.out, s.old);
  try {
    fs.renameSync(s.dir, target.out);
  } catch (e) {
    if (target.replace) fs.renameSync(s.old, target.out);
    throw e;
  }
  if (target.replace) removeQuietly(s.old);
}
