// makeDirs: mkdir -p that fails at once where Node's recursive mkdir spins.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirs, nearestExistingDir } from '../../../electron/engine/util/makeDirs';
import { tempDir } from '../../helpers/tmp';

describe('makeDirs', () => {
  it('creates the missing levels and returns the topmost one created', () => {
    const root = tempDir();
    expect(makeDirs(path.join(root, 'a', 'b', 'c'))).toBe(path.join(root, 'a'));
    expect(fs.statSync(path.join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(makeDirs(path.join(root, 'a', 'b'))).toBeUndefined();
    expect(nearestExistingDir(path.join(root, 'a', 'x', 'y'))).toBe(path.join(root, 'a'));
  });

  it('a file on the way is ENOTDIR naming it, and nothing is created', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'f'), 'x');
    expect(() => makeDirs(path.join(root, 'f', 'a', 'b'))).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: path.join(root, 'f') }));
    expect(fs.readdirSync(root)).toEqual(['f']);
  });

  it('fails at once under /proc, where mkdirSync(recursive) loops forever', () => {
    const started = performance.now();
    expect(() => makeDirs('/proc/nope/deeper')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/nope' }));
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
