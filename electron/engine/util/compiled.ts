import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Path of a compiled sibling script (e.g. a process or thread entry). Tests run
 * the TypeScript sources, but child processes and worker threads need the
 * JavaScript in dist/, which `npm run build` produces.
 */
export function compiledScript(dir: string, file: string): string {
  const direct = path.join(dir, file);
  if (fs.existsSync(direct)) return direct;
  const parts = dir.split(path.sep);
  const i = parts.lastIndexOf('electron');
  if (i >= 0 && !parts.includes('dist')) {
    const inDist = path.join(parts.slice(0, i).join(path.sep) || path.sep, 'dist', ...parts.slice(i), file);
    if (fs.existsSync(inDist)) return inDist;
  }
  throw new Error(`${file} is not built: run npm run build`);
}
