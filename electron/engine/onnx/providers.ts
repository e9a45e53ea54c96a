// ONNX Runtime's execution providers: the CPU (MLAS) and the GPUs the npm
// package can reach (WebGPU ships inside it; CUDA's files come with
// ONNXRUNTIME_NODE_INSTALL=cuda12; DirectML on Windows, CoreML on macOS).
// `RACECAR_BACKEND=onnx-<provider>` forces one; otherwise a GPU is used where
// one answers and a short probe measures it faster for the run's step.
import * as fs from 'node:fs';
import { errorMessage } from '../util/errorMessage';
import { GraphBuilder } from './graph';
import { loadOrt } from './runtime';

export const PROVIDERS = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const GPU_PROVIDERS: readonly Provider[] = ['cuda', 'dml', 'coreml', 'webgpu'];

const PROVIDER_NAMES: Record<Provider, string> = { cpu: 'CPU', webgpu: 'WebGPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML' };
export const providerName = (p: Provider): string => PROVIDER_NAMES[p];

/** The provider in a RACECAR_BACKEND value ('onnx-webgpu' -> 'webgpu'; 'onnx' -> null); undefined when it names none. */
export function requestedProvider(backend: string | undefined): Provider | null | undefined {
  const b = backend?.trim();
  if (!b || b === 'onnx') return null;
  const m = /^onnx-(\w+)$/.exec(b);
  return m && (PROVIDERS as readonly string[]).includes(m[1]) ? (m[1] as Provider) : undefined;
}

/**
 * Whether this machine shows a device the provider could drive. On Linux a GPU
 * has device nodes (DRM render nodes, NVIDIA's, WSL's /dev/dxg); without one
 * the automatic choice does not ask the provider at all (Dawn and CUDA's
 * loader print to stderr when they find nothing). Elsewhere the probe decides.
 */
export function gpuDevicePresent(
  p: Provider,
  platform = process.platform,
  exists = (f: string) => fs.existsSync(f),
  list = (d: string) => safeList(d),
): boolean {
  if (platform !== 'linux') return true;
  const nvidia = list('/dev').some((f) => /^nvidia\d+$/.test(f));
  if (p === 'cuda') return nvidia;
  return nvidia || exists('/dev/dxg') || list('/dev/dri').some((f) => f.startsWith('renderD'));
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** GPU providers this build of onnxruntime-node lists (their libraries may still be missing or refuse). */
export function listedGpuProviders(): Provider[] {
  const ort = loadOrt();
  if (!ort) return [];
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string }[] }).listSupportedBackends?.() ?? [];
  return GPU_PROVIDERS.filter((p) => list.some((b) => b.name === p));
}

/**
 * One line from a provider's failure: ORT's messages start with the source
 * file and the failed check ("…/webgpu_context.cc:136 … was false. Failed to
 * get a WebGPU adapter: No supported adapters"); keep what a person reads.
 */
export function providerReason(e: unknown): string {
  const first = errorMessage(e).split('\n')[0].trim();
  const tail = /(?:was false\.|\] :\s*\d+ :\s*\w+ :)\s*(.+)$/.exec(first)?.[1] ?? first.replace(/^\S+\.(cc|cpp|h):\d+\s+/, '');
  return tail.replace(/\s+/g, ' ').slice(0, 240);
}

export type Availability = { ok: true } | { ok: false; reason: string };

const probes = new Map<Provider, Promise<Availability>>();

/** Whether a session on `p` can be made and run here (one tiny graph, once per process). */
export function probeProvider(p: Provider): Promise<Availability> {
  let r = probes.get(p);
  if (!r) {
    r = (async (): Promise<Availability> => {
      const ort = loadOrt();
      if (!ort) return { ok: false, reason: 'onnxruntime-node does not load here' };
      if (p !== 'cpu' && !listedGpuProviders().includes(p)) return { ok: false, reason: `this build of onnxruntime-node has no ${providerName(p)} provider` };
      try {
        const g = new GraphBuilder('racecar-probe');
        const x = g.input('x', [2, 2]);
        g.output(g.gemm(x, x), 'y', [2, 2]);
        const s = await ort.InferenceSession.create(g.encode('probe'), { executionProviders: [p], logSeverityLevel: 4 });
        const out = await s.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]) });
        await s.release();
        const y = out.y.data as Float32Array;
        if (y[0] !== 7 || y[3] !== 22) return { ok: false, reason: `${providerName(p)} computed a wrong product` };
        return { ok: true };
      } catch (e) {
        return { ok: false, reason: providerReason(e) };
      }
    })();
    probes.set(p, r);
  }
  return r;
}

export interface ProviderTiming {
  provider: Provider;
  msPerStep: number;
}

/** A GPU wins only when the probe measured it clearly faster than the CPU (10%: timer noise on short probes). */
export const GPU_MARGIN = 0.9;

/** The provider to train on, from the probe's step times, and why, in words. */
export function chooseProvider(cpu: ProviderTiming, gpus: ProviderTiming[]): { provider: Provider; why: string } {
  const fmt = (t: ProviderTiming) => `${providerName(t.provider)} ${t.msPerStep.toFixed(2)} ms/step`;
  const best = [...gpus].filter((g) => Number.isFinite(g.msPerStep)).sort((a, b) => a.msPerStep - b.msPerStep)[0];
  if (!best) return { provider: 'cpu', why: `no GPU provider answered; ${fmt(cpu)}` };
  if (best.msPerStep < GPU_MARGIN * cpu.msPerStep) return { provider: best.provider, why: `probe: ${fmt(best)} vs ${fmt(cpu)}` };
  return { provider: 'cpu', why: `probe: ${fmt(cpu)} vs ${fmt(best)} (the GPU is not faster for this step)` };
}
