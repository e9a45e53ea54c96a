// File-level helpers of the run store: links, torn appends, folders to tidy,
// and the temporaries a killed writer leaves behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalRecord } from '../types';
import { pidAlive } from '../util/processStart';
import { parseEvalRecord } from './recordSchema';

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

export function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export function removeEmptyUpTo(dir: string, top: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d); // fails when not empty: another process wrote there meanwhile
    } catch {
      return;
    }
    if (d === path.resolve(top) || path.dirname(d) === d) return;
  }
}

export function endsWithoutNewline(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (code(e) === 'ENOENT') return false;
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return false;
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0] !== 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

/** writeFileAtomic's temporary files: <name>.tmp-<pid>-<hex>. */
const TEMPORARY_RE = /\.tmp-(\d+)-[0-9a-f]{12}$/;

/**
 * Removes the temporaries of writers that are gone (killed mid-write) from
 * `dirs`; those of a live process are its writes in progress. Call it only for
 * a run nobody trains: a writer on another host has a pid this host cannot see.
 */
export function removeStaleTemporaries(dirs: string[]): void {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = TEMPORARY_RE.exec(n);
      if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) fs.rmSync(path.join(dir, n), { force: true });
    }
  }
}

/** Every valid line of metrics.jsonl in file order; torn or invalid lines (from crashes) are skipped. */
export function parseMetricsLines(text: string): EvalRecord[] {
  const out: EvalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      continue;
    }
    const rec = parseEvalRecord(data);
    if (rec) out.push(rec);
  }
  return out;
}

/** Writes `bytes` for real (not sparse: the blocks are taken); false, and nothing left, when they do not fit. */
export function reserveFile(file: string, bytes: number): boolean {
  try {
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, Buffer.alloc(bytes, 0x20));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch {
    fs.rmSync(file, { force: true });
    return false;
  }
}

/** The first of `files` that exists, read; null when none does. */
export function readFirst(files: string[]): Buffer | null {
  for (const f of files) {
    try {
      return fs.readFileSync(f);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }
  return null;
}
