// Run records as last read, keyed by their run.json's identity: every write
// of run.json is a rename of a new file (writeFileAtomic), so an unchanged
// inode, size and mtime mean an unchanged record. Listing 10,000 runs then
// costs a stat per run, not a read, a parse and a validation.
import * as fs from 'node:fs';
import type { RunRecord } from '../types';

export class RecordCache {
  private readonly byFile = new Map<string, { key: string; rec: RunRecord }>();

  /** The record of `file`, read with `read` only when the file changed since it was last read. */
  get(file: string, read: () => RunRecord): RunRecord {
    let key: string;
    try {
      const st = fs.statSync(file);
      key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      this.byFile.delete(file);
      return read(); // missing or unreadable: read says why
    }
    const hit = this.byFile.get(file);
    if (hit?.key === key) return hit.rec;
    const rec = read();
    this.byFile.set(file, { key, rec });
    return rec;
  }

  /** Forgets files no longer listed (deleted runs). */
  keepOnly(files: ReadonlySet<string>): void {
    for (const f of this.byFile.keys()) if (!files.has(f)) this.byFile.delete(f);
  }
}
