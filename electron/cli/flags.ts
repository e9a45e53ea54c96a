// Flag helpers shared by the racecar subcommands.
import * as path from 'node:path';
import { defaultWorkspace } from '../engine/util/paths';

/** Bad command-line usage: exit code 2. */
export class UsageError extends Error {}

export const workspaceOf = (v: { workspace?: string | boolean }): string => (typeof v.workspace === 'string' ? path.resolve(v.workspace) : defaultWorkspace());

/** A whole-number flag (>= 0); undefined when absent. */
export function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: '${v}' is not a whole number >= 0`);
  return n;
}
