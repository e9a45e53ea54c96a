// mkdir -p without Node's recursive mkdir: mkdirSync(dir, { recursive: true })
// loops forever at full CPU when the kernel answers ENOENT for a child of a
// folder that exists (e.g. /proc/nope), which hung exports and new workspaces.
// Here each missing level is created on its own and the first error is thrown.
import * as fs from 'node:fs';
import * as path from 'node:path';

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

function notADir(p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p, syscall: 'mkdir' });
}

/** The nearest folder at or above `p` that exists (throws ENOTDIR when that is a file). */
export function nearestExistingDir(p: string): string {
  for (let d = path.resolve(p); ; d = path.dirname(d)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch (e) {
      // ENOTDIR: a file further up; the walk reaches it and names it.
      if ((code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') || path.dirname(d) === d) throw e;
      continue;
    }
    if (!st.isDirectory()) throw notADir(d);
    return d;
  }
}

/**
 * Creates `dir` and its missing parents. Returns the topmost folder it
 * created (undefined when `dir` existed), as mkdirSync(recursive) does.
 */
export function makeDirs(dir: string): string | undefined {
  const abs = path.resolve(dir);
  const top = nearestExistingDir(abs);
  if (top === abs) return undefined;
  const missing: string[] = [];
  for (let d = abs; d !== top; d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // Created by someone else meanwhile is fine, as long as it is a folder.
      if (code(e) !== 'EEXIST') throw e;
      if (!fs.statSync(d).isDirectory()) throw notADir(d);
    }
  }
  return missing[0];
}
