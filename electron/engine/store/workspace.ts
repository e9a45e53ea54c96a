// What may become a workspace: an existing folder (opened, also read-only, to
// study its runs), or a new folder inside an existing one (created). Anything
// else (a file such as /etc/passwd, a path whose parent does not exist) is
// refused with one line naming the path and the fix, before anything changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runsDir } from './layout';
import { errorMessage } from '../util/errorMessage';

export class WorkspaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

function why(e: unknown): string {
  const c = code(e);
  if (c === 'EACCES' || c === 'EPERM') return 'permission denied';
  if (c === 'EROFS') return 'the file system is read-only';
  if (c === 'ENOSPC') return 'the disk is full';
  if (c === 'ENOENT') return 'that folder cannot be created there';
  return errorMessage(e).split('\n')[0]!;
}

/** Checks `dir` as a workspace, creating it when only its last level is missing; returns the absolute path. */
export function openWorkspace(dir: string): string {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    if (code(e) === 'ENOTDIR') throw new WorkspaceError(`workspace: ${abs} is inside a file, not a folder: choose a folder`);
    if (code(e) !== 'ENOENT') throw new WorkspaceError(`workspace: cannot open ${abs} (${why(e)}): choose another folder`);
    const parent = path.dirname(abs);
    let parentIsDir = false;
    try {
      parentIsDir = fs.statSync(parent).isDirectory();
    } catch {
      /* missing too */
    }
    if (!parentIsDir) {
      throw new WorkspaceError(
        `workspace: ${abs} does not exist, nor does the folder ${parent} it would go in: choose an existing folder or a new one inside it`,
      );
    }
    try {
      fs.mkdirSync(abs);
    } catch (e2) {
      throw new WorkspaceError(`workspace: cannot create ${abs} (${why(e2)}): choose a folder you can write to`);
    }
    return abs;
  }
  if (!st.isDirectory()) throw new WorkspaceError(`workspace: ${abs} is a file, not a folder: choose a folder (its runs go in ${runsDir(abs)})`);
  try {
    fs.accessSync(abs, fs.constants.R_OK | fs.constants.X_OK);
  } catch (e) {
    throw new WorkspaceError(`workspace: cannot open ${abs} (${why(e)}): choose another folder`);
  }
  try {
    if (!fs.statSync(runsDir(abs)).isDirectory()) {
      throw new WorkspaceError(`workspace: ${runsDir(abs)} is a file, but a workspace keeps its runs in that folder: choose another folder`);
    }
  } catch (e) {
    if (e instanceof WorkspaceError) throw e;
    if (code(e) !== 'ENOENT') throw new WorkspaceError(`workspace: cannot open ${runsDir(abs)} (${why(e)}): choose another folder`);
  }
  return abs;
}
