// A run's phases: greedy layer-wise pretraining of each listed layer in turn
// (training.pretrain), then the task. Derived from the config alone, so the
// trainer, a resume and every view agree on where each phase starts.
import type { RunConfig } from '../config/schema';

export interface Phase {
  /** 'pretrain' trains `layer` (0-based) alone to reconstruct its input; 'task' trains the whole network. */
  kind: 'pretrain' | 'task';
  layer?: number;
  /** First and last step of the phase (1-based, inclusive). */
  start: number;
  end: number;
  label: string;
}

/** Layers pretrained, 0-based: those listed, else every hidden layer with weights (the only layer of a one-layer net); pooling layers have none. */
export function pretrainedLayers(c: RunConfig): number[] {
  const p = c.training.pretrain;
  if (!p) return [];
  const L = c.network.layers.length;
  if (p.layers) return [...new Set(p.layers)].sort((a, b) => a - b).map((n) => n - 1);
  return Array.from({ length: Math.max(1, L - 1) }, (_, k) => k).filter((k) => c.network.layers[k].type !== 'pool');
}

export const pretrainSteps = (c: RunConfig): number => pretrainedLayers(c).length * (c.training.pretrain?.stepsPerLayer ?? 0);

export function phasesOf(c: RunConfig, totalSteps: number): Phase[] {
  const per = c.training.pretrain?.stepsPerLayer ?? 0;
  const out: Phase[] = pretrainedLayers(c).map((k, i) => ({
    kind: 'pretrain',
    layer: k,
    start: i * per + 1,
    end: (i + 1) * per,
    label: `pretraining layer ${k + 1}`,
  }));
  const pre = out.length * per;
  if (totalSteps > pre) out.push({ kind: 'task', start: pre + 1, end: totalSteps, label: 'task' });
  return out;
}

export const phaseAt = (phases: Phase[], step: number): Phase => phases.find((p) => step >= p.start && step <= p.end) ?? phases[phases.length - 1];
