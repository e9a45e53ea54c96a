// Native notifications when a run ends (completed, cancelled, failed,
// interrupted), for a researcher who is in another window: the app shows its
// own notice too. Written against structural interfaces (Electron's
// Notification is passed in) so it is testable without the Electron binary.
import type { EngineEvent, EngineHandler } from '../contract/contract';

export interface NotificationLike {
  show(): void;
  on(event: 'click', listener: () => void): void;
}

export interface NotifierDeps {
  /** Electron's Notification.isSupported(). */
  isSupported(): boolean;
  create(options: { title: string; body: string; silent?: boolean }): NotificationLike;
  /** Whether the app's window has the focus (then its own notice is enough). */
  windowFocused(): boolean;
  /** Brings the window forward (a click on the notification). */
  focusWindow(): void;
}

type Finished = Extract<Extract<EngineEvent, { type: 'train' }>['event'], { type: 'finished' }>;

const TITLES: Record<Finished['status'], string> = {
  completed: 'Run completed',
  cancelled: 'Run cancelled',
  failed: 'Run failed',
  interrupted: 'Run interrupted',
} as Record<Finished['status'], string>;

/** The notification's text: the run's name and how it ended, with its last test accuracy or the error. */
export function runEndText(
  e: Finished,
  run: { name: string; lastStep: number; totalSteps: number } | null,
  testAccuracy: number | null,
): { title: string; body: string } {
  const name = run ? `"${run.name}"` : e.runId;
  const at = run ? ` at step ${run.lastStep} of ${run.totalSteps}` : '';
  const acc = testAccuracy !== null && Number.isFinite(testAccuracy) ? `; test accuracy ${(testAccuracy * 100).toFixed(1)}%` : '';
  const body = e.status === 'failed' ? `${name}: ${e.error ?? 'stopped by an error'}` : `${name}${e.status === 'completed' ? '' : at}${acc}`;
  return { title: TITLES[e.status] ?? `Run ${e.status}`, body };
}

/** Shows a notification for every run that ends while the window is not focused; returns the unsubscribe function. */
export function notifyRunEnds(handler: EngineHandler, deps: NotifierDeps): () => void {
  return handler.onEvent((ev) => {
    if (ev.type !== 'train' || ev.event.type !== 'finished') return;
    const e = ev.event;
    if (!deps.isSupported() || deps.windowFocused()) return;
    void handler
      .handle('runs.get', { id: e.runId })
      .then(
        (r) => runEndText(e, r.run, r.metrics.at(-1)?.testAccuracy ?? null),
        () => runEndText(e, null, null),
      )
      .then(({ title, body }) => {
        const n = deps.create({ title, body });
        n.on('click', () => deps.focusWindow());
        n.show();
      });
  });
}
