// Browser mode: a bundle exported from the page is written on the server's
// disk, which the person at the browser may not reach (another machine, a
// container); the page offers it as a download too. Only bundles exported
// through this server, in this session, can be fetched: by an unguessable id,
// with the session token (the same rule as /files/). Only .zip bundles (the
// default target): this process relays and reads files, it does not zip them.
// What is sent is the very file the export wrote: opened without following a
// link, and checked on the opened file (identity, one name, zip content), so
// a link or another file renamed over the bundle's path is refused, however
// fast it is swapped (servedFiles.ts checks images the same way).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPEN_FLAGS } from './servedFiles';

/** The URL path prefix of bundle downloads: `/downloads/<id>/<name>.zip`. */
export const DOWNLOADS_PREFIX = '/downloads/';
/** Bundles remembered at most (the oldest is forgotten first). */
const MAX_BUNDLES = 100;

export type Download = { ok: true; name: string; handle: fs.promises.FileHandle; size: number } | { ok: false; status: 403 | 404; message: string };

export const isZipBundle = (out: string): boolean => out.toLowerCase().endsWith('.zip');

/** A zip starts with a local file header, or (empty) with the end of its central directory. */
const ZIP_SIGNATURES = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];

interface Bundle {
  out: string;
  /** The exported file's identity: only that file is ever sent. */
  dev: number;
  ino: number;
}

export class Downloads {
  private bundles = new Map<string, Bundle>();

  /** Remembers an exported .zip bundle; returns the URL path the page downloads it from (none for a folder, or a path that is not a plain file). */
  async add(out: string): Promise<string | undefined> {
    if (!isZipBundle(out)) return undefined;
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(out);
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const id = crypto.randomBytes(18).toString('base64url');
    this.bundles.set(id, { out, dev: st.dev, ino: st.ino });
    if (this.bundles.size > MAX_BUNDLES) this.bundles.delete(this.bundles.keys().next().value!);
    return `${DOWNLOADS_PREFIX}${id}/${encodeURIComponent(path.basename(out))}`;
  }

  /** The bundle behind a URL path (after the prefix), opened; the caller closes the handle (servedStream does). */
  async get(rest: string): Promise<Download> {
    const b = this.bundles.get(rest.split('/')[0] ?? '');
    if (!b) return { ok: false, status: 404, message: 'not found' };
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(b.out, OPEN_FLAGS);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') return changed(b);
      return { ok: false, status: 404, message: `the bundle is no longer at ${b.out}` };
    }
    let verdict: Download;
    try {
      verdict = await checkOpened(handle, b);
    } catch {
      verdict = { ok: false, status: 404, message: `the bundle is no longer at ${b.out}` };
    }
    if (!verdict.ok) await handle.close();
    return verdict;
  }
}

const changed = (b: Bundle): Download => ({ ok: false, status: 403, message: `the bundle at ${b.out} has changed since it was exported: export it again` });

async function checkOpened(handle: fs.promises.FileHandle, b: Bundle): Promise<Download> {
  const st = await handle.stat();
  // Another file (or a hard link to one anywhere) renamed over the path, or a folder on the way swapped for a link: not the exported file.
  if (!st.isFile() || st.dev !== b.dev || st.ino !== b.ino || st.nlink !== 1) return changed(b);
  // The path still names the opened file (a swap during the open led elsewhere).
  const named = await fs.promises.lstat(b.out);
  if (named.dev !== st.dev || named.ino !== st.ino) return changed(b);
  const head = Buffer.alloc(4);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  if (bytesRead !== head.length || !ZIP_SIGNATURES.some((s) => s.equals(head))) return changed(b);
  return { ok: true, name: path.basename(b.out), handle, size: st.size };
}
