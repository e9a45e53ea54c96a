// MANIFEST.sha256: the SHA-256 of every file of a bundle, in the format of
// `sha256sum` (so `sha256sum -c MANIFEST.sha256` checks an unpacked bundle).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MANIFEST_NAME = 'MANIFEST.sha256';

export function sha256(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lines `<hex>  <path>` (two spaces: text mode in sha256sum), sorted by path, '/' separators. */
export function manifestText(entries: { path: string; sha256: string }[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    if (/[\r\n\\]/.test(e.path)) throw new Error(`manifest: unsupported file name ${JSON.stringify(e.path)}`);
  }
  return sorted.map((e) => `${e.sha256}  ${e.path}\n`).join('');
}

export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`manifest: malformed line ${JSON.stringify(line)}`);
    out.set(m[2]!, m[1]!);
  }
  return out;
}

/** Hashes the listed files (relative to dir) into a manifest. */
export function manifestOfDir(dir: string, files: string[]): string {
  return manifestText(files.map((f) => ({ path: f, sha256: sha256(fs.readFileSync(path.join(dir, ...f.split('/')))) })));
}

/** Problems of an unpacked bundle: missing files, changed bytes and files the manifest does not list. */
export function verifyBundleDir(dir: string): string[] {
  const listed = parseManifest(fs.readFileSync(path.join(dir, MANIFEST_NAME), 'utf8'));
  const problems: string[] = [];
  for (const [file, hash] of listed) {
    const p = path.join(dir, ...file.split('/'));
    if (!fs.existsSync(p)) problems.push(`${file}: missing`);
    else if (sha256(fs.readFileSync(p)) !== hash) problems.push(`${file}: SHA-256 differs`);
  }
  const present = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
  for (const f of present) if (f !== MANIFEST_NAME && !listed.has(f)) problems.push(`${f}: not in ${MANIFEST_NAME}`);
  return problems;
}
