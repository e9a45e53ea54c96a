// Browser mode: a bundle exported from the page is written on the server's
// disk, which the person at the browser may not reach (another machine, a
// container); the page offers it as a download too. Only bundles exported
// through this server, in this session, can be fetched: by an unguessable id,
// with the session token (the same rule as /files/). Only .zip bundles (the
// default target): this process relays and reads files, it does not zip them.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The URL path prefix of bundle downloads: `/downloads/<id>/<name>.zip`. */
export const DOWNLOADS_PREFIX = '/downloads/';
/** Bundles remembered at most (the oldest is forgotten first). */
const MAX_BUNDLES = 100;

export type Download = { ok: true; name: string; file: string; size: number } | { ok: false; status: 404; message: string };

export const isZipBundle = (out: string): boolean => out.toLowerCase().endsWith('.zip');

export class Downloads {
  private bundles = new Map<string, string>();

  /** Remembers an exported .zip bundle; returns the URL path the page downloads it from (none for a folder). */
  add(out: string): string | undefined {
    if (!isZipBundle(out)) return undefined;
    const id = crypto.randomBytes(18).toString('base64url');
    this.bundles.set(id, out);
    if (this.bundles.size > MAX_BUNDLES) this.bundles.delete(this.bundles.keys().next().value!);
    return `${DOWNLOADS_PREFIX}${id}/${encodeURIComponent(path.basename(out))}`;
  }

  /** The bundle behind a URL path (after the prefix), as it is on disk now. */
  get(rest: string): Download {
    const out = this.bundles.get(rest.split('/')[0] ?? '');
    if (!out) return { ok: false, status: 404, message: 'not found' };
    try {
      const stat = fs.statSync(out);
      if (stat.isFile()) return { ok: true, name: path.basename(out), file: out, size: stat.size };
    } catch {
      // gone: below
    }
    return { ok: false, status: 404, message: `the bundle is no longer at ${out}` };
  }
}
