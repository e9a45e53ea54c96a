import * as fs from 'node:fs';
import * as path from 'node:path';

/** The workbench's package.json, found by walking up (works from sources and from dist/). */
export function appPackage(): { name: string; version: string } {
  let dir = __dirname;
  for (;;) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8'));
      if (pkg.name === 'racecar-workbench') return pkg;
    }
    const up = path.dirname(dir);
    if (up === dir) return { name: 'racecar-workbench', version: '0.0.0' };
    dir = up;
  }
}
