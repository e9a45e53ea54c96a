// `racecar serve`: browser mode. The same engine service as the desktop app,
// over a token-protected WebSocket on 127.0.0.1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngineService } from '../host/service';
import { startBrowserServer } from '../server/browserServer';

/** The built renderer: dist/renderer next to dist/electron. */
export function rendererDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'dist', 'renderer');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    const sibling = path.join(dir, 'renderer');
    if (dir.endsWith(`${path.sep}dist`) && fs.existsSync(path.join(sibling, 'index.html'))) return sibling;
    dir = path.dirname(dir);
  }
  throw new Error('the renderer is not built: run npm run build');
}

export async function serve(o: { workspace: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const staticDir = rendererDir();
  const service = createEngineService({ workspace: o.workspace, mode: 'browser' });
  const server = await startBrowserServer({ handler: service, staticDir, port: o.port });
  console.log(`Racecar Workbench (browser mode) at ${server.url}`);
  console.log(`workspace ${service.workspace}; Ctrl+C stops`);
  const close = async () => {
    await server.close();
    await service.close();
  };
  // A second signal while closing takes the default action (exit at once).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => void close().then(() => process.exit(0)));
  return { url: server.url, close };
}
