// `racecar train`, `runs` and `svd` as a user runs them, backend selection,
// and a run whose process is killed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, TINY_PEAK, racecar } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';

const quick = ['train', ...TINY_PEAK, '--lambda', '1e-6', '--steps', '30', '--eval-every', '10'];

describe('racecar train / runs / svd', () => {
  it('trains from flags, lists the run and decomposes its first layer', () => {
    const ws = tempDir();
    const t = racecar([...quick, '--name', 'flags', '--workspace', ws]);
    expect(t.code, t.stderr).toBe(0);
    const id = t.stdout.trim();
    expect(id).toMatch(/^\d{8}-\d{6}-flags-[0-9a-f]{4}$/);
    expect(t.stderr).toMatch(/completed/);
    const runs = racecar(['runs', '--workspace', ws]);
    expect(runs.stdout).toMatch(/^id\s+name\s+status\s+data\s+net\s/);
    expect(runs.stdout).toMatch(new RegExp(`${id}\\s+flags\\s+completed\\s+peak\\s+784-16bn-2`));
    const json = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout);
    expect(json.runs[0].run.config.network.layers[0]).toEqual({ units: 16, activation: 'relu', batchNorm: true, lambda: 1e-6 });
    expect(json.runs[0].last.step).toBe(30);
    // Layers and vectors are numbered as in the app: layer 1, u1..uk.
    const svd = racecar(['svd', id, '--layer', '1', '--workspace', ws]);
    expect(svd.code, svd.stderr).toBe(0);
    expect(svd.stdout).toMatch(/layer 1 step 30: W is 784x16/);
    expect(svd.stdout.match(/singular values \(u1\.\.u16\): (.*)/)![1].split(' ')).toHaveLength(16);
    const best = [...svd.stdout.matchAll(/^\s*(\d)\s+(u\d+)\s+[\d.]+\s*$/gm)].map((m) => m[2]);
    expect(best).toHaveLength(2);
    const svdJson = JSON.parse(racecar(['svd', id, '--json', '--workspace', ws]).stdout);
    expect(best).toEqual(svdJson.alignment.classMeans.map((c: { bestVector: number }) => `u${c.bestVector + 1}`));
    expect(racecar(['svd', id, '--layer', '2', '--workspace', ws]).stdout).toMatch(/layer 2 step 30: W is 16x2/);
    for (const bad of ['0', '3']) {
      const r = racecar(['svd', id, '--layer', bad, '--workspace', ws]);
      expect(r.stderr.trim()).toBe(`racecar: --layer ${bad}: run "${id}" has layers 1..2 (layer 1 is the first)`);
      expect(r.code).toBe(2);
    }

    // The list reads run.json only: a folder in place of metrics.jsonl changes nothing, and a
    // corrupt run.json of another run is one row saying why, beside the good run.
    fs.rmSync(path.join(ws, 'runs', id, 'metrics.jsonl'));
    fs.mkdirSync(path.join(ws, 'runs', id, 'metrics.jsonl'));
    const broken = '20260101-000000-broken-abcd';
    fs.mkdirSync(path.join(ws, 'runs', broken));
    fs.writeFileSync(path.join(ws, 'runs', broken, 'run.json'), '{"id": ');
    const listed = racecar(['runs', '--workspace', ws]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+flags\\s+completed`));
    expect(listed.stdout).toMatch(new RegExp(`${broken}\\s+unreadable\\s.*run\\.json is not valid JSON`));
    const listedJson = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout);
    expect(listedJson.runs.map((r: { last: { step: number } }) => r.last.step)).toEqual([30]);
    expect(listedJson.problems).toEqual([{ id: broken, error: expect.stringMatching(/not valid JSON/) }]);
  });

  it('a config file and flags combine; the file is the full recorded config', () => {
    const ws = tempDir();
    const file = path.join(ws, '..', `cfg-${path.basename(ws)}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'from-file',
        seed: 5,
        network: {
          layers: [
            { units: 8, activation: 'tanh' },
            { units: 2, activation: 'linear' },
          ],
        },
        training: { steps: 10, evalEvery: 5 },
      }),
    );
    const r = racecar(['train', '--config', file, '--seed', '6', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout).runs[0].run;
    expect(run.name).toBe('from-file');
    expect(run.config.seed).toBe(6);
    expect(run.config.network.layers[0].activation).toBe('tanh');
  });

  it('RACECAR_BACKEND forces a backend, records it, and fails clearly when it is absent', () => {
    const ws = tempDir();
    const cpu = racecar([...quick, '--steps', '3', '--eval-every', '3', '--workspace', ws], { RACECAR_BACKEND: 'cpu' });
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout).runs[0].run.backend).toBe('cpu');
    const onnx = racecar([...quick, '--steps', '3', '--eval-every', '3', '--workspace', ws], { RACECAR_BACKEND: 'onnx', RACECAR_ONNX_THREADS: '1' });
    expect(onnx.code, onnx.stderr).toBe(0);
    const runs = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout).runs.map(
      (r: { run: { backend: string; versions: Record<string, string> } }) => r.run,
    );
    expect(runs.find((r: { backend: string }) => r.backend === 'onnx')?.versions).toMatchObject({ onnxThreads: '1' });
    const ws2 = path.join(tempDir(), 'ws');
    const tfn = racecar([...quick, '--workspace', ws2], { RACECAR_BACKEND: 'tensorflow' });
    expect(tfn.code).not.toBe(0);
    expect(tfn.stderr.trim()).toBe(
      'racecar: RACECAR_BACKEND=tensorflow is not available here: install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node) or unset RACECAR_BACKEND',
    );
    const bogus = racecar([...quick, '--workspace', ws2], { RACECAR_BACKEND: 'gpu' });
    expect(bogus.stderr.trim()).toBe(
      'racecar: RACECAR_BACKEND=gpu is not a backend: use one of onnx, tensorflow, wasm, cpu, onnx-webgpu, onnx-cuda, onnx-dml, onnx-coreml or unset it',
    );
    const threads = racecar([...quick, '--workspace', ws2], { RACECAR_BACKEND: 'onnx', RACECAR_ONNX_THREADS: 'many' });
    expect(threads.stderr.trim()).toBe('racecar: RACECAR_ONNX_THREADS=many is not a thread count: use a whole number from 1 to 64 or unset it');
    expect(fs.existsSync(ws2)).toBe(false);
  });

  it('shows a run whose process died as interrupted, with its evaluations intact', async () => {
    const ws = tempDir();
    const child = spawn(process.execPath, [BIN, ...quick, '--steps', '1000000', '--eval-every', '10', '--name', 'killed', '--workspace', ws]);
    const runsDir = path.join(ws, 'runs');
    // Wait until three evaluations are on disk.
    const metricsFile = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const id = fs.existsSync(runsDir) ? fs.readdirSync(runsDir)[0] : undefined;
        const f = id && path.join(runsDir, id, 'metrics.jsonl');
        if (f && fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim().split('\n').length >= 3) {
          clearInterval(poll);
          resolve(f);
        } else if (Date.now() - started > 60_000) {
          clearInterval(poll);
          reject(new Error('no evaluations within 60 s'));
        }
      }, 50);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const lines = fs.readFileSync(metricsFile, 'utf8').trim().split('\n');
    const json = JSON.parse(racecar(['runs', '--json', '--workspace', ws]).stdout);
    expect(json.problems).toEqual([]);
    expect(json.runs[0].run.status).toBe('interrupted');
    expect(json.runs[0].last.step).toBe(JSON.parse(lines[lines.length - 1]).step);
    expect(racecar(['runs', '--workspace', ws]).stdout).toMatch(/interrupted/);
  });

  it('a diverging run exits 1 with the step and the fix; racecar runs shows it diverged, with why', () => {
    const ws = tempDir();
    const t = racecar([...quick, '--optimizer', 'sgd', '--lr', '1e6', '--name', 'too-fast', '--workspace', ws]);
    expect(t.code).toBe(1);
    const id = t.stdout.trim();
    const why = /^diverged at step \d+: the .* became .*: lower the learning rate \(training\.optimizer\.learningRate is 1000000, or use adam\)$/m;
    expect(t.stderr).toMatch(why);
    const runs = racecar(['runs', '--workspace', ws]).stdout;
    expect(runs).toMatch(new RegExp(`${id}\\s+too-fast\\s+diverged\\s`));
    expect(
      runs
        .split('\n')
        .find((l) => l.startsWith(`${id}: `))
        ?.slice(id.length + 2),
    ).toMatch(why);
  });

  it('a workspace that is a file is refused with one line', () => {
    for (const args of [['runs'], quick]) {
      const r = racecar([...args, '--workspace', '/etc/passwd']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('racecar: --workspace: /etc/passwd is a file, not a folder: give a folder\n');
    }
  });
});
