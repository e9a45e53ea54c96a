// Which files the transports serve, shared by the browser-mode server and the
// Electron app's custom scheme: the built renderer, and the images of the
// workspace's runs (backward images and their inputs, singular vectors), which
// the UI loads by URL instead of receiving them inside messages. Every path is
// resolved, symlinks included, and must stay inside its root; a workspace
// image must be a PNG with one name, reached without links.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';

/** The URL path prefix of workspace files: `/files/runs/<id>/backward/0000100/0.png`. */
export const FILES_PREFIX = '/files/';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export type Served =
  { ok: true; handle: fs.promises.FileHandle; size: number; mtimeMs: number; contentType: string } | { ok: false; status: 400 | 403 | 404; message: string };

/** Streams a served file from its opened handle (the file checked, not whatever its path names now); the stream closes the handle. */
export function servedStream(served: { handle: fs.promises.FileHandle; size: number }): Readable {
  if (served.size === 0) {
    void served.handle.close();
    return Readable.from([]);
  }
  return served.handle.createReadStream({ start: 0, end: served.size - 1 });
}

export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Not following a final symlink, and not blocking on a FIFO planted under an image's name.
export const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
const NOT_FOUND = { ok: false, status: 404, message: 'not found' } as const;
const FORBIDDEN = { ok: false, status: 403, message: 'forbidden' } as const;

interface Rules {
  /** Workspace images: no link anywhere below the root, one name only (no hard link), PNG content. */
  image: boolean;
}

/**
 * A URL path (still percent-encoded, without query) resolved to a regular
 * file inside `root`, opened. The raw path is decoded here (URL parsing would
 * silently drop "../" segments), so escape attempts are seen and refused.
 * The checks are made on the opened file (a path can be swapped for a link
 * between a check and an open): its identity must be what the path names
 * after the open, inside the root.
 */
export async function resolveUnder(root: string, urlPath: string, rules: Rules = { image: false }): Promise<Served> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, message: 'bad request' };
  }
  if (rel.includes('\0')) return { ok: false, status: 400, message: 'bad request' };
  let realRoot: string;
  try {
    realRoot = await fs.promises.realpath(root);
  } catch {
    return NOT_FOUND;
  }
  const target = path.resolve(realRoot, '.' + path.sep + rel);
  if (!isInside(realRoot, target)) return FORBIDDEN;
  const real = await realpathOrNull(target);
  if (real === null) return NOT_FOUND;
  // A symlink inside the root must not lead outside it; below a workspace there is no reason for one at all.
  if (!isInside(realRoot, real) || (rules.image && real !== target)) return FORBIDDEN;
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(real, OPEN_FLAGS);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP' ? FORBIDDEN : NOT_FOUND;
  }
  let verdict: Served;
  try {
    verdict = await checkOpened(handle, realRoot, real, rules);
  } catch {
    verdict = NOT_FOUND;
  }
  if (!verdict.ok) await handle.close();
  return verdict;
}

async function checkOpened(handle: fs.promises.FileHandle, realRoot: string, real: string, rules: Rules): Promise<Served> {
  const st = await handle.stat();
  if (!st.isFile()) return NOT_FOUND;
  // What the path names now must be the very file opened, still inside the root: a link swapped in
  // for a folder on the way during the open led elsewhere, to another file.
  const now = await realpathOrNull(real);
  if (now === null || now !== real || !isInside(realRoot, now)) return FORBIDDEN;
  const named = await fs.promises.lstat(now);
  if (named.dev !== st.dev || named.ino !== st.ino) return FORBIDDEN;
  if (rules.image) {
    // A second name (hard link) may be a file anywhere else, outside the workspace.
    if (st.nlink !== 1) return FORBIDDEN;
    const head = Buffer.alloc(PNG_SIGNATURE.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead !== head.length || !head.equals(PNG_SIGNATURE)) return FORBIDDEN;
  }
  const contentType = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
  return { ok: true, handle, size: st.size, mtimeMs: st.mtimeMs, contentType };
}

async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await fs.promises.realpath(p);
  } catch {
    return null;
  }
}

/**
 * A workspace file the UI may load: a PNG inside a run folder. Nothing else
 * of the workspace (configs, checkpoints, logs, other folders) is served.
 */
export async function resolveWorkspaceFile(workspace: string, relPath: string): Promise<Served> {
  let rel: string;
  try {
    rel = decodeURIComponent(relPath);
  } catch {
    return { ok: false, status: 400, message: 'bad request' };
  }
  if (!/^runs\/[^/]+\/.+\.png$/.test(rel) || rel.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    return FORBIDDEN;
  }
  return resolveUnder(workspace, relPath, { image: true });
}

/** The renderer's files; '/' is index.html. */
export function resolveRendererFile(rendererDir: string, urlPath: string): Promise<Served> {
  return resolveUnder(rendererDir, urlPath === '/' || urlPath === '' ? '/index.html' : urlPath);
}
