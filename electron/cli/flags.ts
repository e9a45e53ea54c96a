// Flag helpers shared by the racecar subcommands.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultWorkspace } from '../engine/util/paths';

/** Bad command-line usage: exit code 2. */
export class UsageError extends Error {}

/** The workspace folder; one that exists must be a folder (it may not exist yet: train creates it). */
export function workspaceOf(v: { workspace?: string | boolean }): string {
  const ws = typeof v.workspace === 'string' ? path.resolve(v.workspace) : defaultWorkspace();
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(ws);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UsageError(`--workspace: ${ws} is inside a file, not a folder: give a folder`);
  }
  if (st && !st.isDirectory()) throw new UsageError(`--workspace: ${ws} is a file, not a folder: give a folder`);
  return ws;
}

/** A whole-number flag (>= 0); undefined when absent. */
export function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: '${v}' is not a whole number >= 0`);
  return n;
}
