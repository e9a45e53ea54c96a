// The transfer study's figure: test accuracy after transfer per source mode,
// the first layer trained and frozen side by side, each a mean over the seeds
// with its 95% confidence interval as an error bar. A chart spec like every
// other, so it is drawn by the one renderer (PNG and SVG).
import type { StudyCell } from '../engine/study/transferStudy';
import type { ChartPoint, ChartSeries, ChartSpec } from './chartSpecs';
import { RUN_PALETTE } from './runColors';

const SIDES = [
  { frozen: false, label: 'first layer trained', color: RUN_PALETTE[0], offset: -0.12 },
  { frozen: true, label: 'first layer frozen', color: RUN_PALETTE[1], offset: 0.12 },
] as const;

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function transferStudyChart(cells: StudyCell[], title = 'Test accuracy after transfer'): ChartSpec {
  const modes = [...new Set(cells.map((c) => c.mode))];
  const series: ChartSeries[] = [];
  for (const side of SIDES) {
    const mine = modes.map((m, i) => ({ i, c: cells.find((c) => c.mode === m && c.frozen === side.frozen) }));
    const means: ChartPoint[] = mine.flatMap(({ i, c }) =>
      c && Number.isFinite(c.accuracy.mean)
        ? [
            {
              x: i + side.offset,
              y: c.accuracy.mean,
              info: `${c.mode}, ${side.label}: ${pct(c.accuracy.mean)}${Number.isFinite(c.accuracy.ci95) ? ` ± ${pct(c.accuracy.ci95)} (95% CI)` : ''}, n=${c.accuracy.n}`,
            },
          ]
        : [],
    );
    series.push({ label: side.label, color: side.color, points: means, line: false, pointRadius: 5 });
    // Each interval a vertical segment; a null between them breaks the line.
    const bars: ChartPoint[] = mine.flatMap(({ i, c }) =>
      c && Number.isFinite(c.accuracy.ci95)
        ? [
            // An accuracy lies in 0..1: the interval is drawn within it.
            { x: i + side.offset, y: Math.max(0, c.accuracy.mean - c.accuracy.ci95) },
            { x: i + side.offset, y: Math.min(1, c.accuracy.mean + c.accuracy.ci95) },
            { x: i + side.offset, y: null },
          ]
        : [],
    );
    if (bars.length) series.push({ label: `${side.label} 95% CI`, color: side.color, points: bars, pointRadius: 0, legend: false });
  }
  return { id: 'transfer-accuracy', title, xLabel: 'source run', yLabel: 'test accuracy (mean, 95% CI)', xTicks: modes, yMin: 0, yMax: 1, series };
}
