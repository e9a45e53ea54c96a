// SVD results the SVD view has loaded, kept across views: each run's
// decomposition of a layer at a checkpoint (σ, alignment, images) and the
// singular vectors it asked for as numbers. Loaded results are reactive, so
// the view can share one spectrum axis and one colour scale across runs.
import type { EngineApi, SvdView } from '../../../../electron/contract/contract';
import { decodeF32 } from '../svd';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export interface VectorValues {
  index: number;
  sigma: number;
  values: Float32Array;
}

/** A result's key: the run, the layer and the checkpoint step asked for ('latest' resolves to a step). */
export const svdKey = (id: string, layer: number, step: number | 'latest', latest?: number) =>
  `${id}|${layer}|${step === 'latest' ? `latest@${latest ?? '?'}` : step}`;

export class SvdStore {
  /** Key -> decomposition (σ, alignment, images). */
  views = $state.raw<Record<string, SvdView>>({});
  errors = $state.raw<Record<string, string>>({});
  /** Key -> vector index -> numbers. */
  vectors = $state.raw<Record<string, Record<number, VectorValues>>>({});
  private inflight = new Map<string, Promise<SvdView | null>>();
  private vectorInflight = new Map<string, Promise<void>>();

  constructor(private readonly api: EngineApi) {}

  /** Loads (once) a run's decomposition; null on error (errors[key] says why). */
  load(id: string, layer: number, step: number | null, latest: number | undefined): Promise<SvdView | null> {
    const key = svdKey(id, layer, step ?? 'latest', latest);
    const have = this.views[key];
    if (have) return Promise.resolve(have);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.api
      .call('svd.get', step === null ? { id, layer } : { id, layer, step })
      .then((v) => {
        this.views = { ...this.views, [key]: v };
        if (this.errors[key]) {
          const { [key]: _drop, ...rest } = this.errors;
          this.errors = rest;
        }
        return v;
      })
      .catch((e: unknown) => {
        this.errors = { ...this.errors, [key]: errorMessage(e) };
        return null;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Loads the vectors of `indices` that are not loaded yet, at the decomposition's step. */
  async loadVectors(key: string, view: SvdView, indices: readonly number[]): Promise<void> {
    const have = this.vectors[key] ?? {};
    const missing = [...new Set(indices)].filter((j) => !have[j] && j < view.singularValues.length);
    if (!missing.length) return;
    const flight = `${key}#${missing.join(',')}`;
    const pending = this.vectorInflight.get(flight);
    if (pending) return pending;
    const p = (async () => {
      try {
        const r = await this.api.call('svd.vectors', { id: view.runId, layer: view.layer, step: view.step, indices: missing });
        const add: Record<number, VectorValues> = {};
        for (const v of r.vectors) add[v.index] = { index: v.index, sigma: v.sigma, values: decodeF32(v.values) };
        this.vectors = { ...this.vectors, [key]: { ...(this.vectors[key] ?? {}), ...add } };
      } catch (e) {
        this.errors = { ...this.errors, [key]: errorMessage(e) };
      } finally {
        this.vectorInflight.delete(flight);
      }
    })();
    this.vectorInflight.set(flight, p);
    return p;
  }

  /** Forgets a run's results (it was deleted). */
  forget(id: string): void {
    const keep = <T>(rec: Record<string, T>) => Object.fromEntries(Object.entries(rec).filter(([k]) => !k.startsWith(`${id}|`)));
    this.views = keep(this.views);
    this.vectors = keep(this.vectors);
    this.errors = keep(this.errors);
  }
}
