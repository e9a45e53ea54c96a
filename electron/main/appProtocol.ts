// The app's own scheme, racecar://app/…, serves the renderer and the
// workspace's run images (racecar://app/files/runs/…png), so the window loads
// nothing from file:// and images never travel inside IPC messages. Written
// against web-standard Request/Response so it is testable without Electron;
// app.ts hands it to protocol.handle.
import { Readable } from 'node:stream';
import { FILES_PREFIX, resolveRendererFile, resolveWorkspaceFile, servedStream } from '../server/servedFiles';
import { ELECTRON_CSP } from './policy';

export const APP_SCHEME = 'racecar';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Privileges of the scheme (protocol.registerSchemesAsPrivileged): a standard, secure origin for the renderer. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

export async function appProtocolResponse(
  request: { url: string; method: string },
  roots: { rendererDir: string; workspace: () => string },
): Promise<Response> {
  const text = (status: number, body: string) =>
    new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return text(400, 'bad request');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return text(404, 'not found');
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
  // url.pathname keeps percent-encoding; the resolvers decode it themselves and refuse escapes.
  const rawPath = request.url.slice(APP_ORIGIN.length).split(/[?#]/)[0] || '/';
  const isFile = rawPath.startsWith(FILES_PREFIX);
  const served = isFile
    ? await resolveWorkspaceFile(roots.workspace(), rawPath.slice(FILES_PREFIX.length))
    : await resolveRendererFile(roots.rendererDir, rawPath);
  if (!served.ok) return text(served.status, served.message);
  const headers: Record<string, string> = {
    'Content-Type': served.contentType,
    'Content-Length': String(served.size),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  if (served.contentType.startsWith('text/html')) headers['Content-Security-Policy'] = ELECTRON_CSP;
  if (request.method === 'HEAD') {
    await served.handle.close();
    return new Response(null, { status: 200, headers });
  }
  const body = Readable.toWeb(servedStream(served)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}
