// Execution providers: the choice between the CPU and a GPU, the probe, and
// the fallback where no GPU answers (every machine without one: CI's, this one).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../../electron/engine/backend';
import { chooseProvider, gpuDevicePresent, probeProvider, providerReason, requestedProvider } from '../../../electron/engine/onnx/providers';
import { RunStore } from '../../../electron/engine/store/runStore';
import { pickByProbe, planProvider } from '../../../electron/engine/train/provider';
import { trainToEnd } from '../../../electron/engine/train/trainer';
import type { StepEngine } from '../../../electron/engine/train/stepEngine';
import { smallPeak } from '../../helpers/configs';
import { tempDir } from '../../helpers/tmp';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('naming a provider', () => {
  it('reads onnx-<provider> from RACECAR_BACKEND', () => {
    expect(requestedProvider('onnx-webgpu')).toBe('webgpu');
    expect(requestedProvider(' onnx-cuda ')).toBe('cuda');
    expect(requestedProvider('onnx')).toBeNull();
    expect(requestedProvider(undefined)).toBeNull();
    expect(requestedProvider('onnx-metal')).toBeUndefined();
  });

  it('refuses a provider that does not exist, listing the ones that do', async () => {
    await expect(initBackend('onnx-metal')).rejects.toThrow(
      'RACECAR_BACKEND=onnx-metal is not a backend: use one of onnx, tensorflow, wasm, cpu, onnx-webgpu, onnx-cuda, onnx-dml, onnx-coreml or unset it',
    );
    expect(await initBackend('onnx-webgpu')).toBe('onnx');
  });

  it('keeps the line a person reads from ORT’s failures', () => {
    expect(
      providerReason(
        new Error(
          '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nstack',
        ),
      ),
    ).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(providerReason(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toBe(
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    );
  });
});

describe('the choice', () => {
  const cpu = { provider: 'cpu' as const, msPerStep: 10 };
  it('takes a GPU only when the probe measured it clearly faster', () => {
    expect(chooseProvider(cpu, [{ provider: 'webgpu', msPerStep: 4 }])).toEqual({ provider: 'webgpu', why: 'probe: WebGPU 4.00 ms/step vs CPU 10.00 ms/step' });
    expect(chooseProvider(cpu, [{ provider: 'webgpu', msPerStep: 9.5 }]).provider).toBe('cpu');
    expect(chooseProvider(cpu, [{ provider: 'webgpu', msPerStep: 30 }]).why).toBe(
      'probe: CPU 10.00 ms/step vs WebGPU 30.00 ms/step (the GPU is not faster for this step)',
    );
    expect(
      chooseProvider(cpu, [
        { provider: 'cuda', msPerStep: 2 },
        { provider: 'webgpu', msPerStep: 3 },
      ]).provider,
    ).toBe('cuda');
    expect(chooseProvider(cpu, [{ provider: 'cuda', msPerStep: NaN }]).provider).toBe('cpu');
  });

  it('asks no provider on a Linux machine without a GPU device, and looks for the device nodes of each kind', () => {
    const none = { exists: () => false, list: () => [] as string[] };
    expect(gpuDevicePresent('webgpu', 'linux', none.exists, none.list)).toBe(false);
    expect(gpuDevicePresent('webgpu', 'linux', none.exists, (d) => (d === '/dev/dri' ? ['card0', 'renderD128'] : []))).toBe(true);
    expect(gpuDevicePresent('cuda', 'linux', none.exists, (d) => (d === '/dev/dri' ? ['renderD128'] : []))).toBe(false);
    expect(gpuDevicePresent('cuda', 'linux', none.exists, (d) => (d === '/dev' ? ['nvidia0', 'nvidiactl'] : []))).toBe(true);
    expect(gpuDevicePresent('webgpu', 'linux', (f) => f === '/dev/dxg', none.list)).toBe(true);
    expect(gpuDevicePresent('dml', 'win32', none.exists, none.list)).toBe(true);
  });

  it('the probe keeps a GPU engine that fails on the graph out of the choice, and disposes it', async () => {
    const disposed: string[] = [];
    const fake = (name: string, fails: boolean): StepEngine =>
      ({
        backend: 'onnx',
        lossParts: async () => {
          if (fails) throw new Error('unsupported node');
          return [0];
        },
        dispose: () => disposed.push(name),
      }) as unknown as StepEngine;
    const batch = { x: new Float32Array(4), y: new Float32Array(2), rows: 1, full: true };
    const r = await pickByProbe(async (p) => fake(p, p !== 'cpu'), ['webgpu'], batch, null);
    expect(r.provider).toBe('cpu');
    expect(r.why).toMatch(/^no GPU provider answered; CPU \d+\.\d\d ms\/step$/);
    expect(disposed).toEqual(['webgpu']);
  });
});

describe('on this machine', () => {
  it('a probe answers with a result or one line saying why not', async () => {
    const a = await probeProvider('webgpu');
    if (!a.ok) {
      expect(a.reason.length).toBeGreaterThan(0);
      expect(a.reason).not.toMatch(/\n/);
    }
    expect(await probeProvider('cpu')).toEqual({ ok: true });
  });

  it('a forced provider that cannot run here is refused in one line and nothing is written', async () => {
    // CoreML exists on macOS only: refused on every Linux and Windows machine.
    if (process.platform === 'darwin') return;
    vi.stubEnv('RACECAR_BACKEND', 'onnx-coreml');
    await expect(planProvider()).rejects.toThrow(
      'RACECAR_BACKEND=onnx-coreml: CoreML cannot run here (this build of onnxruntime-node has no CoreML provider): unset RACECAR_BACKEND to train on the CPU',
    );
    const ws = tempDir();
    await expect(trainToEnd(smallPeak(), { store: new RunStore(ws) })).rejects.toThrow(/^RACECAR_BACKEND=onnx-coreml: CoreML cannot run here/);
    expect(fs.existsSync(path.join(ws, 'runs')) ? fs.readdirSync(path.join(ws, 'runs')) : []).toEqual([]);
  });

  it('the automatic choice trains where no GPU answers, on the CPU, and records it', async () => {
    const plan = await planProvider(undefined);
    const store = new RunStore(tempDir());
    const run = await trainToEnd(smallPeak({ training: { steps: 4, evalEvery: 4, checkpointEvery: 0, backwardSamples: 0 } }), { store });
    expect(run.status).toBe('completed');
    expect(run.versions.onnxProvider).toEqual(plan.candidates.length ? expect.any(String) : 'cpu');
    const log = fs.readFileSync(path.join(store.workspace, 'runs', run.id, 'train.log'), 'utf8');
    if (plan.notice) expect(log.split('\n').filter((l) => l === plan.notice)).toHaveLength(1);
  });
});
