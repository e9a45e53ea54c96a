// What a person set up survives a page reload and an app restart, per
// workspace: the Experiment form as edited, the runs picked in Backward and
// SVD, and the sweep form. Kept by the engine in the workspace (ui.load /
// ui.save), since a browser-mode page's own storage is per port. Read back
// only where it has the shape of today's forms (an older app's state is left
// out, not half-applied).
import type { EngineApi } from '../../../../electron/contract/contract';
import { defaultForm, newLayerKey, upgradeSavedForm, type FormState } from '../form';
import { defaultSweepForm, type SweepFormState } from '../sweepForm';

export const SESSION_VERSION = 1;

export interface Session {
  v: typeof SESSION_VERSION;
  form: FormState;
  backwardRunIds: string[];
  svdRunIds: string[];
  sweepForm: SweepFormState;
}

/** The parts of the app a session holds (AppStore's, as plain references). */
export interface SessionHost {
  experiment: { form: FormState };
  sweeps: { form: SweepFormState };
  backwardRunIds: string[];
  svdRunIds: string[];
}

/** Whether `v` has the shape of `template`: the same keys with values of the same types (arrays: each item like the template's first). */
export function sameShape(v: unknown, template: unknown): boolean {
  if (Array.isArray(template)) return Array.isArray(v) && (template.length === 0 || v.every((x) => sameShape(x, template[0])));
  if (template !== null && typeof template === 'object') {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    return Object.entries(template).every(([k, t]) => sameShape((v as Record<string, unknown>)[k], t));
  }
  return typeof v === typeof template;
}

const ids = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);

export function snapshot(app: SessionHost): Session {
  return {
    v: SESSION_VERSION,
    form: $state.snapshot(app.experiment.form),
    backwardRunIds: [...app.backwardRunIds],
    svdRunIds: [...app.svdRunIds],
    sweepForm: $state.snapshot(app.sweeps.form),
  };
}

/** Puts back what a saved session holds, each part only if it has today's shape; run ids only of runs that exist. */
export function restore(app: SessionHost, saved: Record<string, unknown> | null, runIds: ReadonlySet<string>): void {
  if (!saved || saved.v !== SESSION_VERSION) return;
  const savedForm = upgradeSavedForm(saved.form);
  if (sameShape(savedForm, defaultForm())) {
    const form = structuredClone(savedForm) as FormState;
    // Keys are only for keyed rendering: new ones, so that layers added later never share one.
    for (const l of form.layers) l.key = newLayerKey();
    app.experiment.form = form;
  }
  if (sameShape(saved.sweepForm, defaultSweepForm())) app.sweeps.form = structuredClone(saved.sweepForm) as SweepFormState;
  const pick = (v: unknown) => (ids(v) ?? []).filter((id) => runIds.has(id));
  if (ids(saved.backwardRunIds)) app.backwardRunIds = pick(saved.backwardRunIds);
  if (ids(saved.svdRunIds)) app.svdRunIds = pick(saved.svdRunIds);
}

/**
 * Loads the workspace's session into the app, then saves every change (at
 * most one save in flight; the latest state wins). Returns the stop function.
 */
export async function keepSession(api: EngineApi, app: SessionHost, runIds: () => ReadonlySet<string>): Promise<() => void> {
  let saved: Record<string, unknown> | null = null;
  try {
    saved = (await api.call('ui.load', {})).state;
  } catch {
    // An engine without it: the app starts with defaults.
  }
  restore(app, saved, runIds());
  let last = JSON.stringify(snapshot(app));
  let pending: string | null = null;
  let saving = false;
  const flush = async () => {
    if (saving) return;
    saving = true;
    try {
      while (pending !== null) {
        const text = pending;
        pending = null;
        await api.call('ui.save', { state: JSON.parse(text) as Record<string, unknown> }).catch(() => {});
      }
    } finally {
      saving = false;
    }
  };
  return $effect.root(() => {
    $effect(() => {
      const text = JSON.stringify(snapshot(app));
      if (text === last) return;
      last = text;
      pending = text;
      void flush();
    });
  });
}
