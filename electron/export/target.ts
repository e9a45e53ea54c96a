// Where a bundle goes: the target is checked before anything is created (an
// existing target is replaced only when it is itself a bundle), and the
// messages for file-system failures name the path and the fix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nearestExistingDir } from '../engine/util/makeDirs';
import { ExportError, type ExportWords } from './errors';
import { MANIFEST_NAME } from './manifest';
import { errorMessage } from '../engine/util/errorMessage';

export interface Target {
  out: string;
  zip: boolean;
  parent: string;
  /** Whether an existing target (a bundle) is replaced at the end. */
  replace: boolean;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

export const FS_ERROR_CODES = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EDQUOT', 'ENOENT', 'EEXIST'];

export function describeFsError(e: unknown, where: string, words: ExportWords): string {
  const c = code(e);
  const p = (e as NodeJS.ErrnoException | null)?.path;
  const why =
    c === 'ENOTDIR' || c === 'EEXIST'
      ? 'a part of the path is a file, not a folder'
      : c === 'EACCES' || c === 'EPERM'
        ? 'permission denied'
        : c === 'EROFS'
          ? 'the file system is read-only'
          : c === 'ENOSPC' || c === 'EDQUOT'
            ? 'the disk is full'
            : c === 'ENOENT' && p
              ? `${p} cannot be created there`
              : errorMessage(e).split('\n')[0];
  return `cannot write the bundle to ${where}: ${why}: ${words.chooseAnother}`;
}

/**
 * Names of the entries of a zip file, read from its central directory at the
 * end of the file (without reading the whole file); null when it is not a
 * readable zip.
 */
export function zipEntryNames(file: string): string[] | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const tailLen = Math.min(size, 22 + 0xffff); // end record + longest comment
    const tail = Buffer.alloc(tailLen);
    fs.readSync(fd, tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) return null;
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset + cdSize > size || cdSize > 64 * 2 ** 20) return null;
    const cd = Buffer.alloc(cdSize);
    fs.readSync(fd, cd, 0, cdSize, cdOffset);
    const names: string[] = [];
    for (let off = 0, n = 0; n < count; n++) {
      if (off + 46 > cdSize || cd.readUInt32LE(off) !== 0x02014b50) return null;
      const nameLen = cd.readUInt16LE(off + 28);
      names.push(cd.toString('utf8', off + 46, off + 46 + nameLen));
      off += 46 + nameLen + cd.readUInt16LE(off + 30) + cd.readUInt16LE(off + 32);
    }
    return names;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether an existing path is a figure bundle (a folder or zip holding its manifest), the only thing an export replaces. */
export function isBundle(p: string, st: fs.Stats): boolean {
  if (st.isDirectory()) {
    try {
      return fs.statSync(path.join(p, MANIFEST_NAME)).isFile();
    } catch {
      return false;
    }
  }
  return st.isFile() && (zipEntryNames(p)?.includes(MANIFEST_NAME) ?? false);
}

/** Checks the target before anything is created; throws ExportError (one line) on any problem. */
export function checkTarget(outArg: string, overwrite: boolean, words: ExportWords): Target {
  if (!outArg || !outArg.trim()) throw new ExportError(`no output given: ${words.giveTarget}`);
  const out = path.resolve(outArg);
  const zip = /\.zip$/i.test(out);
  const parent = path.dirname(out);
  if (parent === out) throw new ExportError(`cannot write the bundle to ${out}: choose a folder or zip file inside it`);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(out);
  } catch (e) {
    if (code(e) !== 'ENOENT') throw new ExportError(describeFsError(e, out, words));
  }
  if (st) {
    if (!overwrite) throw new ExportError(`${out} already exists: ${words.chooseAnother}, or ${words.replace}`);
    if (zip && !st.isFile()) throw new ExportError(`${out} exists and is not a file: refusing to replace it, ${words.chooseAnother}`);
    if (!isBundle(out, st)) {
      throw new ExportError(`${out} exists and is not a figure bundle (it holds no ${MANIFEST_NAME}): refusing to replace it, ${words.chooseAnother}`);
    }
  }
  // The nearest existing ancestor must be a folder we may write in.
  let dir: string;
  try {
    dir = nearestExistingDir(parent);
  } catch (e) {
    const p = (e as NodeJS.ErrnoException).path;
    if (code(e) === 'ENOTDIR' && p) throw new ExportError(`cannot write the bundle to ${out}: ${p} is a file, not a folder: ${words.chooseAnother}`);
    throw new ExportError(describeFsError(e, out, words));
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw new ExportError(describeFsError(e, out, words));
  }
  return { out, zip, parent, replace: !!st };
}

/** Removes the folders makeDirs created (deepest first), while they are empty. */
export function removeEmptyUpTo(dir: string, top: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return;
    }
    if (d === path.resolve(top) || path.dirname(d) === d) return;
  }
}

/** Best effort: a leftover temporary file must not turn a finished export into an error. */
export function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* nothing more to do */
  }
}
