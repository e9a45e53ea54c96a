// `racecar serve`: browser mode. The same engine process as the desktop app,
// behind a token-protected WebSocket on 127.0.0.1; this process only serves
// the UI and relays.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBrowserServer } from '../server/browserServer';
import { startEngine } from '../host/startEngine';

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
  const engine = await startEngine({ workspace: o.workspace, mode: 'browser' });
  const server = await startBrowserServer({ handler: engine, staticDir, port: o.port, workspace: () => engine.workspace }).catch(async (e: unknown) => {
    await engine.close();
    throw e;
  });
  console.log(`Racecar Workbench (browser mode) at ${server.url}`);
  console.log(`workspace ${engine.workspace}; Ctrl+C stops`);
  const close = async () => {
    await server.close();
    await engine.close();
  };
  process.once('SIGINT', () => void close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void close().then(() => process.exit(0)));
  return { url: server.url, close };
}
