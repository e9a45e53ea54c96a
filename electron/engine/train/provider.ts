// Which execution provider an ONNX run trains on. Forced by
// RACECAR_BACKEND=onnx-<provider> (refused in one line, before anything is
// written, where that provider cannot run here); otherwise every GPU provider
// that answers is timed against the CPU on the run's own step, and the faster
// is taken and recorded. Where none answers, the CPU, with one notice.
import { BackendError } from '../backend';
import {
  chooseProvider,
  gpuDevicePresent,
  listedGpuProviders,
  probeProvider,
  providerName,
  requestedProvider,
  type Provider,
  type ProviderTiming,
} from '../onnx/providers';
import type { HostBatch } from './batches';
import type { SripVectors, StepEngine } from './stepEngine';

export interface ProviderPlan {
  /** Forced, or the CPU when no GPU answered. */
  provider: Provider;
  /** GPU providers that answered: the timing probe picks among them and the CPU. */
  candidates: Provider[];
  /** One line for the run's log where the automatic choice fell back to the CPU; null otherwise. */
  notice: string | null;
}

export async function planProvider(backend: string | undefined = process.env.RACECAR_BACKEND): Promise<ProviderPlan> {
  const forced = requestedProvider(backend);
  if (forced) {
    const a = await probeProvider(forced);
    if (!a.ok)
      throw new BackendError(
        `RACECAR_BACKEND=onnx-${forced}: ${providerName(forced)} cannot run here (${a.reason}): unset RACECAR_BACKEND to train on the CPU`,
      );
    return { provider: forced, candidates: [], notice: null };
  }
  const listed = listedGpuProviders();
  const present = listed.filter((p) => gpuDevicePresent(p));
  if (present.length === 0) return { provider: 'cpu', candidates: [], notice: listed.length ? 'no GPU device here: training on the CPU' : null };
  const probed = await Promise.all(present.map(async (p) => ({ p, a: await probeProvider(p) })));
  const candidates = probed.filter((x) => x.a.ok).map((x) => x.p);
  const failed = probed.flatMap((x) => (x.a.ok ? [] : [`${providerName(x.p)}: ${x.a.reason}`]));
  const notice = candidates.length === 0 && failed.length ? `no GPU to train on (${failed.join('; ')}): training on the CPU` : null;
  return { provider: 'cpu', candidates, notice };
}

/** Steps timed per provider: enough to pass the first runs' set-up, short beside any run that gains from a GPU. */
const PROBE_STEPS = 8;

/** Median milliseconds of the step graph (not committed: the run's state is unchanged) on one engine. */
export async function timeSteps(engine: StepEngine, batch: HostBatch, srip: SripVectors, steps = PROBE_STEPS): Promise<number> {
  await engine.lossParts(batch, srip); // first run: kernels compiled, buffers placed
  const t: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await engine.lossParts(batch, srip);
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
}

/**
 * Builds the CPU engine and one per candidate, times them on the run's first
 * batch, keeps the fastest and disposes the others.
 */
export async function pickByProbe(
  make: (p: Provider) => Promise<StepEngine>,
  candidates: Provider[],
  batch: HostBatch,
  srip: SripVectors,
): Promise<{ engine: StepEngine; provider: Provider; why: string }> {
  const engines = new Map<Provider, StepEngine>();
  const timings: ProviderTiming[] = [];
  for (const p of ['cpu' as Provider, ...candidates]) {
    try {
      const e = await make(p);
      engines.set(p, e);
      timings.push({ provider: p, msPerStep: await timeSteps(e, batch, srip) });
    } catch {
      timings.push({ provider: p, msPerStep: NaN }); // a provider that fails on this graph is not chosen
    }
  }
  const cpu = timings[0];
  if (!Number.isFinite(cpu.msPerStep)) throw new Error('the CPU provider failed to run the step graph');
  const choice = chooseProvider(cpu, timings.slice(1));
  for (const [p, e] of engines) if (p !== choice.provider) e.dispose();
  return { engine: engines.get(choice.provider)!, provider: choice.provider, why: choice.why };
}
