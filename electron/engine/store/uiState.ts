// What a person set up in the app (the Experiment form, the runs picked in
// Backward and SVD, the sweep form), kept in the workspace so it survives a
// page reload and an app restart, per workspace, whatever the browser-mode
// port (a page's localStorage is per origin, and the port changes). Opaque
// JSON to the engine: the renderer checks its shape when it reads it back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';

export const UI_STATE_FILE = 'ui-state.json';
/** Far above a form and a few hundred run ids; a bound on what a page may make the engine write. */
export const UI_STATE_MAX_BYTES = 256 * 1024;

/** The saved state, or null when there is none or it cannot be read (a fresh start, not an error). */
export function loadUiState(workspace: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(workspace, UI_STATE_FILE), 'utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function saveUiState(workspace: string, state: Record<string, unknown>): void {
  const text = JSON.stringify(state);
  if (Buffer.byteLength(text) > UI_STATE_MAX_BYTES) throw new Error(`ui state is ${Buffer.byteLength(text)} bytes: at most ${UI_STATE_MAX_BYTES}`);
  fs.mkdirSync(workspace, { recursive: true });
  writeFileAtomic(path.join(workspace, UI_STATE_FILE), text);
}
