// Native notifications when a run ends, with fakes of Electron's Notification and window.
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineHandler } from '../../../electron/contract/contract';
import { RunConfigSchema } from '../../../electron/engine/config/schema';
import type { RunRecord } from '../../../electron/engine/types';
import { notifyRunEnds, runEndText } from '../../../electron/main/runNotices';

const run: RunRecord = {
  id: 'r1',
  name: 'MNIST RR',
  status: 'completed',
  config: RunConfigSchema.parse({ network: { layers: [{ units: 2, activation: 'linear' }] } }),
  totalSteps: 1000,
  backend: 'cpu',
  versions: {},
  createdAt: '2025-01-01T00:00:00Z',
  lastStep: 400,
  backwardSteps: [],
  checkpointSteps: [],
};

function fakeHandler() {
  const listeners = new Set<(e: EngineEvent) => void>();
  const handler: EngineHandler = {
    handle: (async (channel: string) => {
      if (channel !== 'runs.get') throw new Error('unexpected');
      return { run, metrics: [{ step: 400, testAccuracy: 0.9876 }] };
    }) as EngineHandler['handle'],
    onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return { handler, emit: (e: EngineEvent) => listeners.forEach((l) => l(e)), listeners };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('native notifications when a run ends', () => {
  it('say how the run ended, unless the window has the focus; a click brings the window forward', async () => {
    const { handler, emit, listeners } = fakeHandler();
    const shown: { title: string; body: string }[] = [];
    const clicks: (() => void)[] = [];
    let focused = false;
    let raised = 0;
    const off = notifyRunEnds(handler, {
      isSupported: () => true,
      windowFocused: () => focused,
      focusWindow: () => raised++,
      create: (o) => ({ show: () => shown.push(o), on: (_e, l) => clicks.push(l) }),
    });
    emit({ type: 'train', event: { type: 'progress', runId: 'r1', step: 1, totalSteps: 2, stepsPerSec: 1 } });
    emit({ type: 'train', event: { type: 'finished', runId: 'r1', status: 'completed' } });
    await settle();
    expect(shown).toEqual([{ title: 'Run completed', body: '"MNIST RR"; test accuracy 98.8%' }]);
    clicks[0]!();
    expect(raised).toBe(1);
    focused = true;
    emit({ type: 'train', event: { type: 'finished', runId: 'r1', status: 'failed', error: 'out of memory' } });
    await settle();
    expect(shown).toHaveLength(1);
    off();
    expect(listeners.size).toBe(0);
  });

  it('word each ending', () => {
    const e = (status: 'completed' | 'cancelled' | 'failed', error?: string) => ({
      type: 'finished' as const,
      runId: 'r1',
      status,
      ...(error ? { error } : {}),
    });
    expect(runEndText(e('cancelled'), run, 0.5)).toEqual({ title: 'Run cancelled', body: '"MNIST RR" at step 400 of 1000; test accuracy 50.0%' });
    expect(runEndText(e('failed', 'loss is NaN'), run, null)).toEqual({ title: 'Run failed', body: '"MNIST RR": loss is NaN' });
    expect(runEndText(e('completed'), null, null)).toEqual({ title: 'Run completed', body: 'r1' });
  });

  it('show nothing where notifications are not supported', async () => {
    const { handler, emit } = fakeHandler();
    let created = 0;
    notifyRunEnds(handler, { isSupported: () => false, windowFocused: () => false, focusWindow: () => {}, create: () => (created++, { show() {}, on() {} }) });
    emit({ type: 'train', event: { type: 'finished', runId: 'r1', status: 'completed' } });
    await settle();
    expect(created).toBe(0);
  });
});
