import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../../../electron/engine/config/schema';
import type { EvalRecord } from '../../../electron/engine/types';
import type { RunExtra } from '../../../electron/engine/store/runStore';

const created: string[] = [];

export function tempWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-store-'));
  created.push(dir);
  return dir;
}

export function removeTempWorkspaces(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function config(over: Partial<RunConfigInput> = {}): RunConfig {
  return parseRunConfig({
    name: 'My Run',
    network: {
      layers: [
        { units: 8, lambda: 0.5 },
        { units: 3, activation: 'linear' },
      ],
    },
    ...over,
  });
}

export const extra: RunExtra = { totalSteps: 500, backend: 'cpu', versions: { tfjs: '4.22.0' } };

export function evalRecord(step: number): EvalRecord {
  return {
    step,
    epoch: step / 10,
    elapsed: step * 0.01,
    stepsPerSec: 123.5,
    loss: { total: 1 / (step + 1), ce: 0.5, rr: [0.25, 0], ort: 0 },
    trainAccuracy: 0.75,
    testAccuracy: 0.5,
    testRecon: [0.125, 3],
  };
}

/** Every file below `dir`, relative, sorted. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  const rec = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) rec(p);
      else out.push(path.relative(dir, p));
    }
  };
  rec(dir);
  return out.sort();
}
