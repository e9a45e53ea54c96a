// A new folder with a generated, unique name: mkdir without `recursive` is the
// atomic claim, so two runs (or sweeps) created in the same second with the
// same name cannot share a folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

/** Creates `parent/<id>` for the first id `makeId` gives that is free; the parent must exist. */
export function claimFolder(parent: string, makeId: () => string, what: string): { id: string; dir: string } {
  for (let attempt = 0; attempt < 32; attempt++) {
    const id = makeId();
    const dir = path.join(parent, id);
    try {
      fs.mkdirSync(dir);
      return { id, dir };
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
    }
  }
  throw new Error(`could not find a free ${what} id in ${parent}`);
}
