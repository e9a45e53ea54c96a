// Checkpoints and optimizer state as safetensors files: what the format says
// (read back here, and by numpy following the format's spec), written by real
// training, and runs from before (JSON checkpoints) still read and resumed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../../electron/engine/config/schema';
import { CHECKPOINT_FORMAT, parseCheckpoint } from '../../../electron/engine/model/checkpoint';
import { checkpointPath, legacyCheckpointPath, legacyOptimizerPath, optimizerPath } from '../../../electron/engine/store/layout';
import { RunStore } from '../../../electron/engine/store/runStore';
import { decodeOptimizerState } from '../../../electron/engine/train/optimizerFile';
import { serializeOptimizerState } from '../../../electron/engine/train/optimizers';
import { trainRun, trainToEnd } from '../../../electron/engine/train/trainer';
import { decodeSafetensors, encodeSafetensors } from '../../../electron/engine/util/safetensors';
import { tempDir } from '../../helpers/tmp';

const config: RunConfigInput = {
  name: 'ckpt',
  seed: 4,
  data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3 } },
  network: {
    layers: [
      { units: 6, activation: 'relu', batchNorm: true, lambda: 1e-3 },
      { units: 2, activation: 'linear', lambda: 1e-3 },
    ],
  },
  training: { steps: 30, evalEvery: 10, checkpointEvery: 10, batchSize: 0, backwardSamples: 1, optimizer: { kind: 'adam', learningRate: 1e-3 } },
};

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/** Reads a safetensors file the way the format's spec says, with numpy: { name: [shape, sum] }, and the metadata. */
function readWithNumpy(file: string): { tensors: Record<string, [number[], number]>; metadata: Record<string, string> } {
  const script = `
import json, struct, sys, numpy as np
b = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', b[:8])
h = json.loads(b[8:8 + n])
meta = h.pop('__metadata__', {})
out = {}
for k, v in h.items():
    s, e = v['data_offsets']
    a = np.frombuffer(b[8 + n + s:8 + n + e], dtype='<f4').reshape(v['shape'])
    out[k] = [list(a.shape), float(a.astype(np.float64).sum())]
print(json.dumps({'tensors': out, 'metadata': meta}))`;
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata, with an 8-byte aligned header', () => {
    const a = Float32Array.from([1.5, -2, Math.PI, 0, 1e-30, 3e38]);
    const buf = encodeSafetensors(
      [
        ['a', { shape: [2, 3], data: a }],
        ['b', { shape: [1], data: Float32Array.from([7]) }],
      ],
      { note: 'x' },
    );
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    expect(buf.length).toBe(8 + n + 4 * 7);
    const back = decodeSafetensors(buf);
    expect(back.metadata).toEqual({ note: 'x' });
    expect(back.tensors.get('a')).toEqual({ shape: [2, 3], data: a });
    expect(() => decodeSafetensors(buf.subarray(0, buf.length - 4))).toThrow(/tensor "b": shape \[1\] and data_offsets \[24,28\] do not fit the file/);
    expect(() => decodeSafetensors(Buffer.from('{"format":"racecar-checkpoint/1"}'))).toThrow(/not a safetensors file/);
  });
});

describe('checkpoints of a run', () => {
  it('are safetensors files that numpy reads as the workbench does, with the optimizer state beside them', async () => {
    const store = new RunStore(tempDir());
    const run = await trainToEnd(config, { store });
    const file = checkpointPath(store.workspace, run.id, 30);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.existsSync(legacyCheckpointPath(store.workspace, run.id, 30))).toBe(false);
    const ck = parseCheckpoint(store.readCheckpoint(run.id, 30));
    expect(ck.step).toBe(30);
    expect(ck.params[0]!.w!.shape).toEqual([784, 6]);
    expect(ck.params[0]!.movingVar!.data).toHaveLength(6);
    // Only the latest optimizer state is kept, as safetensors.
    expect(fs.readdirSync(path.dirname(optimizerPath(store.workspace, run.id, 30)))).toEqual(['0000030.safetensors']);
    const state = decodeOptimizerState(store.readOptimizerState(run.id, 30)!);
    expect(state.arrays.length).toBeGreaterThan(0);
    if (!numpy) return; // numpy is the independent reader; without it the round trip above stands
    const np = readWithNumpy(file);
    expect(np.metadata).toMatchObject({ format: 'racecar-checkpoint/2', step: '30', inputSize: '784' });
    expect(np.tensors['layers.0.w']![0]).toEqual([784, 6]);
    const sum = ck.params[0]!.w!.data.reduce((s, v) => s + v, 0);
    expect(np.tensors['layers.0.w']![1]).toBeCloseTo(sum, 3);
    expect(np.tensors['layers.1.b']![0]).toEqual([2]);
  });

  it('of a run from before (JSON checkpoint and optimizer state) are read, and the run resumes from them', async () => {
    const store = new RunStore(tempDir());
    const abort = new AbortController();
    let id = '';
    for await (const e of trainRun(config, { store, signal: abort.signal })) {
      if (e.type === 'started') id = e.runId;
      if (e.type === 'evaluation' && e.record.step === 20) abort.abort();
    }
    // Turn its files into what the workbench wrote before safetensors.
    const ws = store.workspace;
    const ck = parseCheckpoint(store.readCheckpoint(id, 20));
    const t = (a: Float32Array | undefined, shape: number[]) =>
      a ? { shape, data: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') } : undefined;
    const legacy = {
      format: CHECKPOINT_FORMAT,
      step: 20,
      inputSize: ck.inputSize,
      layers: ck.layers,
      params: ck.params.map((p) => ({
        w: t(p.w!.data, p.w!.shape),
        b: t(p.b!.data, p.b!.shape),
        gamma: t(p.gamma?.data, p.b!.shape),
        beta: t(p.beta?.data, p.b!.shape),
        movingMean: t(p.movingMean?.data, p.b!.shape),
        movingVar: t(p.movingVar?.data, p.b!.shape),
      })),
    };
    for (const s of [10, 20]) fs.rmSync(checkpointPath(ws, id, s));
    fs.writeFileSync(legacyCheckpointPath(ws, id, 20), JSON.stringify(legacy));
    const state = decodeOptimizerState(store.readOptimizerState(id, 20)!);
    fs.rmSync(optimizerPath(ws, id, 20));
    fs.writeFileSync(legacyOptimizerPath(ws, id, 20), serializeOptimizerState(state));

    expect(parseCheckpoint(store.readCheckpoint(id, 20))).toEqual(ck);
    expect(decodeOptimizerState(store.readOptimizerState(id, 20)!)).toEqual(state);
    const resumed = await trainToEnd(store.get(id).config, { store, runId: id, resume: true });
    expect(resumed.status).toBe('completed');
    expect(resumed.checkpointSteps).toEqual([10, 20, 30]);
    // The new checkpoint is safetensors; the old JSON one stays readable beside it.
    expect(fs.existsSync(checkpointPath(ws, id, 30))).toBe(true);
    expect(parseCheckpoint(store.readCheckpoint(id, 20)).step).toBe(20);
  });
});
