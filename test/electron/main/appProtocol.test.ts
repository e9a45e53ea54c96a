// The app scheme's handler with real files and web-standard Request/Response
// (what protocol.handle gives and takes); Electron itself cannot run here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, INDEX_URL, appProtocolResponse } from '../../../electron/main/appProtocol';
import { ELECTRON_CSP } from '../../../electron/main/policy';
import { tempDir } from '../../helpers/tmp';

let root: string;
let rendererDir: string;
let workspace: string;
const get = (url: string, method = 'GET') => appProtocolResponse({ url, method }, { rendererDir, workspace: () => workspace });

beforeAll(() => {
  root = tempDir('racecar-scheme-');
  rendererDir = path.join(root, 'renderer');
  workspace = path.join(root, 'ws');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'a.js'), 'export {}');
  const dir = path.join(workspace, 'runs', '20260101-000000-a-0000', 'svd', 'layer0_0000040');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'u0.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  fs.writeFileSync(path.join(workspace, 'runs', '20260101-000000-a-0000', 'run.json'), '{"secret":1}');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'SECRET');
});

describe('racecar://app', () => {
  it('serves the renderer with the CSP, and its assets', async () => {
    const index = await get(INDEX_URL);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
    expect(await index.text()).toContain('<title>app</title>');
    expect((await get(`${APP_ORIGIN}/`)).status).toBe(200);
    const js = await get(`${APP_ORIGIN}/assets/a.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get(`${APP_ORIGIN}/assets/a.js`, 'HEAD')).body).toBeNull();
  });

  it('serves run images of the current workspace and nothing else of it', async () => {
    const png = await get(`${APP_ORIGIN}/files/runs/20260101-000000-a-0000/svd/layer0_0000040/u0.png`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    for (const p of [
      '/files/runs/20260101-000000-a-0000/run.json',
      '/files/runs/20260101-000000-a-0000/..%2f..%2f..%2fsecret.txt',
      '/files/../secret.txt',
      '/%2e%2e/secret.txt',
      '/files/runs/x/%2e%2e/%2e%2e/%2e%2e/secret.png',
    ]) {
      const r = await get(`${APP_ORIGIN}${p}`);
      expect([403, 404], p).toContain(r.status);
      expect(await r.text()).not.toMatch(/SECRET|secret/);
    }
  });

  it('answers other hosts, schemes and methods with an error', async () => {
    expect((await get('racecar://evil/index.html')).status).toBe(404);
    expect((await get('file:///etc/passwd')).status).toBe(404);
    expect((await get(INDEX_URL, 'POST')).status).toBe(405);
    expect((await get(`${APP_ORIGIN}/nope.js`)).status).toBe(404);
  });
});
