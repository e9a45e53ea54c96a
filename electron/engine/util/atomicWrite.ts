// The one atomic file write every writer shares: a crash or a concurrent
// reader never sees a half-written file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes via a temp file in the same folder, fsync and rename, so readers see the old or the new file, never a partial one. */
export function writeFileAtomic(file: string, data: Buffer | string): void {
  const tmp = path.join(path.dirname(file), `${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* best effort */
    }
    throw e;
  }
}
