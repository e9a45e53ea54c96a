// Terminal output: a progress bar drawn from the training event stream and
// plain text tables.
import type { EvalRecord, RunRecord, TrainEvent } from '../engine/types';
import { usesBatchNorm } from '../engine/config/schema';
import { imageShape } from '../engine/data/dataset';
import { layerLabel } from '../engine/config/layerNotation';
import { inputLabel } from '../engine/model/geometry';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fmt = (v: number | undefined | null, digits = 4): string =>
  v === undefined || v === null || Number.isNaN(v) ? '-' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(digits);

export function describeLayers(run: RunRecord): string {
  const input = run.dataInfo ? inputLabel(imageShape(run.dataInfo)) : '?';
  return [input, ...run.config.network.layers.map((l) => `${layerLabel(l)}${usesBatchNorm(l) ? 'bn' : ''}`)].join('-');
}

/** Runs, then the run folders that cannot be read, each as a row saying why (its reason runs past the columns instead of widening them). */
export function runsTable(runs: { run: RunRecord; last: EvalRecord | null }[], problems: { id: string; error: string }[] = []): string {
  const header = ['id', 'name', 'status', 'data', 'net', 'lambda', 'ort', 'steps', 'test acc', 'recon(in)', 'backend'];
  const rows = runs.map(({ run, last }) => [
    run.id,
    run.name.length > 24 ? `${run.name.slice(0, 23).trimEnd()}…` : run.name,
    run.status,
    run.config.data.source.kind,
    describeLayers(run),
    [...new Set(run.config.network.layers.map((l) => l.lambda))].map((v) => fmt(v, 2)).join('/'),
    fmt(run.config.loss.lambdaOrt, 2),
    `${run.lastStep}/${run.totalSteps}`,
    fmt(last?.testAccuracy, 3),
    fmt(last?.testRecon[0]),
    run.backend ?? '-',
  ]);
  const bad = problems.map((p) => [p.id || '(workspace)', '', 'unreadable']);
  const lines = table(header, [...rows, ...bad]).split('\n');
  problems.forEach((p, i) => (lines[lines.length - problems.length + i] += `  ${p.error}`));
  return lines.join('\n');
}

/** 45s, 3m05s, 1h02m. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Time left from the wall time so far (evaluations and checkpoints included), or null before any step. */
export function eta(done: number, total: number, elapsedSeconds: number): number | null {
  if (done <= 0 || elapsedSeconds <= 0) return null;
  return (elapsedSeconds / done) * Math.max(0, total - done);
}

/** [####......]: done of total in width characters. */
export const bar = (done: number, total: number, width: number): string => {
  const filled = Math.max(0, Math.min(width, Math.round((done / Math.max(1, total)) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
};

type Out = Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
const now = () => performance.now();

/** Draws one progress line on a TTY, or prints one line per evaluation otherwise; both with the time left. */
export class ProgressPrinter {
  private last: EvalRecord | null = null;
  private started = 0;
  private total = 0;
  private rate = 0;
  constructor(
    private readonly out: Out = process.stderr,
    private readonly label = '',
    private readonly clock: () => number = now,
  ) {}

  private etaText(step: number, total: number): string {
    const left = step < total ? eta(step, total, (this.clock() - this.started) / 1000) : null;
    return left === null ? '' : `  ETA ${duration(left)}`;
  }

  handle(e: TrainEvent): void {
    const tty = this.out.isTTY;
    if (e.type === 'evaluation') {
      this.last = e.record;
      if (e.record.stepsPerSec > 0) this.rate = e.record.stepsPerSec;
      if (!tty) {
        const total = e.record.step > 0 ? this.total : 0;
        this.out.write(
          `${this.label}step ${e.record.step}  loss ${fmt(e.record.loss.total)}  test acc ${fmt(e.record.testAccuracy, 3)}  recon ${fmt(e.record.testRecon[0])}${total ? this.etaText(e.record.step, total) : ''}\n`,
        );
      }
    } else if (e.type === 'progress' && tty) {
      if (e.stepsPerSec > 0) this.rate = e.stepsPerSec;
      const l = this.last;
      this.out.write(
        `\r\x1b[K${this.label}${bar(e.step, e.totalSteps, 30)} ${e.step}/${e.totalSteps}  ${this.rate.toFixed(0)} steps/s${this.etaText(e.step, e.totalSteps)}` +
          (l ? `  loss ${fmt(l.loss.total)}  acc ${fmt(l.testAccuracy, 3)}` : ''),
      );
    } else if (e.type === 'started') {
      this.started = this.clock();
      this.total = e.totalSteps;
      this.out.write(`${this.label}run ${e.runId} on ${e.backend}, ${e.totalSteps} steps\n`);
    } else if (e.type === 'finished') {
      if (tty) this.out.write('\n');
      // A divergence message starts with its status already ('diverged at step 50: ...').
      this.out.write(`${this.label}${e.error?.startsWith(e.status) ? e.error : `${e.status}${e.error ? `: ${e.error}` : ''}`}\n`);
    }
  }
}

/**
 * Progress of several runs trained at once (racecar reproduce): runs done,
 * steps done of all steps, the time left. A TTY gets one redrawn line; other
 * outputs a line at every tenth of the steps.
 */
export class RunsProgress {
  private readonly steps = new Map<string, number>();
  private readonly done = new Set<string>();
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastTenth = 0;

  constructor(
    private readonly runs: { id: string; totalSteps: number }[],
    private readonly out: Out = process.stderr,
    private readonly clock: () => number = now,
  ) {
    this.started = clock();
  }

  get totalSteps(): number {
    return this.runs.reduce((a, r) => a + r.totalSteps, 0);
  }

  get stepsDone(): number {
    let n = 0;
    for (const v of this.steps.values()) n += v;
    return n;
  }

  line(): string {
    const total = this.totalSteps;
    const done = this.stepsDone;
    const left = eta(done, total, (this.clock() - this.started) / 1000);
    return `${bar(done, total, 24)} ${this.done.size}/${this.runs.length} runs done, ${done}/${total} steps${left === null ? '' : `, ETA ${duration(left)}`}`;
  }

  /** A run's event; `id` is the reference run it belongs to. */
  handle(id: string, e: TrainEvent): void {
    if (e.type === 'progress') this.steps.set(id, e.step);
    else if (e.type === 'evaluation') this.steps.set(id, Math.max(this.steps.get(id) ?? 0, e.record.step));
    else if (e.type === 'finished') {
      this.done.add(id);
      this.steps.set(id, this.runs.find((r) => r.id === id)?.totalSteps ?? this.steps.get(id) ?? 0);
    } else return;
    if (this.out.isTTY) {
      const t = this.clock();
      if (e.type !== 'finished' && t - this.lastDraw < 200) return;
      this.lastDraw = t;
      this.out.write(`\r\x1b[K${this.line()}`);
    } else {
      const tenth = Math.floor((10 * this.stepsDone) / Math.max(1, this.totalSteps));
      if (tenth > this.lastTenth || e.type === 'finished') {
        this.lastTenth = Math.max(this.lastTenth, tenth);
        this.out.write(`${this.line()}\n`);
      }
    }
  }

  /** Ends the redrawn line (TTY). */
  end(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
