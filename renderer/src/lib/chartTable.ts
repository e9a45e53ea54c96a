// A chart as a table and as CSV (every chart can be read without seeing it):
// one row per x value, one column per series, raw values (a value drawn on a
// log axis's floor shows what it really is).
import type { ChartSpec } from '../../../electron/figures/chartSpecs';
import { csvField } from '../../../electron/figures/csvField';

export interface ChartTable {
  columns: string[];
  /** x, then one value per series (null: no value at this x). */
  rows: (number | null)[][];
}

export function chartTable(spec: ChartSpec): ChartTable {
  if (spec.scatter) return scatterTable(spec);
  const xs = new Set<number>();
  for (const s of spec.series) for (const p of s.points) xs.add(p.x);
  const sorted = [...xs].sort((a, b) => a - b);
  const index = new Map(sorted.map((x, i) => [x, i]));
  const rows: (number | null)[][] = sorted.map((x) => [x, ...spec.series.map(() => null)]);
  spec.series.forEach((s, k) => {
    // Several points at one x (e.g. evaluations within one epoch): the last one.
    for (const p of s.points) rows[index.get(p.x)!]![k + 1] = p.clamped ? (p.value ?? null) : p.y;
  });
  return { columns: [spec.xLabel || 'x', ...spec.series.map((s) => s.label)], rows };
}

/** Points in a plane (the information plane): one row per step, x and y of each series. */
function scatterTable(spec: ChartSpec): ChartTable {
  const steps = [...new Set(spec.series.flatMap((s) => s.points.map((p) => p.step ?? p.x)))].sort((a, b) => a - b);
  const index = new Map(steps.map((x, i) => [x, i]));
  const rows: (number | null)[][] = steps.map((t) => [t, ...spec.series.flatMap(() => [null, null])]);
  spec.series.forEach((s, k) => {
    for (const p of s.points) {
      const row = rows[index.get(p.step ?? p.x)!]!;
      row[1 + 2 * k] = p.x;
      row[2 + 2 * k] = p.y;
    }
  });
  return { columns: ['step', ...spec.series.flatMap((s) => [`${s.label} ${spec.xLabel}`, `${s.label} ${spec.yLabel}`])], rows };
}

const cell = (v: string | number | null): string => (v === null ? '' : csvField(typeof v === 'number' ? String(v) : v));

export function toCsv(t: ChartTable): string {
  return [t.columns, ...t.rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** A file name from a chart title: lowercase words joined by dashes. */
export function fileStem(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'chart'
  );
}
