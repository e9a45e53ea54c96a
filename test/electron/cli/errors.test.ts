// Bad input to the CLI: one line naming the field or file and the fix, a
// non-zero exit, and nothing written to the workspace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';

function png(file: string, w: number, h: number) {
  const p = new PNG({ width: w, height: h });
  p.data.fill(255);
  fs.writeFileSync(file, PNG.sync.write(p));
}

const root = tempDir('racecar-cli-');
const emptyFolder = path.join(root, 'empty');
fs.mkdirSync(emptyFolder);
const oddFolder = path.join(root, 'odd');
for (const c of ['a', 'b']) {
  fs.mkdirSync(path.join(oddFolder, c), { recursive: true });
  for (let i = 0; i < 3; i++) png(path.join(oddFolder, c, `${i}.png`), 28, 28);
}
png(path.join(oddFolder, 'b', '3.png'), 32, 28);
const badJson = path.join(root, 'bad.json');
fs.writeFileSync(badJson, '{ "network": ');

const train = ['train', '--steps', '5'];
const cases: [string, string[], RegExp][] = [
  ['unknown data set', [...train, '--data', 'cifar', '--layers', '2'], /--data: unknown data set 'cifar': use peak, mnist, mnist-pair or folder/],
  ['layer size 0', [...train, '--layers', '0,2'], /network\.layers\.0\.units: units must be at least 1/],
  ['layer size abc', [...train, '--layers', 'abc'], /--layers entry 1: "abc" is not a layer: use a unit count \(128\), conv<filters>k<kernel>/],
  [
    'conv kernel larger than its input',
    [...train, '--layers', 'conv4k40,2'],
    /network\.layers\.0: a 40x40 kernel does not fit its 28x28 input \(padding 0\): use a smaller kernel or more padding/,
  ],
  [
    'pooling window that does not divide',
    [...train, '--layers', 'conv4k3s2p1,maxpool3,2'],
    /network\.layers\.1: a 3x3 pooling window does not divide its 14x14 input/,
  ],
  [
    'conv after a dense layer',
    [...train, '--layers', '8,conv4k3,2'],
    /network\.layers\.1: a conv layer needs feature maps \(C x H x W\) as its input, but layer 1 is dense/,
  ],
  ['conv output layer', [...train, '--layers', 'conv4k3'], /network\.layers\.0: the output layer produces the logits: make it a dense layer \(it is conv\)/],
  ['negative lambda', [...train, '--layers', '8,2', '--lambda=-1'], /network\.layers\.0\.lambda: lambda must be 0 or more/],
  ['negative lambda, dash value', [...train, '--layers', '8,2', '--lambda', '-1'], /--lambda.*ambiguous.*--lambda=/],
  ['empty folder', [...train, '--data', 'folder', '--folder', emptyFolder, '--layers', '2'], new RegExp(`${emptyFolder.replace(/[/\\]/g, '.')}`)],
  ['PNG of another size', [...train, '--data', 'folder', '--folder', oddFolder, '--layers', '2'], /3\.png.*32x28.*28x28|3\.png.*28x28.*32x28/],
  ['missing run id', ['svd', '20260101-000000-nope-abcd'], /run "20260101-000000-nope-abcd" not found/],
  [
    'unreadable config file',
    [...train, '--config', path.join(root, 'missing.json')],
    /--config .*missing\.json: cannot read the file \(ENOENT\): check the path/,
  ],
  ['config file that is not JSON', [...train, '--config', badJson], /--config .*bad\.json: not valid JSON/],
  ['unknown command', ['trian'], /unknown command 'trian'/],
  ['unknown flag', [...train, '--layres', '2'], /Unknown option '--layres'/],
];

describe('racecar bad input', () => {
  for (const [what, args, message] of cases) {
    it(`${what}: one clear line, non-zero exit, nothing written`, () => {
      const ws = path.join(tempDir('racecar-ws-'), 'workspace');
      const r = racecar([...args, '--workspace', ws]);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^racecar: /);
      expect(lines[0]).toMatch(message);
      expect(fs.existsSync(ws)).toBe(false);
    });
  }
});
