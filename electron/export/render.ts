// The render stage of an export: runs the planned tasks into the staging
// folder, one file group at a time (progress and cancellation between them),
// then writes the manifest of everything written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from '../engine/util/makeDirs';
import { MANIFEST_NAME, manifestOfDir } from './manifest';

export class BundleWriter {
  readonly files: string[] = [];
  constructor(readonly dir: string) {}

  write(rel: string, data: Buffer | string, mode?: number): void {
    const file = path.join(this.dir, ...rel.split('/'));
    makeDirs(path.dirname(file));
    fs.writeFileSync(file, data, mode !== undefined ? { mode } : undefined);
    if (mode !== undefined) fs.chmodSync(file, mode);
    this.files.push(rel);
  }
}

/** One file group of the bundle (a figure in its formats, the metrics, the README). */
export interface RenderTask {
  label: string;
  run: (w: BundleWriter) => void;
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Runs every task, then the manifest. `step(label)` is called before each
 * stage and may throw (a cancel); returns the bundle's files, sorted.
 */
export async function renderBundle(tasks: RenderTask[], w: BundleWriter, step: (label: string) => void): Promise<string[]> {
  for (const t of tasks) {
    step(t.label);
    t.run(w);
    await nextTick(); // lets a cancel in, and keeps a host responsive
  }
  step('manifest');
  w.write(MANIFEST_NAME, manifestOfDir(w.dir, w.files.slice()));
  return w.files.slice().sort();
}
