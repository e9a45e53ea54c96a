// Which files the transports serve, shared by the browser-mode server and the
// Electron app's custom scheme: the built renderer, and the images of the
// workspace's runs (backward images and their inputs, singular vectors), which
// the UI loads by URL instead of receiving them inside messages. Every path is
// resolved, symlinks included, and must stay inside its root.
import * as fs from 'node:fs';
import * as path from 'node:path';

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

export type Served = { ok: true; file: string; size: number; mtimeMs: number; contentType: string } | { ok: false; status: 400 | 403 | 404; message: string };

export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/**
 * A URL path (still percent-encoded, without query) resolved to a regular
 * file inside `root`. The raw path is decoded here (URL parsing would
 * silently drop "../" segments), so escape attempts are seen and refused.
 */
export async function resolveUnder(root: string, urlPath: string): Promise<Served> {
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
    return { ok: false, status: 404, message: 'not found' };
  }
  const target = path.resolve(realRoot, '.' + path.sep + rel);
  if (!isInside(realRoot, target)) return { ok: false, status: 403, message: 'forbidden' };
  let real: string;
  let stat: fs.Stats;
  try {
    real = await fs.promises.realpath(target);
    stat = await fs.promises.stat(real);
  } catch {
    return { ok: false, status: 404, message: 'not found' };
  }
  // A symlink inside the root must not lead outside it either.
  if (!isInside(realRoot, real)) return { ok: false, status: 403, message: 'forbidden' };
  if (!stat.isFile()) return { ok: false, status: 404, message: 'not found' };
  const contentType = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
  return { ok: true, file: real, size: stat.size, mtimeMs: stat.mtimeMs, contentType };
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
    return { ok: false, status: 403, message: 'forbidden' };
  }
  return resolveUnder(workspace, relPath);
}

/** The renderer's files; '/' is index.html. */
export function resolveRendererFile(rendererDir: string, urlPath: string): Promise<Served> {
  return resolveUnder(rendererDir, urlPath === '/' || urlPath === '' ? '/index.html' : urlPath);
}
