// Terminal output: a progress bar drawn from the training event stream and
// plain text tables.
import type { EvalRecord, RunRecord, TrainEvent } from '../engine/types';

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
  const input = run.dataInfo ? run.dataInfo.height * run.dataInfo.width : '?';
  return [input, ...run.config.network.layers.map((l) => `${l.units}${l.batchNorm ? 'bn' : ''}`)].join('-');
}

/** Runs, then the run folders that cannot be read, each as a row saying why (its reason runs past the columns instead of widening them). */
export function runsTable(runs: { run: RunRecord; last: EvalRecord | null }[], problems: { id: string; error: string }[] = []): string {
  const header = ['id', 'status', 'data', 'net', 'lambda', 'ort', 'steps', 'test acc', 'recon(in)', 'backend'];
  const rows = runs.map(({ run, last }) => [
    run.id,
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
  const bad = problems.map((p) => [p.id || '(workspace)', 'unreadable']);
  const lines = table(header, [...rows, ...bad]).split('\n');
  problems.forEach((p, i) => (lines[lines.length - problems.length + i] += `  ${p.error}`));
  return lines.join('\n');
}

/** Draws one progress line on a TTY, or prints one line per evaluation otherwise. */
export class ProgressPrinter {
  private last: EvalRecord | null = null;
  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly label = '',
  ) {}

  handle(e: TrainEvent): void {
    const tty = this.out.isTTY;
    if (e.type === 'evaluation') {
      this.last = e.record;
      if (!tty)
        this.out.write(
          `${this.label}step ${e.record.step}  loss ${fmt(e.record.loss.total)}  test acc ${fmt(e.record.testAccuracy, 3)}  recon ${fmt(e.record.testRecon[0])}\n`,
        );
    } else if (e.type === 'progress' && tty) {
      const width = 30;
      const done = Math.round((e.step / e.totalSteps) * width);
      const bar = '#'.repeat(done) + '.'.repeat(width - done);
      const l = this.last;
      this.out.write(
        `\r${this.label}[${bar}] ${e.step}/${e.totalSteps}  ${e.stepsPerSec.toFixed(0)} steps/s` +
          (l ? `  loss ${fmt(l.loss.total)}  acc ${fmt(l.testAccuracy, 3)}` : '') +
          '   ',
      );
    } else if (e.type === 'started') {
      this.out.write(`${this.label}run ${e.runId} on ${e.backend}, ${e.totalSteps} steps\n`);
    } else if (e.type === 'finished') {
      if (tty) this.out.write('\n');
      this.out.write(`${this.label}${e.status}${e.error ? `: ${e.error}` : ''}\n`);
    }
  }
}
